"""A refused run changes nothing (docs/bad-input.md, "A refused run changes nothing").

A copy of the small data set's clean build is the database every run below is refused on: bad
vars, an as_of_date moved back before the month the database was built for, a missing table, a
missing column, a column of another type and a repeated key are refused by on-run-start
(macros/check_before_run.sql) before the first model is rebuilt, so every table and view of the
database keeps its identity (DuckDB's oid) and its rows. The two data checks that need the
pipeline (a missing FX rate, an amount beyond the exact range) refuse the run before any public
mart is rebuilt: every mart but the calendar spine is untouched. Each bad var is one line naming
the var, the value given and the expected form.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from conftest import SMALL_AS_OF, run_dbt

pytestmark = pytest.mark.slow

# the one mart no check stands before: the calendar (int_months_spined), rebuilt with its data
CALENDAR_MARTS = {"time_spine_daily"}


def _state(db_path: Path) -> dict[str, tuple]:
    """schema.name -> (oid, digest of the rows) of every table, (oid, SQL) of every view."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        state: dict[str, tuple] = {}
        for schema, name, oid in con.execute(
            "select schema_name, table_name, table_oid from duckdb_tables()"
            " where database_name = current_database()"
        ).fetchall():
            rows = con.execute(f'select * from "{schema}"."{name}"').fetchall()
            digest = hashlib.sha256("\n".join(sorted(map(repr, rows))).encode()).hexdigest()
            state[f"{schema}.{name}"] = (oid, len(rows), digest)
        for schema, name, oid, sql in con.execute(
            "select schema_name, view_name, view_oid, sql from duckdb_views()"
            " where database_name = current_database() and not internal"
        ).fetchall():
            state[f"{schema}.{name}"] = (oid, sql)
        return state
    finally:
        con.close()


def _edit(raw: Path, name: str, change: Callable[[pa.Table], pa.Table]) -> None:
    source, table = name.split(".")
    path = raw / source / f"{table}.parquet"
    pq.write_table(change(pq.read_table(path)), path)


def _text_column(table: pa.Table, column: str) -> pa.Table:
    index = table.schema.get_field_index(column)
    return table.set_column(index, column, table[column].cast(pa.string()))


@dataclass
class Refusal:
    lines: list[str]  # each must be a line of the message (whole, or its start with `...`)
    vars: dict = field(default_factory=dict)
    fault: Callable[[Path], None] | None = None
    in_pipeline: bool = False  # refused by a data check that needs the pipeline


def _drop_table(raw: Path) -> None:
    (raw / "crm" / "activities.parquet").unlink()


def _drop_column(raw: Path) -> None:
    _edit(raw, "billing.invoices", lambda t: t.drop_columns(["due_at"]))


def _text_money(raw: Path) -> None:
    _edit(raw, "billing.plans", lambda t: _text_column(t, "unit_amount"))


def _repeat_plan(raw: Path) -> None:
    _edit(raw, "billing.plans", lambda t: pa.concat_tables([t, t.slice(0, 1)]))


REFUSALS = {
    "vars": Refusal(
        vars={
            "close_day": "eight",
            "as_of_date": "2026-13-01",
            "reporting_currency": "USD' or 'a'='a",
            "health_weight_nps": -1,
            "health_yellow_min": 80,
            "tier_mid_market_min_arr": 200000,
            "renewal_risk_windows_days": "30",
            "north_star_health_statuses": ["green", "purple"],
            "check_raw_contract": "maybe",
            "billing_source": "strip",
            "nps_window_days": 0,
            "reprocess_window_months": "1.5",
            "close_days": 8,
        },
        lines=[
            'var close_day = "eight": expected an integer from 1 to 28.',
            'var as_of_date = "2026-13-01": expected a calendar date YYYY-MM-DD that exists,'
            " today or yesterday, or null; there is no month 13.",
            "var reporting_currency = \"USD' or 'a'='a\": expected a three-letter currency"
            " code, e.g. USD.",
            "var health_weight_nps = -1: expected a number of at least 0.",
            "var health_yellow_min = 80 must be below var health_green_min = 70 (yellow starts"
            " below green).",
            "var tier_mid_market_min_arr = 200000 must be below var tier_enterprise_min_arr ="
            " 100000 (mid_market starts below enterprise).",
            'var renewal_risk_windows_days = "30": expected a non-empty list of: an integer of'
            " at least 1.",
            'var north_star_health_statuses = ["green", "purple"]: expected a non-empty list of:'
            ' one of green, yellow, red (item "purple" is not).',
            'var check_raw_contract = "maybe": expected true or false.',
            'var billing_source = "strip": expected an input: contract or stripe'
            " (docs/presets/README.md).",
            "var nps_window_days = 0: expected an integer of at least 1.",
            'var reprocess_window_months = "1.5": expected an integer of at least 0.',
            "var close_days = 8: not a var of this project (docs/configuration.md lists them).",
        ],
    ),
    "vars_together": Refusal(
        vars={
            "as_of_date": "2026-02-30",
            **{
                f"health_weight_{c}": 0
                for c in ("utilization", "usage_trend", "feature_breadth", "payment", "nps")
            },
            "health_weight_support": "0",
            "crm_source": "salesfroce",
        },
        lines=[
            'var as_of_date = "2026-02-30": expected a calendar date YYYY-MM-DD that exists,'
            " today or yesterday, or null; 2026-02 has 28 days.",
            "vars health_weight_utilization, health_weight_usage_trend,"
            " health_weight_feature_breadth, health_weight_payment, health_weight_nps,"
            " health_weight_support are all 0: at least one must be above 0 (the health score"
            " is a weighted average of its components).",
            'var crm_source = "salesfroce": expected an input: contract or salesforce or'
            " hubspot (docs/presets/README.md).",
        ],
    ),
    # the database was built as of SMALL_AS_OF (2025-06-15): its month-window tables hold June
    "as_of_moved_back": Refusal(
        vars={"as_of_date": "2025-04-10"},
        lines=[
            "as_of_date 2025-04-10 is before the month 2025-06 this database was built for:"
            " build with that as_of_date or later, or rebuild everything with"
            " `dbt build --full-refresh`."
        ],
    ),
    "missing_table": Refusal(
        fault=_drop_table, lines=["...- Raw table crm.activities not found: expected file "]
    ),
    "missing_column": Refusal(
        fault=_drop_column,
        lines=["...- Raw table billing.invoices is missing required column(s): due_at."],
    ),
    "wrong_type": Refusal(
        fault=_text_money,
        lines=[
            "...- Raw table billing.plans: column unit_amount has type VARCHAR, but the contract"
            " type is decimal(18,4)"
        ],
    ),
    "duplicate_key": Refusal(
        fault=_repeat_plan,
        lines=["Duplicate key in billing.plans: 1 value(s) of plan_id appear on more than one row"],
    ),
}


