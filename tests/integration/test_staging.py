"""Staging on generated data: de-duplication, normalisation, personal data and violation flags.

Expectations are recomputed from the raw Parquet files with pyarrow, never with the project's
SQL, so a mistake in a staging model shows up as a difference.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import run_dbt

pytestmark = pytest.mark.slow

# Raw tables staging keeps row for row (no de-duplication): every raw row survives.
ONE_TO_ONE = {
    "stg_crm__users": ("crm", "users"),
    "stg_crm__contacts": ("crm", "contacts"),
    "stg_crm__opportunities": ("crm", "opportunities"),
    "stg_crm__activities": ("crm", "activities"),
    "stg_crm__nps_responses": ("crm", "nps_responses"),
    "stg_billing__customers": ("billing", "customers"),
    "stg_billing__plans": ("billing", "plans"),
    "stg_billing__subscriptions": ("billing", "subscriptions"),
    "stg_billing__subscription_items": ("billing", "subscription_items"),
    "stg_billing__invoices": ("billing", "invoices"),
    "stg_billing__invoice_lines": ("billing", "invoice_lines"),
    "stg_finance__fx_rates": ("finance", "fx_rates"),
    "stg_support__tickets": ("support", "tickets"),
}
ALL_MODELS = [*ONE_TO_ONE, "stg_crm__accounts", "stg_product__events"]

# Lower-cased, trimmed enumerations: (model, column, known values).
ENUMS = [
    (
        "stg_crm__accounts",
        "acquisition_channel",
        {"inbound", "outbound", "partner", "referral", "paid", "self_serve", "other"},
    ),
    ("stg_crm__users", "user_role", {"csm", "ae", "manager", "other"}),
    ("stg_crm__opportunities", "opportunity_type", {"new_business", "expansion", "renewal"}),
    (
        "stg_crm__activities",
        "activity_type",
        {"call", "email", "meeting", "qbr", "onboarding", "training", "escalation", "other"},
    ),
    ("stg_billing__plans", "billing_interval", {"month", "quarter", "year"}),
    (
        "stg_billing__subscriptions",
        "status",
        {"trialing", "active", "past_due", "paused", "canceled", "incomplete"},
    ),
    ("stg_billing__invoices", "status", {"draft", "open", "paid", "void", "uncollectible"}),
    (
        "stg_billing__invoice_lines",
        "line_type",
        {"subscription", "proration", "one_time", "usage"},
    ),
    ("stg_support__tickets", "priority", {"low", "normal", "high", "urgent"}),
    ("stg_support__tickets", "status", {"open", "pending", "solved", "closed"}),
]
CURRENCY_COLUMNS = [
    ("stg_crm__opportunities", "currency"),
    ("stg_billing__customers", "currency"),
    ("stg_billing__plans", "currency"),
    ("stg_billing__invoices", "currency"),
    ("stg_finance__fx_rates", "currency"),
]
PERSONAL_DATA_COLUMNS = {"full_name", "email", "comment", "first_name", "last_name"}


def _raw(raw_dir: Path, source: str, table: str) -> list[dict]:
    return pq.read_table(raw_dir / source / f"{table}.parquet").to_pylist()


def _count(db, model: str, where: str = "true") -> int:
    return db.execute(f"select count(*) from staging.{model} where {where}").fetchone()[0]


# ------------------------------------------------------------------------------ accounts
def test_accounts_one_row_per_account_latest_version_wins(db, small_raw_dir: Path) -> None:
    raw = _raw(small_raw_dir, "crm", "accounts")
    versions: dict[str, list[dict]] = defaultdict(list)
    for row in raw:
        versions[row["account_id"]].append(row)

    def rank(row: dict) -> tuple:
        # latest updated_at, then latest _loaded_at (a missing one loses)
        never = dt.datetime.min
        return (row["updated_at"] or never, row.get("_loaded_at") or never)

    staged = db.execute(
        "select account_id, account_name, updated_at, employee_count, csm_owner_id, is_deleted"
        " from staging.stg_crm__accounts"
    ).fetchall()
    assert len(staged) == len(versions)
    assert len({row[0] for row in staged}) == len(staged)
    assert any(len(rows) > 1 for rows in versions.values()), "the data should hold CDC copies"

    for account_id, name, updated_at, employees, owner, deleted in staged:
        rows = versions[account_id]
        best = max(rank(row) for row in rows)
        winners = [row for row in rows if rank(row) == best]
        assert any(
            (w["account_name"], w["updated_at"], w["employee_count"], w["csm_owner_id"])
            == (name, updated_at, employees, owner)
            and w["is_deleted"] == deleted
            for w in winners
        ), f"{account_id}: staging kept {name!r} @ {updated_at}, expected one of {winners}"


# -------------------------------------------------------------------------------- events
def test_events_staged_per_copy_and_first_loaded_copy_kept(db, small_raw_dir: Path) -> None:
    """Staging keeps every delivered copy; the de-duplicated events keep the first-loaded one."""
    table = pq.read_table(small_raw_dir / "product" / "events.parquet")
    ids = table.column("event_id").to_pylist()
    distinct = set(ids)
    assert len(ids) > len(distinct), "the data should hold duplicated event deliveries"

    staged = db.execute("select count(*) from staging.stg_product__events").fetchone()[0]
    assert staged == len(ids)
    total, unique_ids, copies = db.execute(
        "select count(*), count(distinct event_id), sum(copy_count)"
        " from intermediate.int_product_events_deduplicated"
    ).fetchone()
    assert total == unique_ids == len(distinct)
    assert copies == len(ids)

    if "_loaded_at" in table.column_names:
        # the copy loaded first is kept (copies without _loaded_at lose)
        expected: dict[str, dt.datetime | None] = dict.fromkeys(distinct)
        for event_id, loaded_at in zip(ids, table.column("_loaded_at").to_pylist(), strict=True):
            current = expected[event_id]
            if loaded_at is not None and (current is None or loaded_at < current):
                expected[event_id] = loaded_at
        kept = dict(
            db.execute(
                "select event_id, loaded_at from intermediate.int_product_events_deduplicated"
            ).fetchall()
        )
        assert kept == expected


# ------------------------------------------------------------------------ row for row
@pytest.mark.parametrize("model", sorted(ONE_TO_ONE))
def test_no_raw_row_is_dropped(db, small_raw_dir: Path, model: str) -> None:
    source, table = ONE_TO_ONE[model]
    raw_rows = pq.read_metadata(small_raw_dir / source / f"{table}.parquet").num_rows
    assert _count(db, model) == raw_rows


# --------------------------------------------------------------------- personal data
def test_personal_data_stops_at_staging(db) -> None:
    columns = db.execute(
        "select table_name, column_name from information_schema.columns"
        " where table_schema = 'staging'"
    ).fetchall()
    tables = {table for table, _ in columns}
    assert set(ALL_MODELS) <= tables
    leaked = [(t, c) for t, c in columns if c.lower() in PERSONAL_DATA_COLUMNS]
    assert leaked == []


def test_nps_comment_reduced_to_has_comment(db, small_raw_dir: Path) -> None:
    raw = _raw(small_raw_dir, "crm", "nps_responses")
    expected = {
        r["response_id"]: bool(r["comment"] is not None and r["comment"].strip()) for r in raw
    }
    staged = dict(
        db.execute("select response_id, has_comment from staging.stg_crm__nps_responses").fetchall()
    )
    assert staged == expected


# ---------------------------------------------------------------------- normalisation
@pytest.mark.parametrize(("model", "column", "known"), ENUMS)
def test_enumerations_normalised(db, model: str, column: str, known: set[str]) -> None:
    values = db.execute(
        f"select {column}, bool_and(is_contract_violation),"
        f" bool_and(contract_violation_reason like '%unknown {column}%')"
        f" from staging.{model} where {column} is not null group by 1"
    ).fetchall()
    for value, flagged, reason_named in values:
        assert value == value.strip().lower(), f"{model}.{column}: {value!r} not normalised"
        if value not in known:
            assert flagged and reason_named, f"{model}.{column}: unknown {value!r} not flagged"


@pytest.mark.parametrize(("model", "column"), CURRENCY_COLUMNS)
def test_currency_codes_upper_case(db, model: str, column: str) -> None:
    bad = db.execute(
        f"select distinct {column} from staging.{model} where {column} <> upper(trim({column}))"
    ).fetchall()
    assert bad == []


def test_raw_spelling_variants_map_to_known_priorities(db, small_raw_dir: Path) -> None:
    raw = _raw(small_raw_dir, "support", "tickets")
    expected = {r["ticket_id"]: r["priority"].strip().lower() for r in raw if r["priority"]}
    staged = dict(
        db.execute("select ticket_id, priority from staging.stg_support__tickets").fetchall()
    )
    assert {k: staged[k] for k in expected} == expected


# ----------------------------------------------------------------- violation flags
@pytest.mark.parametrize("model", ALL_MODELS)
def test_flag_matches_reason(db, model: str) -> None:
    mismatched = _count(
        db,
        model,
        "is_contract_violation is null"
        " or is_contract_violation <> (contract_violation_reason is not null)",
    )
    assert mismatched == 0


def test_out_of_range_nps_flagged_in_generated_data(db, small_raw_dir: Path) -> None:
    raw = _raw(small_raw_dir, "crm", "nps_responses")
    bad = {r["response_id"] for r in raw if r["score"] is None or not 0 <= r["score"] <= 10}
    flagged = {
        row[0]
        for row in db.execute(
            "select response_id from staging.stg_crm__nps_responses"
            " where not is_score_valid and is_contract_violation"
        ).fetchall()
    }
    assert flagged == bad


# A copy of the generated data with one known violation of each kind, built on its own.
INJECTED = {
    ("crm", "nps_responses"): {"score": 11, "comment": "call me on 555-0100"},
    ("billing", "subscription_items"): {"quantity": -2},
    ("billing", "plans"): {"billing_interval": " Fortnight ", "interval_count": 0},
    ("support", "tickets"): {"priority": " P1 "},
    ("billing", "invoices"): {"currency": None},
}


@pytest.fixture(scope="module")
def violations_db(small_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    import duckdb

    work = tmp_path_factory.mktemp("violations")
    raw_dir = work / "raw"
    shutil.copytree(small_raw_dir, raw_dir)
    for (source, name), changes in INJECTED.items():
        path = raw_dir / source / f"{name}.parquet"
        table = pq.read_table(path)
        rows = table.to_pylist()
        assert rows, f"{source}.{name} is empty in the generated data"
        rows[0] = {**rows[0], **changes}
        schema = pa.schema([f.with_nullable(True) for f in table.schema])
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    db_path = work / "violations.duckdb"
    run_dbt(
        ["run", "--select", "staging"],
        db_path=db_path,
        target_path=work / "target",
        vars_={"raw_data_dir": str(raw_dir), "as_of_date": "2025-06-15"},
    )
    con = duckdb.connect(str(db_path), read_only=True)
    yield con, raw_dir
    con.close()


@pytest.mark.parametrize(
    ("model", "source", "table", "key", "reason"),
    [
        ("stg_crm__nps_responses", "crm", "nps_responses", "response_id", "score outside 0-10"),
        (
            "stg_billing__subscription_items",
            "billing",
            "subscription_items",
            "subscription_item_id",
            "negative quantity",
        ),
        ("stg_billing__plans", "billing", "plans", "plan_id", "unknown billing_interval"),
        ("stg_billing__plans", "billing", "plans", "plan_id", "interval_count below 1"),
        ("stg_support__tickets", "support", "tickets", "ticket_id", "unknown priority"),
        ("stg_billing__invoices", "billing", "invoices", "invoice_id", "missing currency"),
    ],
)
def test_injected_violation_kept_and_flagged(
    violations_db, model: str, source: str, table: str, key: str, reason: str
) -> None:
    con, raw_dir = violations_db
    raw = _raw(raw_dir, source, table)
    first = raw[0]
    rows = con.execute(
        f"select is_contract_violation, contract_violation_reason from staging.{model}"
        f" where {key} = ?",
        [first[key]],
    ).fetchall()
    assert rows, f"{model}: the injected row was dropped"
    assert any(flag and reason in (why or "") for flag, why in rows), rows
    assert con.execute(f"select count(*) from staging.{model}").fetchone()[0] == len(raw)


def test_injected_values_are_normalised_not_replaced(violations_db) -> None:
    con, raw_dir = violations_db
    ticket = _raw(raw_dir, "support", "tickets")[0]["ticket_id"]
    priority = con.execute(
        "select priority from staging.stg_support__tickets where ticket_id = ?", [ticket]
    ).fetchone()[0]
    # unknown priorities are kept (normalised) for later models to map to the default
    assert priority == "p1"
    nps = _raw(raw_dir, "crm", "nps_responses")[0]["response_id"]
    valid, has_comment = con.execute(
        "select is_score_valid, has_comment from staging.stg_crm__nps_responses"
        " where response_id = ?",
        [nps],
    ).fetchone()
    assert (valid, has_comment) == (False, True)
