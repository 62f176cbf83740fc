"""Every bad input accounted for (docs/bad-input.md is the catalogue for users).

Each fault the raw contract rules out is injected into a copy of the small generated data set.
Either the build stops with a message naming the table, the key or column and the problem and
saying what to do, or the row is listed in marts.fct_data_quality_issues with its reason and
its documented effect on the numbers holds, and nothing else changes. `cs-metrics validate`
(Great Expectations) must report each listed fault it can see before the build.

dbt runs (under two minutes on two cores, besides the shared clean build `built_db`; they
share one target path so dbt parses the project once):
- faults that stop the build, in three small runs that fail early: the on-run-start contract
  check (missing table, missing column, wrong types), a run of staging with a repeated key in
  every keyed table, and +int_fx_rates_monthly with a missing and an unusable FX rate;
- every listed fault in one `dbt build` of one copy, each on its own account or key so they do
  not interact. Each injected row either leaves the numbers as they were (a bad row added and
  left out, an overlap the rule cuts back to the clean history, a customer currency MRR does
  not use) or changes one known column of dim_accounts (CRM versions), so every mart must
  equal the clean build except those dim_accounts cells and the new listing rows;
- empty tables, in three runs: billing and FX empty (builds), CRM, events and tickets empty
  with one billing customer unmapped (builds; revenue is never dropped), FX empty while
  billing needs rates (fails naming currencies and months).
Late events only matter to incremental runs: tests/integration/test_usage_incremental.py.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import ROOT, SMALL_AS_OF, run_dbt

pytestmark = pytest.mark.slow

AS_OF = dt.date.fromisoformat(SMALL_AS_OF)
MONTHS_PER_INTERVAL = {"month": 1, "quarter": 3, "year": 12}
# run-time columns that differ between any two builds by design
RUN_TIME_COLUMNS = {"closed_at"}
MARTS = sorted(path.stem for path in (ROOT / "models" / "marts").rglob("*.sql"))
GHOST_ACCOUNT = "acc_not_in_crm"


# ---------------------------------------------------------------------------- raw copies
class RawCopy:
    """A copy of a raw directory whose tables are edited as lists of rows, then saved."""

    def __init__(self, source_dir: Path, out_dir: Path) -> None:
        shutil.copytree(source_dir, out_dir)
        self.dir = out_dir
        self._schemas: dict[str, pa.Schema] = {}
        self._rows: dict[str, list[dict]] = {}

    def path(self, name: str) -> Path:
        source, table = name.split(".")
        return self.dir / source / f"{table}.parquet"

    def rows(self, name: str) -> list[dict]:
        """The rows of table `source.table` (edit them in place; saved by save())."""
        if name not in self._rows:
            table = pq.read_table(self.path(name))
            self._schemas[name] = pa.schema([f.with_nullable(True) for f in table.schema])
            self._rows[name] = table.to_pylist()
        return self._rows[name]

    def empty(self, *names: str) -> None:
        for name in names:
            self.rows(name).clear()

    def save(self) -> None:
        for name, rows in self._rows.items():
            pq.write_table(pa.Table.from_pylist(rows, schema=self._schemas[name]), self.path(name))


class Runner:
    """Runs dbt on raw copies, parsing the project once.

    dbt re-parses everything (10 s) when the vars or the profile's environment change, so
    every run reads its copy from one raw path and writes one database path with one target
    path; afterwards the database file is moved to its own name for the assertions. Those
    read tables only: the staging views would read whatever copy the raw path holds now.
    """

    def __init__(self, work: Path) -> None:
        self.work = work
        self.raw_dir = work / "raw"
        self.db_path = work / "run.duckdb"

    def run(self, raw: RawCopy, args: list[str], name: str) -> Path:
        shutil.rmtree(self.raw_dir, ignore_errors=True)
        shutil.copytree(raw.dir, self.raw_dir)
        kept = self.work / f"{name}.duckdb"
        try:
            run_dbt(
                args,
                db_path=self.db_path,
                target_path=self.work / "target",
                vars_={"raw_data_dir": str(self.raw_dir), "as_of_date": SMALL_AS_OF},
            )
        finally:
            if self.db_path.exists():
                shutil.move(self.db_path, kept)
        return kept

    def build(self, raw: RawCopy, name: str) -> Path:
        # unit tests do not read the raw data: the clean build runs them
        return self.run(raw, ["build", "--exclude-resource-type", "unit_test"], name)

    def failure(self, raw: RawCopy, args: list[str], name: str) -> tuple[str, Path]:
        """dbt's error messages (wrapped lines joined) of a run that must fail."""
        with pytest.raises(AssertionError) as failure:
            self.run(raw, args, name)
        return " ".join(str(failure.value).split()), self.work / f"{name}.duckdb"


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    return Runner(tmp_path_factory.mktemp("bad_input_runs"))