class Database:
    """The clean build's copy every run is refused on; one raw path and one target path, so
    dbt parses the project again only when the vars change."""

    def __init__(self, built_db: Path, small_raw_dir: Path, work: Path) -> None:
        self.work = work
        self.path = work / "refused.duckdb"
        shutil.copy(built_db, self.path)
        self.small_raw_dir = small_raw_dir
        self.raw = work / "raw"
        self.before = _state(self.path)

    def refuse(self, refusal: Refusal) -> str:
        shutil.rmtree(self.raw, ignore_errors=True)
        shutil.copytree(self.small_raw_dir, self.raw)
        if refusal.fault is not None:
            refusal.fault(self.raw)
        with pytest.raises(AssertionError) as failure:
            run_dbt(
                ["run"],
                db_path=self.path,
                target_path=self.work / "target",
                vars_={"raw_data_dir": str(self.raw), "as_of_date": SMALL_AS_OF, **refusal.vars},
            )
        return str(failure.value)


@pytest.fixture(scope="module")
def database(
    built_db: Path, small_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Database:
    return Database(built_db, small_raw_dir, tmp_path_factory.mktemp("refused"))


def _assert_lines(message: str, expected: list[str]) -> None:
    lines = [line.strip() for line in message.splitlines()]
    for line in expected:
        if line.startswith("..."):
            assert any(x.startswith(line[3:]) for x in lines), f"{line!r} not in:\n{message}"
        else:
            assert line in lines, f"{line!r} is not a line of:\n{message}"


@pytest.mark.parametrize("name", list(REFUSALS))
def test_a_run_refused_before_it_starts_changes_nothing(database: Database, name: str) -> None:
    refusal = REFUSALS[name]
    message = database.refuse(refusal)
    _assert_lines(message, refusal.lines)
    assert "on-run-start" in message
    after = _state(database.path)
    changed = sorted(
        k for k in database.before.keys() | after.keys() if database.before.get(k) != after.get(k)
    )
    assert changed == [], f"{name}: the refused run changed {changed}"


def _marts(state: dict[str, tuple]) -> dict[str, tuple]:
    return {
        key: value
        for key, value in state.items()
        if key.startswith("marts.") and key.split(".")[1] not in CALENDAR_MARTS
    }


def test_a_missing_fx_rate_refuses_the_run_before_any_mart(
    database: Database, built_db: Path
) -> None:
    con = duckdb.connect(str(built_db), read_only=True)
    currency, month = con.execute(
        "select currency, min(month_start) from intermediate.int_fx_rates_monthly"
        " where currency <> 'USD' group by currency order by 1 limit 1"
    ).fetchone()
    con.close()

    def drop_rates(raw: Path) -> None:
        _edit(raw, "finance.fx_rates", lambda t: t.filter(pc.not_equal(t["currency"], currency)))

    message = database.refuse(Refusal(fault=drop_rates, lines=[], in_pipeline=True))
    _assert_lines(
        message, [f"...Missing FX rate: no finance.fx_rates row for {currency} on or before"]
    )
    assert f"(month {month:%Y-%m})" in message
    assert _marts(_state(database.path)) == _marts(database.before)


def test_an_amount_beyond_the_exact_range_refuses_the_run_naming_the_row(
    database: Database, built_db: Path
) -> None:
    con = duckdb.connect(str(built_db), read_only=True)
    item, valid_from, currency = con.execute(
        "select subscription_item_id, valid_from_at, currency"
        " from intermediate.int_subscription_items_priced"
        " where exclusion_reason is null order by 1, 2 limit 1"
    ).fetchone()
    con.close()

    def enlarge(raw: Path) -> None:
        def change(table: pa.Table) -> pa.Table:
            rows = table.to_pylist()
            for row in rows:
                if row["subscription_item_id"] == item and row["valid_from"] == valid_from:
                    row["quantity"] = 2_000_000_000
                    row["unit_amount"] = Decimal(1_000_000)
            return pa.Table.from_pylist(rows, schema=table.schema)

        _edit(raw, "billing.subscription_items", change)

    message = database.refuse(Refusal(fault=enlarge, lines=[], in_pipeline=True))
    _assert_lines(
        message,
        [
            "Amount beyond the exact range: billing.subscription_items row subscription_item_id"
            f" = {item}, valid_from = {valid_from:%Y-%m-%d %H:%M:%S}: quantity 2000000000 x"
            f" unit_amount 1000000.000000 {currency} is above 1000000000000000"
        ],
    )
    assert _marts(_state(database.path)) == _marts(database.before)