def _query(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _mrr_by_month(db_path: Path, account_id: str) -> list[tuple]:
    return _query(
        db_path,
        "select month_start, mrr from marts.fct_account_months where account_id = ?"
        " order by month_start",
        [account_id],
    )


# ================================================================ faults that stop the build
CONTRACT_FAULTS = {
    # id: (what is injected, the line the message must hold)
    "missing_table": "Raw table crm.activities not found: expected file ",
    "missing_column": "Raw table billing.invoices is missing required column(s): due_at.",
    "fraction_in_integer_column": (
        "Raw table billing.subscription_items: column quantity has type DOUBLE holding 1"
        " value(s) that are not whole numbers (subscription_item_id = "
    ),
    "text_in_money_column": (
        "Raw table billing.plans: column unit_amount has type VARCHAR, but the contract type is"
        " decimal(18,4)"
    ),
    "text_in_boolean_column": (
        "Raw table crm.accounts: column is_deleted has type VARCHAR, but the contract type is"
        " boolean"
    ),
    "text_in_date_column": (
        "Raw table finance.fx_rates: column rate_date has type VARCHAR, but the contract type is"
        " date"
    ),
    "text_in_timestamp_column": (
        "Raw table crm.nps_responses: column responded_at has type VARCHAR, but the contract type"
        " is timestamp"
    ),
    "untyped_null_column": (
        "Raw table crm.users: column team has type NULL (a column written without a type,"
        " e.g. only nulls), but the contract type is text"
    ),
}


def _set_column(path: Path, column: str, values: pa.Array) -> None:
    table = pq.read_table(path)
    index = table.schema.get_field_index(column)
    pq.write_table(table.set_column(index, column, values), path)


@pytest.fixture(scope="module")
def contract_failure(small_raw_dir: Path, runner: Runner, tmp_path_factory: pytest.TempPathFactory):
    raw = RawCopy(small_raw_dir, tmp_path_factory.mktemp("bad_contract") / "raw")
    raw.path("crm.activities").unlink()
    invoices = pq.read_table(raw.path("billing.invoices"))
    pq.write_table(invoices.drop_columns(["due_at"]), raw.path("billing.invoices"))
    # whole-number floats are accepted (tests/integration/test_lossless_types.py): one 2.5
    items = pq.read_table(raw.path("billing.subscription_items"))
    quantities = items.column("quantity").cast(pa.float64()).to_pylist()
    quantities[len(quantities) // 2] = 2.5
    _set_column(raw.path("billing.subscription_items"), "quantity", pa.array(quantities))
    for name, column, arrow_type in [
        ("billing.plans", "unit_amount", pa.string()),
        ("crm.accounts", "is_deleted", pa.string()),
        ("finance.fx_rates", "rate_date", pa.string()),
        ("crm.nps_responses", "responded_at", pa.string()),
    ]:
        values = pq.read_table(raw.path(name)).column(column)
        _set_column(raw.path(name), column, values.cast(arrow_type))
    users = pq.read_table(raw.path("crm.users"))
    _set_column(raw.path("crm.users"), "team", pa.nulls(users.num_rows))
    # the check runs before anything, whatever is selected
    return runner.failure(raw, ["run", "--select", "stg_billing__customers"], "contract")


@pytest.mark.parametrize("fault", sorted(CONTRACT_FAULTS))
def test_contract_fault_stops_the_run_before_any_model(contract_failure, fault: str) -> None:
    message, db_path = contract_failure
    assert CONTRACT_FAULTS[fault] in message
    assert "The raw data does not follow the raw input contract (checked before running)" in (
        message
    )
    if fault.startswith(("text", "untyped")):
        assert "convert it in the export or the loader" in message
    # nothing was built
    if db_path.exists():
        built = _query(
            db_path, "select count(*) from duckdb_tables() where schema_name = 'staging'"
        )
        views = _query(db_path, "select count(*) from duckdb_views() where schema_name = 'staging'")
        assert built[0][0] == views[0][0] == 0


# staging model -> (raw table, key columns as the message names them)
KEYED_TABLES = {
    "stg_billing__customers": ("billing.customers", ["customer_id"]),
    "stg_billing__plans": ("billing.plans", ["plan_id"]),
    "stg_billing__subscriptions": ("billing.subscriptions", ["subscription_id"]),
    "stg_billing__subscription_items": (
        "billing.subscription_items",
        ["subscription_item_id", "valid_from"],
    ),
    "stg_billing__invoices": ("billing.invoices", ["invoice_id"]),
    "stg_billing__invoice_lines": ("billing.invoice_lines", ["invoice_line_id"]),
    "stg_crm__users": ("crm.users", ["user_id"]),
    "stg_crm__contacts": ("crm.contacts", ["contact_id"]),
    "stg_crm__opportunities": ("crm.opportunities", ["opportunity_id"]),
    "stg_crm__activities": ("crm.activities", ["activity_id"]),
    "stg_crm__nps_responses": ("crm.nps_responses", ["response_id"]),
    "stg_finance__fx_rates": ("finance.fx_rates", ["currency", "rate_date"]),
    "stg_support__tickets": ("support.tickets", ["ticket_id"]),
}


@pytest.fixture(scope="module")
def duplicate_key_failure(
    small_raw_dir: Path, runner: Runner, tmp_path_factory: pytest.TempPathFactory
):
    """Every keyed table with its middle row delivered twice, in one run of staging."""
    raw = RawCopy(small_raw_dir, tmp_path_factory.mktemp("bad_duplicates") / "raw")
    repeated = {}
    for model, (name, _) in KEYED_TABLES.items():
        rows = raw.rows(name)
        row = rows[len(rows) // 2]
        rows.append(dict(row))
        repeated[model] = row
    raw.save()
    message, db_path = runner.failure(raw, ["run", "--select", "staging"], "duplicates")
    # checked by on-run-start: no staging model was (re)built
    if db_path.exists():
        assert (
            _query(db_path, "select count(*) from duckdb_views() where schema_name = 'staging'")[0][
                0
            ]
            == 0
        )
    return message, repeated


def _value(value: Any) -> str:
    """A key value as the message prints it (the database's text of the staged value)."""
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    return str(value)


@pytest.mark.parametrize("model", sorted(KEYED_TABLES))
def test_duplicate_key_stops_the_run_naming_table_key_and_value(
    duplicate_key_failure, model: str
) -> None:
    message, repeated = duplicate_key_failure
    name, key = KEYED_TABLES[model]
    # one message from on-run-start, before any model ran: one section per table
    section = message.split(f"Duplicate key in {name}: ", 1)
    assert len(section) == 2, f"{name} was not reported:\n{message}"
    text = section[1].split("Duplicate key in ", 1)[0]
    words = " + ".join(key)
    assert text.startswith(f"1 value(s) of {words} appear on more than one row")
    raw_values = [repeated[model][column] for column in key]
    shown = ", ".join(
        f"{column} = {_value(value)}" for column, value in zip(key, raw_values, strict=True)
    )
    assert f"{shown}: 2 rows" in text
    # what to do next: said once, after the last table
    assert message.count("Remove the duplicate rows from the export") == 1


def test_repeated_crm_versions_and_event_copies_do_not_fail(duplicate_key_failure) -> None:
    """CDC versions of an account and repeated event deliveries are resolved, not fatal."""
    message, _ = duplicate_key_failure
    assert "Duplicate key in crm.accounts" not in message
    assert "Duplicate key in product.events" not in message


@dataclass
class FxFaults:
    message: str
    missing: tuple[str, dt.date]  # currency, month
    unusable: tuple[str, dt.date]  # currency, rate_date (a month's last day)


# the FX check's model and everything upstream of it, seeds included (the month-window
# planner above the windowed models fingerprints the seeds; `dbt run` does not load them)
FX_RUN = [
    "build",
    "--select",
    "+int_fx_rates_monthly",
    "--exclude-resource-type",
    "test",
    "--exclude-resource-type",
    "unit_test",
]


@pytest.fixture(scope="module")
def fx_failure(
    small_raw_dir: Path,
    built_db: Path,
    runner: Runner,
    tmp_path_factory: pytest.TempPathFactory,
):
    """JPY has no rate for its first needed month; EUR's rate for a month's last day is 0."""
    first_jpy = _query(
        built_db,
        "select min(month_start), min(month_end_date) from intermediate.int_fx_rates_monthly"
        " where currency = 'JPY'",
    )[0]
    eur_month_end = dt.date(2024, 3, 31)
    raw = RawCopy(small_raw_dir, tmp_path_factory.mktemp("bad_fx") / "raw")
    rates = raw.rows("finance.fx_rates")
    rates[:] = [r for r in rates if not (r["currency"] == "JPY" and r["rate_date"] <= first_jpy[1])]
    zeroed = [r for r in rates if r["currency"] == "EUR" and r["rate_date"] == eur_month_end]
    assert len(zeroed) == 1
    zeroed[0]["rate_to_reporting"] = Decimal(0)
    raw.save()
    message, _ = runner.failure(raw, FX_RUN, "fx")
    return FxFaults(message, ("JPY", first_jpy[0]), ("EUR", eur_month_end))


def test_missing_fx_rate_stops_the_run_naming_currency_and_month(fx_failure) -> None:
    currency, month = fx_failure.missing
    last_day = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(1)
    assert (
        f"Missing FX rate: no finance.fx_rates row for {currency} on or before {last_day}"
        f" (month {month:%Y-%m})"
    ) in fx_failure.message
    assert "Load the missing rate(s) into finance.fx_rates" in fx_failure.message


def test_non_positive_fx_rate_a_month_needs_stops_the_run(fx_failure) -> None:
    """Never converted at an older rate instead: the row is named with its problem."""
    currency, rate_date = fx_failure.unusable
    assert (
        f"Unusable FX rate: finance.fx_rates row {currency} of {rate_date} (the latest on or"
        f" before {rate_date}, month {rate_date:%Y-%m}) breaks the raw contract:"
        " rate_to_reporting not positive"
    ) in fx_failure.message
    # only that month: the next one has rates of its own
    assert f"month {rate_date.replace(day=1) + dt.timedelta(days=31):%Y-%m})" not in (
        fx_failure.message
    )


# =================================================================== listed faults, one build
@dataclass
class Listed:
    """A row fct_data_quality_issues must hold."""

    source_table: str
    record_id: str
    issue_type: str
    reason: str  # part of issue_description
    account_id: str | None
    is_excluded: bool
    affected_amount: Decimal | None = None
    affected_currency: str | None = None
    affected_rows: int = 1

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source_table, self.record_id, self.issue_type)


Effect = Callable[[Path, Path], None]  # (faulted db, clean db) -> asserts


@dataclass
class Fault:
    listed: list[Listed]
    effect: Effect
    # dim_accounts cells the fault changes: account -> column -> allowed values
    dim_changes: dict[str, dict[str, set]] = field(default_factory=dict)
    # what `cs-metrics validate` reports before the build: (table, rule, level, a value of
    # the examples or None); None when the data is valid or no suite checks it
    gx: tuple[str, str, str, str | None] | None = None


def _item_key(item_id: str, valid_from: dt.datetime) -> str:
    return f"{item_id}@{valid_from:%Y-%m-%d %H:%M:%S}"


def _monthly_amount(item: dict, plan: dict) -> Decimal:
    """Doc block revenue_item_monthly_amount: quantity x unit price x (1 - discount / 100)
    over the plan's months."""
    unit = item["unit_amount"] if item["unit_amount"] is not None else plan["unit_amount"]
    discount = item["discount_percent"] or Decimal(0)
    months = plan["interval_count"] * MONTHS_PER_INTERVAL[plan["billing_interval"]]
    return item["quantity"] * unit * (100 - discount) / (100 * months)


def _same_mrr(account_id: str) -> Effect:
    def check(faulted: Path, clean: Path) -> None:
        rows = _mrr_by_month(faulted, account_id)
        assert rows, f"{account_id} has no account-months"
        assert rows == _mrr_by_month(clean, account_id)

    return check


def _never_counted(item_id: str, account_id: str) -> Effect:
    def check(faulted: Path, clean: Path) -> None:
        counted = _query(
            faulted,
            "select count(*) from intermediate.int_subscription_items_counted_monthly"
            " where subscription_item_id = ?",
            [item_id],
        )
        assert counted == [(0,)]
        if account_id:
            _same_mrr(account_id)(faulted, clean)

    return check


class Injector:
    """Injects each listed fault into a raw copy, on accounts no other fault touches."""

    def __init__(self, raw: RawCopy, clean_db: Path) -> None:
        self.raw = raw
        self.used: set[str] = set()
        self.plans = {p["plan_id"]: p for p in raw.rows("billing.plans")}
        self.customers = raw.rows("billing.customers")
        customers_of: dict[str | None, list[dict]] = defaultdict(list)
        for customer in self.customers:
            customers_of[customer["account_id"]].append(customer)
        self.subscriptions_of: dict[str, list[dict]] = defaultdict(list)
        for subscription in raw.rows("billing.subscriptions"):
            self.subscriptions_of[subscription["customer_id"]].append(subscription)
        self.items_of: dict[str, list[dict]] = defaultdict(list)
        for item in raw.rows("billing.subscription_items"):
            self.items_of[item["subscription_id"]].append(item)
        crm = raw.rows("crm.accounts")
        deleted = {a["account_id"] for a in crm if a["is_deleted"]}
        listed = {
            account
            for (account,) in _query(
                clean_db,
                "select distinct account_id from marts.fct_data_quality_issues"
                " where account_id is not null",
            )
        }
        # paying CRM accounts with one billing customer, no soft delete and no issue listed
        # in the clean build, so each fault's listing and effect stand alone
        self.simple = [
            account
            for (account,) in _query(
                clean_db,
                "select account_id from marts.dim_accounts where not is_unmapped"
                " and account_id in (select account_id from marts.fct_account_months"
                " where mrr > 0) order by account_id",
            )
            if len(customers_of[account]) == 1 and account not in deleted | listed
        ]
        self.customer_of = {a: customers_of[a][0] for a in self.simple}

    def account(self, accept: Callable[[str], bool] = lambda _: True) -> str:
        for account in self.simple:
            if account not in self.used and accept(account):
                self.used.add(account)
                return account
        raise AssertionError("no unused account fits")

    def subscription(self, account: str) -> dict:
        subscriptions = self.subscriptions_of[self.customer_of[account]["customer_id"]]
        return sorted(subscriptions, key=lambda s: s["subscription_id"])[0]

    # ------------------------------------------------------------------ billing
    def overlapping_item_versions(self) -> Fault:
        """The first of two consecutive versions loses its end: it overlaps the next one."""

        def has_consecutive(account: str) -> bool:
            return self._consecutive(account) is not None

        account = self.account(has_consecutive)
        first, _ = self._consecutive(account)
        plan = self.plans[first["plan_id"]]
        first["valid_to"] = None

        def effect(faulted: Path, clean: Path) -> None:
            # cut where the next version starts: the item counts once in every month
            doubled = _query(
                faulted,
                "select month_start from intermediate.int_subscription_items_counted_monthly"
                " where subscription_item_id = ? group by month_start having count(*) > 1",
                [first["subscription_item_id"]],
            )
            assert doubled == []
            _same_mrr(account)(faulted, clean)

        return Fault(
            [
                Listed(
                    "billing.subscription_items",
                    _item_key(first["subscription_item_id"], first["valid_from"]),
                    "overlapping_item_version",
                    "overlaps the next version of the item",
                    account,
                    False,
                    _monthly_amount(first, plan),
                    plan["currency"],
                )
            ],
            effect,
            gx=(
                "billing.subscription_items",
                "versions.no_overlap",
                "error",
                first["subscription_item_id"],
            ),
        )

    def _consecutive(self, account: str) -> tuple[dict, dict] | None:
        for subscription in self.subscriptions_of[self.customer_of[account]["customer_id"]]:
            versions = defaultdict(list)
            for item in self.items_of[subscription["subscription_id"]]:
                versions[item["subscription_item_id"]].append(item)
            for rows in versions.values():
                rows.sort(key=lambda r: r["valid_from"])
                for first, second in pairwise(rows):
                    if (
                        first["valid_to"] == second["valid_from"]
                        and first["quantity"] > 0
                        and first["valid_from"] >= subscription["started_at"]
                        and subscription["ended_at"] is None
                    ):
                        return first, second
        return None

    def _new_item(self, item_id: str, account: str | None, **changes: Any) -> dict:
        if account is None:
            subscription_id, plan_id, start = "sub_not_in_billing", sorted(self.plans)[0], None
        else:
            subscription = self.subscription(account)
            subscription_id = subscription["subscription_id"]
            plan_id = self.items_of[subscription_id][0]["plan_id"]
            start = subscription["started_at"]
        item = {
            "subscription_item_id": item_id,
            "subscription_id": subscription_id,
            "plan_id": plan_id,
            "quantity": 3,
            "unit_amount": None,
            "discount_percent": None,
            "valid_from": start or dt.datetime(2024, 1, 1),
            "valid_to": None,
            **changes,
        }
        self.raw.rows("billing.subscription_items").append(item)
        return item

    def _excluded_item(
        self, item_id: str, reason: str, account: str | None, gx: tuple[str, str], **changes
    ) -> Fault:
        item = self._new_item(item_id, account, **changes)
        return Fault(
            [
                Listed(
                    "billing.subscription_items",
                    _item_key(item_id, item["valid_from"]),
                    "item_excluded_from_mrr",
                    reason,
                    account,
                    True,
                )
            ],
            _never_counted(item_id, account),
            gx=("billing.subscription_items", *gx, item_id),
        )

    def negative_quantity(self) -> Fault:
        return self._excluded_item(
            "si_bad_negative_quantity",
            "negative quantity",
            self.account(),
            ("quantity.range", "error"),
            quantity=-2,
        )

    def discount_out_of_range(self) -> Fault:
        return self._excluded_item(
            "si_bad_discount",
            "discount_percent outside 0-100",
            self.account(),
            ("discount_percent.range", "error"),
            discount_percent=Decimal(150),
        )

    def reversed_item_interval(self) -> Fault:
        account = self.account()
        start = self.subscription(account)["started_at"]
        return self._excluded_item(
            "si_bad_reversed_interval",
            "valid_to not after valid_from",
            account,
            ("valid_to.after_valid_from", "error"),
            valid_from=start + dt.timedelta(days=40),
            valid_to=start + dt.timedelta(days=10),
        )

    def unknown_plan(self) -> Fault:
        return self._excluded_item(
            "si_bad_unknown_plan",
            "plan not found in billing.plans",
            self.account(),
            ("plan_id.references", "warning"),
            plan_id="plan_not_in_billing",
        )

    def unknown_subscription(self) -> Fault:
        # no subscription, so no customer and no account to name
        return self._excluded_item(
            "si_bad_unknown_subscription",
            "subscription not found in billing.subscriptions",
            None,
            ("subscription_id.references", "warning"),
        )

    def reversed_subscription(self) -> Fault:
        """A subscription that ended before it started: its item can never count."""
        account = self.account()
        customer_id = self.customer_of[account]["customer_id"]
        self.raw.rows("billing.subscriptions").append(
            {
                "subscription_id": "sub_bad_ended_before_start",
                "customer_id": customer_id,
                "status": "canceled",
                "created_at": dt.datetime(2024, 4, 1),
                "started_at": dt.datetime(2024, 5, 1),
                "trial_end_at": None,
                "term_months": 1,
                "canceled_at": dt.datetime(2024, 4, 10),
                "cancel_at": None,
                "ended_at": dt.datetime(2024, 4, 20),
            }
        )
        plan_id = self.items_of[self.subscription(account)["subscription_id"]][0]["plan_id"]
        item = {
            "subscription_item_id": "si_bad_on_reversed_subscription",
            "subscription_id": "sub_bad_ended_before_start",
            "plan_id": plan_id,
            "quantity": 5,
            "unit_amount": None,
            "discount_percent": None,
            "valid_from": dt.datetime(2024, 5, 1),
            "valid_to": None,
        }
        self.raw.rows("billing.subscription_items").append(item)
        return Fault(
            [
                Listed(
                    "billing.subscriptions",
                    "sub_bad_ended_before_start",
                    "contract_violation",
                    "ended_at before started_at",
                    None,
                    True,
                ),
                Listed(
                    "billing.subscription_items",
                    _item_key(item["subscription_item_id"], item["valid_from"]),
                    "item_excluded_from_mrr",
                    "subscription ended_at is before its started_at",
                    account,
                    True,
                ),
            ],
            _never_counted(item["subscription_item_id"], account),
            gx=(
                "billing.subscriptions",
                "ended_at.not_before_started_at",
                "error",
                "sub_bad_ended_before_start",
            ),
        )

    def currency_mismatch(self) -> Fault:
        """The customer is billed in another currency than its plans: MRR uses the plan's."""

        def plans_in_customer_currency(account: str) -> bool:
            customer = self.customer_of[account]
            items = [
                item
                for subscription in self.subscriptions_of[customer["customer_id"]]
                for item in self.items_of[subscription["subscription_id"]]
            ]
            return bool(items) and all(
                self.plans[i["plan_id"]]["currency"] == customer["currency"] for i in items
            )

        account = self.account(plans_in_customer_currency)
        customer = self.customer_of[account]
        plan_currency = customer["currency"]
        customer["currency"] = "EUR" if plan_currency != "EUR" else "USD"
        versions = [
            item
            for subscription in self.subscriptions_of[customer["customer_id"]]
            for item in self.items_of[subscription["subscription_id"]]
        ]

        def effect(faulted: Path, clean: Path) -> None:
            currencies = _query(
                faulted,
                "select distinct currency from intermediate.int_subscription_items_counted_monthly"
                " where account_id = ?",
                [account],
            )
            assert currencies == [(plan_currency,)]
            _same_mrr(account)(faulted, clean)

        return Fault(
            [
                Listed(
                    "billing.subscription_items",
                    _item_key(item["subscription_item_id"], item["valid_from"]),
                    "plan_currency_differs_from_customer",
                    f"is billed in {customer['currency']}; MRR uses the plan currency",
                    account,
                    False,
                    _monthly_amount(item, self.plans[item["plan_id"]]),
                    plan_currency,
                )
                for item in versions
            ],
            effect,
        )

    def invoice_paid_before_issued(self) -> Fault:
        account = self.account()
        customer = self.customer_of[account]
        self.raw.rows("billing.invoices").append(
            {
                "invoice_id": "in_bad_paid_before_issued",
                "customer_id": customer["customer_id"],
                "subscription_id": None,
                "status": "paid",
                "currency": customer["currency"],
                "issued_at": dt.datetime(2025, 2, 10),
                "due_at": dt.datetime(2025, 3, 12),
                "paid_at": dt.datetime(2025, 2, 1),
                "subtotal": Decimal("100.0000"),
                "tax": Decimal("20.0000"),
                "total": Decimal("120.0000"),
                "amount_paid": Decimal("120.0000"),
            }
        )

        def effect(faulted: Path, clean: Path) -> None:
            score = (
                "select month_start, payment_score from marts.fct_account_months"
                " where account_id = ? order by month_start"
            )
            assert _query(faulted, score, [account]) == _query(clean, score, [account])

        return Fault(
            [
                Listed(
                    "billing.invoices",
                    "in_bad_paid_before_issued",
                    "contract_violation",
                    "paid_at before issued_at",
                    None,
                    True,
                    Decimal("120"),
                    customer["currency"],
                )
            ],
            effect,
            gx=(
                "billing.invoices",
                "paid_at.not_before_issued_at",
                "error",
                "in_bad_paid_before_issued",
            ),
        )

    def invoice_line_reversed_period(self) -> Fault:
        account = self.account()
        customer_id = self.customer_of[account]["customer_id"]
        invoice = next(
            i
            for i in self.raw.rows("billing.invoices")
            if i["customer_id"] == customer_id and i["status"] == "paid"
        )
        self.raw.rows("billing.invoice_lines").append(
            {
                "invoice_line_id": "il_bad_reversed_period",
                "invoice_id": invoice["invoice_id"],
                "subscription_id": invoice["subscription_id"],
                "plan_id": None,
                "line_type": "subscription",
                "quantity": 1,
                "amount": Decimal("50.0000"),
                "period_start": dt.date(2025, 3, 1),
                "period_end": dt.date(2025, 2, 1),
            }
        )

        def effect(faulted: Path, clean: Path) -> None:
            recognised = _query(
                faulted,
                "select count(*) from intermediate.int_invoice_lines_recognised_monthly"
                " where invoice_line_id = 'il_bad_reversed_period'",
            )
            assert recognised == [(0,)]

        return Fault(
            [
                Listed(
                    "billing.invoice_lines",
                    "il_bad_reversed_period",
                    "contract_violation",
                    "period_end before period_start",
                    None,
                    True,
                    Decimal("50"),
                )
            ],
            effect,
            gx=(
                "billing.invoice_lines",
                "period_end.not_before_period_start",
                "error",
                "il_bad_reversed_period",
            ),
        )

    def unused_non_positive_fx_rate(self) -> Fault:
        """A mid-month daily rate of 0: no month uses it (each uses its last day's rate)."""
        rate_date = dt.date(2024, 7, 15)
        row = next(
            r
            for r in self.raw.rows("finance.fx_rates")
            if r["currency"] == "EUR" and r["rate_date"] == rate_date
        )
        row["rate_to_reporting"] = Decimal(0)

        def effect(faulted: Path, clean: Path) -> None:
            sql = (
                "select month_start, rate_to_reporting, rate_date"
                " from intermediate.int_fx_rates_monthly where currency = 'EUR' order by 1"
            )
            assert _query(faulted, sql) == _query(clean, sql)

        return Fault(
            [
                Listed(
                    "finance.fx_rates",
                    f"EUR@{rate_date}",
                    "fx_rate_excluded",
                    "rate_to_reporting not positive",
                    None,
                    True,
                )
            ],
            effect,
            gx=("finance.fx_rates", "rate_to_reporting.range", "error", str(rate_date)),
        )

    # ---------------------------------------------------------------------- crm
    def _current_version(self, account: str) -> dict:
        versions = [a for a in self.raw.rows("crm.accounts") if a["account_id"] == account]
        return max(versions, key=lambda a: (a["updated_at"], a["_loaded_at"] or dt.datetime.min))

    def deleted_paying_account(self) -> Fault:
        account = self.account()
        current = self._current_version(account)
        self.raw.rows("crm.accounts").append(
            {
                **current,
                "is_deleted": True,
                "updated_at": current["updated_at"] + dt.timedelta(seconds=1),
                "_loaded_at": current["updated_at"] + dt.timedelta(seconds=1),
            }
        )
        return Fault(
            [
                Listed(
                    "crm.accounts",
                    account,
                    "deleted_account_with_revenue",
                    "soft-deleted in the CRM but has billed revenue",
                    account,
                    False,
                )
            ],
            _same_mrr(account),  # revenue already billed never vanishes
            {account: {"is_deleted": {True}}},
        )

    def cdc_tie_broken_by_loaded_at(self) -> Fault:
        """Same updated_at, later _loaded_at: the later load wins (not listed: no tie)."""
        account = self.account()
        current = self._current_version(account)
        self.raw.rows("crm.accounts").append(
            {
                **current,
                "account_name": "Renamed in a later load",
                "_loaded_at": (current["_loaded_at"] or current["updated_at"])
                + dt.timedelta(hours=1),
            }
        )
        return Fault(
            [], _same_mrr(account), {account: {"account_name": {"Renamed in a later load"}}}
        )

    def cdc_full_tie(self) -> Fault:
        """Same updated_at and _loaded_at, other content: a fixed order picks one; listed."""
        account = self.account()
        current = self._current_version(account)
        self.raw.rows("crm.accounts").append({**current, "account_name": "Tied version"})

        def effect(faulted: Path, clean: Path) -> None:
            names = _query(
                faulted,
                "select account_name from marts.dim_accounts where account_id = ?",
                [account],
            )
            assert names in ([(current["account_name"],)], [("Tied version",)])
            _same_mrr(account)(faulted, clean)

        return Fault(
            [
                Listed(
                    "crm.accounts",
                    account,
                    "cdc_version_tie",
                    "2 different versions share the latest updated_at",
                    account,
                    False,
                    affected_rows=2,
                )
            ],
            effect,
            {account: {"account_name": {current["account_name"], "Tied version"}}},
            gx=("crm.accounts", "account_versions.distinct", "warning", account),
        )

    def nps_score_out_of_range(self) -> Fault:
        account = self.account()
        self.raw.rows("crm.nps_responses").append(
            {
                "response_id": "nps_bad_score_11",
                "account_id": account,
                "contact_id": None,
                "score": 11,
                "responded_at": dt.datetime(2025, 4, 2, 9),
                "comment": None,
            }
        )

        def effect(faulted: Path, clean: Path) -> None:
            excluded = _query(
                faulted,
                "select is_excluded, exclusion_reason from intermediate.int_nps_responses_scored"
                " where response_id = 'nps_bad_score_11'",
            )
            assert excluded == [(True, "score outside 0-10")]

        return Fault(
            [
                Listed(
                    "crm.nps_responses",
                    "nps_bad_score_11",
                    "contract_violation",
                    "score outside 0-10",
                    account,
                    True,
                )
            ],
            effect,
            gx=("crm.nps_responses", "score.range", "warning", "nps_bad_score_11"),
        )

    # ------------------------------------------------------------------ support
    def ticket_answered_before_opened(self) -> Fault:
        account = self.account()
        self.raw.rows("support.tickets").append(
            {
                "ticket_id": "tkt_bad_answered_before_opened",
                "account_id": account,
                "opened_at": dt.datetime(2025, 3, 10, 10),
                "first_response_at": dt.datetime(2025, 3, 10, 9),
                "solved_at": dt.datetime(2025, 3, 11, 10),
                "priority": "urgent",
                "status": "solved",
                "csat_score": 5,
            }
        )

        def effect(faulted: Path, clean: Path) -> None:
            # not a met SLA with a negative response time: left out of the support score
            timed = _query(
                faulted,
                "select count(*) from intermediate.int_support_tickets_sla_timed"
                " where ticket_id = 'tkt_bad_answered_before_opened'",
            )
            assert timed == [(0,)]
            sql = (
                "select month_start, support_score from marts.fct_account_months"
                " where account_id = ? order by 1"
            )
            assert _query(faulted, sql, [account]) == _query(clean, sql, [account])

        return Fault(
            [
                Listed(
                    "support.tickets",
                    "tkt_bad_answered_before_opened",
                    "contract_violation",
                    "first_response_at before opened_at",
                    account,
                    True,
                )
            ],
            effect,
            gx=(
                "support.tickets",
                "first_response_at.not_before_opened_at",
                "error",
                "tkt_bad_answered_before_opened",
            ),
        )

    # ------------------------------------------------------------------ product
    def _an_event(self, account: str) -> dict:
        events = self.raw.rows("product.events")
        return next(e for e in events if e["account_id"] == account)

    def duplicate_event(self) -> Fault:
        account = self.account(self._has_events)
        event = self._an_event(account)
        self.raw.rows("product.events").append(
            {**event, "_loaded_at": event["_loaded_at"] + dt.timedelta(hours=5)}
        )

        def effect(faulted: Path, clean: Path) -> None:
            kept = _query(
                faulted,
                "select copy_count, loaded_at from intermediate.int_product_events_deduplicated"
                " where event_id = ?",
                [event["event_id"]],
            )
            assert kept == [(2, event["_loaded_at"])]  # the first-loaded copy, once
            self._same_usage(account)(faulted, clean)

        return Fault(
            [
                Listed(
                    "product.events",
                    account,
                    "duplicate_event_copies",
                    "1 extra copies of already delivered events",
                    account,
                    True,
                )
            ],
            effect,
            # the generated data repeats events too: only ten examples are kept
            gx=("product.events", "event_id.delivered_once", "warning", None),
        )

    def future_event(self) -> Fault:
        account = self.account(self._has_events)
        event = self._an_event(account)
        self.raw.rows("product.events").append(
            {
                **event,
                "event_id": "evt_bad_future",
                "occurred_at": dt.datetime(2025, 6, 20, 9),
                "_loaded_at": dt.datetime(2025, 6, 14, 9),
            }
        )
        return Fault(
            [
                Listed(
                    "product.events",
                    account,
                    "event_after_as_of_date",
                    "1 events are dated after as_of_date (first on 2025-06-20)",
                    account,
                    True,
                )
            ],
            self._same_usage(account),
            gx=("product.events", "occurred_at.not_after_as_of", "error", "evt_bad_future"),
        )

    def orphan_event(self) -> Fault:
        template = self.raw.rows("product.events")[0]
        self.raw.rows("product.events").append(
            {**template, "event_id": "evt_bad_orphan", "account_id": GHOST_ACCOUNT}
        )

        def effect(faulted: Path, clean: Path) -> None:
            known = _query(
                faulted,
                "select count(*) from marts.dim_accounts where account_id = ?",
                [GHOST_ACCOUNT],
            )
            assert known == [(0,)]

        return Fault(
            [
                Listed(
                    "product.events",
                    GHOST_ACCOUNT,
                    "event_for_unknown_account",
                    "",
                    GHOST_ACCOUNT,
                    True,
                )
            ],
            effect,
        )

    def _has_events(self, account: str) -> bool:
        if not hasattr(self, "_event_accounts"):
            self._event_accounts = {e["account_id"] for e in self.raw.rows("product.events")}
        return account in self._event_accounts

    @staticmethod
    def _same_usage(account: str) -> Effect:
        def check(faulted: Path, clean: Path) -> None:
            sql = (
                "select month_start, active_users, active_days, event_count"
                " from marts.fct_account_months where account_id = ? order by 1"
            )
            assert _query(faulted, sql, [account]) == _query(clean, sql, [account])

        return check


LISTED_FAULTS = [
    "overlapping_item_versions",
    "negative_quantity",
    "discount_out_of_range",
    "reversed_item_interval",
    "unknown_plan",
    "unknown_subscription",
    "reversed_subscription",
    "currency_mismatch",
    "invoice_paid_before_issued",
    "invoice_line_reversed_period",
    "unused_non_positive_fx_rate",
    "deleted_paying_account",
    "cdc_tie_broken_by_loaded_at",
    "cdc_full_tie",
    "nps_score_out_of_range",
    "ticket_answered_before_opened",
    "duplicate_event",
    "future_event",
    "orphan_event",
]


@dataclass
class FaultedBuild:
    db_path: Path
    faults: dict[str, Fault]
    # failed expectations of `cs-metrics validate`: (table, rule) -> (level, example values)
    validation: dict[tuple[str, str], tuple[str, set[str]]]


def _validate(raw_dir: Path) -> dict[tuple[str, str], tuple[str, set[str]]]:
    from cs_metrics.validate.raw import validate_raw
    from cs_metrics.validate.sources import ParquetSource

    source = ParquetSource(raw_dir)
    try:
        report = validate_raw(source, as_of=AS_OF)
    finally:
        source.close()
    return {
        (r.table, r.rule): (r.level, {str(v) for e in r.examples for v in e.values()})
        for r in report.records
        if not r.success
    }


@pytest.fixture(scope="module")
def faulted(
    small_raw_dir: Path,
    built_db: Path,
    runner: Runner,
    tmp_path_factory: pytest.TempPathFactory,
) -> FaultedBuild:
    raw = RawCopy(small_raw_dir, tmp_path_factory.mktemp("bad_listed") / "raw")
    injector = Injector(raw, built_db)
    faults = {name: getattr(injector, name)() for name in LISTED_FAULTS}
    raw.save()
    db_path = runner.build(raw, "listed")
    return FaultedBuild(db_path, faults, _validate(raw.dir))


ISSUE_COLUMNS = (
    "source_table, record_id, issue_type, issue_description, account_id, affected_rows,"
    " affected_amount, affected_currency, is_excluded_from_metric"
)


@pytest.mark.parametrize("fault", LISTED_FAULTS)
def test_fault_is_listed_with_its_effect(faulted: FaultedBuild, built_db: Path, fault: str) -> None:
    case = faulted.faults[fault]
    for expected in case.listed:
        rows = _query(
            faulted.db_path,
            f"select {ISSUE_COLUMNS} from marts.fct_data_quality_issues"
            " where source_table = ? and record_id = ? and issue_type = ?",
            list(expected.key),
        )
        assert len(rows) == 1, f"{expected.key} is not listed once: {rows}"
        _, _, _, description, account, affected_rows, amount, currency, excluded = rows[0]
        assert expected.reason in description
        assert account == expected.account_id
        assert excluded is expected.is_excluded
        assert affected_rows == expected.affected_rows
        assert currency == expected.affected_currency
        if expected.affected_amount is None:
            assert amount is None
        else:
            assert amount is not None
            assert abs(amount - expected.affected_amount) < Decimal("0.000001")
    case.effect(faulted.db_path, built_db)
    if case.gx:
        table, rule, level, example = case.gx
        assert (table, rule) in faulted.validation, f"cs-metrics validate misses {fault}"
        found_level, examples = faulted.validation[(table, rule)]
        assert found_level == level
        assert example is None or example in examples
    for account, changes in case.dim_changes.items():
        for column, allowed in changes.items():
            value = _query(
                faulted.db_path,
                f"select {column} from marts.dim_accounts where account_id = ?",
                [account],
            )
            assert len(value) == 1 and value[0][0] in allowed, (account, column, value)


def _columns(con: duckdb.DuckDBPyConnection, mart: str) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select column_name from duckdb_columns() where database_name = 'clean'"
            " and schema_name = 'marts' and table_name = ? order by column_index",
            [mart],
        ).fetchall()
        if name not in RUN_TIME_COLUMNS
    ]


@pytest.mark.parametrize("mart", MARTS)
def test_nothing_else_changed(faulted: FaultedBuild, built_db: Path, mart: str) -> None:
    """Every mart equals the clean build but for the cells and rows the faults explain."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{built_db}' as clean (read_only)")
        con.execute(f"attach '{faulted.db_path}' as faulted (read_only)")
        columns = _columns(con, mart)
        assert columns, f"{mart} is not in the clean build"
        skip = "true"
        params: list = []
        # the accounts a fault changes in dim_accounts, and the columns it changes
        changed = {a: c for f in faulted.faults.values() for a, c in f.dim_changes.items()}
        changed_columns = {c for changes in changed.values() for c in changes}
        if mart == "dim_accounts":
            # each changed account differs in the expected columns only
            skip = "account_id not in (select unnest(?::varchar[]))"
            params = [sorted(changed)]
            for account, changes in changed.items():
                same = [c for c in columns if c not in changes]
                sql = (
                    f"select {', '.join(same)} from {{db}}.marts.dim_accounts where account_id = ?"
                )
                assert con.execute(sql.format(db="faulted"), [account]).fetchall() == (
                    con.execute(sql.format(db="clean"), [account]).fetchall()
                )
        elif "account_id" in columns and changed_columns & set(columns):
            # marts that carry an account's attributes (its name) differ in those columns only
            same = [c for c in columns if c not in changed_columns]
            accounts = "account_id in (select unnest(?::varchar[]))"
            for left, right in (("faulted", "clean"), ("clean", "faulted")):
                assert (
                    con.execute(
                        f"select {', '.join(same)} from {left}.marts.{mart} where {accounts}"
                        f" except all select {', '.join(same)} from {right}.marts.{mart}"
                        f" where {accounts}",
                        [sorted(changed)] * 2,
                    ).fetchmany(5)
                    == []
                ), (mart, left)
            skip = "coalesce(account_id, '') not in (select unnest(?::varchar[]))"
            params = [sorted(changed)]
        elif mart == "fct_data_quality_issues":
            # the clean listing is kept as it was; new rows are exactly the faults' rows
            expected = {row.key for f in faulted.faults.values() for row in f.listed}
            key = "source_table || '|' || record_id || '|' || issue_type"
            new = {
                tuple(k.split("|"))
                for (k,) in con.execute(
                    f"select {key} from faulted.marts.{mart}"
                    f" except select {key} from clean.marts.{mart}"
                ).fetchall()
            }
            assert new == expected
            skip = f"({key}) not in (select unnest(?::varchar[]))"
            params = ["|".join(k) for k in sorted(expected)]
            params = [params]
        listed = ", ".join(f'"{c}"' for c in columns)
        differ = {}
        for left, right in (("faulted", "clean"), ("clean", "faulted")):
            differ[left] = con.execute(
                f"select {listed} from {left}.marts.{mart} where {skip}"
                f" except all select {listed} from {right}.marts.{mart} where {skip}",
                params * 2,
            ).fetchmany(5)
        assert differ == {"faulted": [], "clean": []}
    finally:
        con.close()


# ======================================================================== empty tables
BILLING = [
    "billing.customers",
    "billing.plans",
    "billing.subscriptions",
    "billing.subscription_items",
    "billing.invoices",
    "billing.invoice_lines",
]
CRM_AND_ACTIVITY = [
    "crm.accounts",
    "crm.users",
    "crm.contacts",
    "crm.opportunities",
    "crm.activities",
    "crm.nps_responses",
    "product.events",
    "support.tickets",
]


@pytest.fixture(scope="module")
def empty_billing(
    small_raw_dir: Path, runner: Runner, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Billing and FX rates empty (schema kept): a company before its first invoice."""
    raw = RawCopy(small_raw_dir, tmp_path_factory.mktemp("bad_empty_billing") / "raw")
    raw.empty(*BILLING, "finance.fx_rates")
    raw.save()
    return runner.build(raw, "empty_billing")


def test_empty_billing_and_fx_build_with_no_revenue(
    empty_billing: Path, small_raw_dir: Path
) -> None:
    revenue = _query(empty_billing, "select count(*) from marts.fct_account_months")
    assert revenue == [(0,)]
    crm_accounts = {
        r["account_id"]
        for r in pq.read_table(small_raw_dir / "crm" / "accounts.parquet").to_pylist()
    }
    dims = _query(empty_billing, "select account_id, current_mrr from marts.dim_accounts")
    assert {account for account, _ in dims} == crm_accounts
    assert {mrr or 0 for _, mrr in dims} == {0}
    # the CRM side still reports: NPS without tiers
    tiers = _query(empty_billing, "select distinct tier from marts.fct_nps_monthly order by 1")
    assert tiers == [("all",), ("unknown",)]
    money = _query(
        empty_billing,
        "select count(*) from marts.fct_data_quality_issues where affected_metric = 'mrr'",
    )
    assert money == [(0,)]


@dataclass
class EmptyCrm:
    db_path: Path
    unmapped_customer: str
    its_account: str


@pytest.fixture(scope="module")
def empty_crm(
    small_raw_dir: Path,
    built_db: Path,
    runner: Runner,
    tmp_path_factory: pytest.TempPathFactory,
) -> EmptyCrm:
    """CRM, events and tickets empty, and one billing customer unmapped (account_id null)."""
    raw = RawCopy(small_raw_dir, tmp_path_factory.mktemp("bad_empty_crm") / "raw")
    raw.empty(*CRM_AND_ACTIVITY)
    customers = raw.rows("billing.customers")
    per_account = defaultdict(list)
    for customer in customers:
        per_account[customer["account_id"]].append(customer)
    paying = [
        a
        for (a,) in _query(
            built_db,
            "select distinct account_id from marts.fct_account_months where mrr > 0 order by 1",
        )
    ]
    account = next(a for a in paying if len(per_account.get(a, [])) == 1)
    customer = per_account[account][0]
    customer["account_id"] = None
    raw.save()
    return EmptyCrm(runner.build(raw, "empty_crm"), customer["customer_id"], account)


def test_empty_crm_keeps_every_revenue_figure(empty_crm: EmptyCrm, built_db: Path) -> None:
    """Without the CRM, revenue stays under the billing customers' account ids, to the cent."""
    sql = (
        "select month_start, sum(mrr), count(*) filter (where mrr > 0)"
        " from marts.fct_account_months group by 1 order by 1"
    )
    assert _query(empty_crm.db_path, sql) == _query(built_db, sql)
    bridge = "select * from marts.fct_mrr_bridge_monthly order by month_start"
    assert _query(empty_crm.db_path, bridge) == _query(built_db, bridge)
    not_in_crm = _query(
        empty_crm.db_path,
        "select count(*), count(distinct account_id) from marts.fct_data_quality_issues"
        " where issue_type = 'account_not_in_crm'",
    )
    assert not_in_crm[0][0] > 0 and not_in_crm[0][0] >= not_in_crm[0][1]
    nps = _query(empty_crm.db_path, "select count(*) from marts.fct_nps_monthly")
    assert nps == [(0,)]


def test_unmapped_customer_revenue_kept_under_stand_in(empty_crm: EmptyCrm, built_db: Path) -> None:
    standin = f"billing:{empty_crm.unmapped_customer}"
    listed = _query(
        empty_crm.db_path,
        "select account_id, is_excluded_from_metric, issue_description"
        " from marts.fct_data_quality_issues"
        " where issue_type = 'unmapped_billing_customer' and record_id = ?",
        [empty_crm.unmapped_customer],
    )
    assert len(listed) == 1
    account, excluded, description = listed[0]
    assert (account, excluded) == (standin, False)
    assert f"kept under the stand-in account {standin}" in description
    # month by month, the stand-in holds exactly what its CRM account held
    assert _mrr_by_month(empty_crm.db_path, standin) == _mrr_by_month(
        built_db, empty_crm.its_account
    )
    assert _mrr_by_month(empty_crm.db_path, empty_crm.its_account) == []
    flagged = _query(
        empty_crm.db_path,
        "select is_unmapped from marts.dim_accounts where account_id = ?",
        [standin],
    )
    assert flagged == [(True,)]


def test_empty_fx_rates_stop_the_run_when_billing_needs_them(
    small_raw_dir: Path, runner: Runner, tmp_path_factory: pytest.TempPathFactory
) -> None:
    raw = RawCopy(small_raw_dir, tmp_path_factory.mktemp("bad_empty_fx") / "raw")
    raw.empty("finance.fx_rates")
    raw.save()
    message, _ = runner.failure(raw, FX_RUN, "empty_fx")
    assert "Missing FX rate: no finance.fx_rates row for EUR on or before 2023-01-31" in message
    assert "more (currency, month) pair(s) without a usable rate" in message
