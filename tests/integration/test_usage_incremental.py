"""Incremental usage: an incremental run must equal a full rebuild, row by row.

The small generated data set is copied and cut back to what the loader had written by the
morning of 2025-06-14, plus one event dated after the as-of date (2025-06-15), which must not
move the look-back forward. The usage models are built on it; then one day of loading is
appended - the generator's own events loaded on 2025-06-14 and crafted ones: a late event
from two days earlier, an event that arrives far later than the look-back (2025-05-02), a
second copy of an already processed event (same event_id, later _loaded_at), another with
different content, and an event delivered twice inside the new batch - and the models run
incrementally. A full build of the same final raw data into another DuckDB file must give
exactly the same rows, and the compiled incremental SQL must show the look-back anchored on
the as-of date and the late day re-processed.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml

from conftest import ROOT, SMALL_AS_OF, run_dbt

pytestmark = pytest.mark.slow

USAGE = "path:models/intermediate/usage"
# processed_at records when a run rewrote a day, so it differs by design
TABLES = {
    "int_product_events_deduplicated": (
        "event_id, account_id, user_id, event_name, contract_violation_reason, copy_count,"
        " is_contract_violation, activity_date, occurred_at, loaded_at",
        "event_id",
    ),
    "int_account_months_usage_summed": ("*", "account_id, month_start"),
}
LOADED_BEFORE = dt.datetime(2025, 6, 14)
APPEND_UNTIL = dt.datetime(2025, 6, 15)
LOOKBACK_DAYS = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"][
    "events_lookback_days"
]
# the latest stored day before the append is the future-dated event's 2025-06-20, but the
# anchor is capped at the as-of date (2025-06-15): a look-back from 06-20 would skip days
LOOKBACK_START = dt.date.fromisoformat(SMALL_AS_OF) - dt.timedelta(days=LOOKBACK_DAYS)
VERY_LATE_DAY = dt.date(2025, 5, 2)


def _events_path(raw_dir: Path) -> Path:
    return raw_dir / "product" / "events.parquet"


def _rows(db_path: Path, table: str) -> list[tuple]:
    columns, order = TABLES[table]
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(
            f"select {columns} from intermediate.{table} order by {order}"
        ).fetchall()
    finally:
        con.close()


def _usage(db_path: Path) -> dict[tuple, tuple]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = con.execute(
            "select account_id, month_start, active_users, active_days, event_count"
            " from intermediate.int_account_months_usage_summed"
        ).fetchall()
    finally:
        con.close()
    return {(account, month): rest for account, month, *rest in rows}


def _event(template: dict, **changes: object) -> dict:
    row = dict(template)
    row.update(changes)
    return row


def _crafted(events: pa.Table) -> tuple[list[dict], list[dict], dict]:
    """Rows for the first load (a future-dated event) and for the appended day."""
    loaded = events.column("_loaded_at")
    before = events.filter(pc.less(loaded, pa.scalar(LOADED_BEFORE, loaded.type))).to_pylist()
    processed = [row for row in before if row["occurred_at"].date() == dt.date(2025, 6, 12)]
    assert len(processed) >= 2, "the small data set has no events on 2025-06-12"
    first, second = processed[0], processed[1]
    future = [
        # dated after the as-of date: stored, left out of usage, and the look-back stays
        # anchored on the as-of date
        _event(
            first,
            event_id="evt_future_0001",
            occurred_at=dt.datetime(2025, 6, 20, 9, 0),
            _loaded_at=dt.datetime(2025, 6, 13, 9, 0),
        )
    ]
    load_time = dt.datetime(2025, 6, 14, 9, 0)
    appended = [
        # a late event: happened on 2025-06-12, loaded two days later
        _event(
            first,
            event_id="evt_late_0001",
            event_name="report_run",
            occurred_at=dt.datetime(2025, 6, 12, 16, 30),
            _loaded_at=load_time,
        ),
        # far later than the look-back: its whole day is re-processed
        _event(
            first,
            event_id="evt_very_late_0001",
            user_id="usr_very_late",
            occurred_at=dt.datetime.combine(VERY_LATE_DAY, dt.time(11, 0)),
            _loaded_at=load_time,
        ),
        # a second delivery of an event processed before: same content, later load
        _event(first, _loaded_at=load_time),
        # a second delivery with different content: the first-loaded copy still wins
        _event(second, user_id="usr_duplicate", _loaded_at=load_time),
        # a new event delivered twice within the day
        _event(
            first,
            event_id="evt_twice_0001",
            event_name="dashboard_viewed",
            occurred_at=dt.datetime(2025, 6, 14, 8, 0),
            _loaded_at=load_time,
        ),
        _event(
            first,
            event_id="evt_twice_0001",
            event_name="dashboard_viewed",
            occurred_at=dt.datetime(2025, 6, 14, 8, 0),
            _loaded_at=load_time + dt.timedelta(hours=3),
        ),
    ]
    return future, appended, {"account": first["account_id"]}


def test_incremental_run_equals_full_refresh(
    small_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    work = tmp_path_factory.mktemp("usage_incremental")
    raw_dir = work / "raw"
    shutil.copytree(small_raw_dir, raw_dir)
    all_events = pq.read_table(_events_path(raw_dir))
    vars_ = {"raw_data_dir": str(raw_dir), "as_of_date": SMALL_AS_OF}
    future, crafted, facts = _crafted(all_events)
    schema = all_events.schema

    # 1. what the loader had written by the morning of 2025-06-14, and a future-dated event
    loaded = all_events.column("_loaded_at")
    before = all_events.filter(pc.less(loaded, pa.scalar(LOADED_BEFORE, loaded.type)))
    first_load = pa.concat_tables([before, pa.Table.from_pylist(future, schema=schema)])
    pq.write_table(first_load, _events_path(raw_dir))
    incremental_db = work / "incremental.duckdb"
    run_dbt(
        ["build", "--select", f"+{USAGE}", "--indirect-selection", "cautious"],
        db_path=incremental_db,
        target_path=work / "target_first",
        vars_=vars_,
    )
    first_usage = _usage(incremental_db)

    # 2. one more day of loading, processed incrementally
    in_day = pc.and_(
        pc.greater_equal(loaded, pa.scalar(LOADED_BEFORE, loaded.type)),
        pc.less(loaded, pa.scalar(APPEND_UNTIL, loaded.type)),
    )
    generated = all_events.filter(in_day)
    appended = pa.concat_tables([generated, pa.Table.from_pylist(crafted, schema=schema)])
    pq.write_table(pa.concat_tables([first_load, appended]), _events_path(raw_dir))
    incremental_target = work / "target_incremental"
    run_dbt(
        ["build", "--select", USAGE, "--indirect-selection", "cautious"],
        db_path=incremental_db,
        target_path=incremental_target,
        vars_=vars_,
    )
    compiled = (
        incremental_target
        / "compiled/cs_metrics/models/intermediate/usage/int_product_events_deduplicated.sql"
    ).read_text()
    assert f"'{LOOKBACK_START.isoformat()}'" in compiled, "the run was not anchored on as_of"
    next_day = VERY_LATE_DAY + dt.timedelta(days=1)
    assert (
        f"(occurred_at >= cast('{VERY_LATE_DAY.isoformat()}' as timestamp)"
        f" and occurred_at < cast('{next_day.isoformat()}' as timestamp))" in compiled
    ), "the day of the very late event was not re-processed"

    # 3. a full build of the same raw data into another database
    full_db = work / "full.duckdb"
    run_dbt(
        ["build", "--select", f"+{USAGE}", "--full-refresh", "--indirect-selection", "cautious"],
        db_path=full_db,
        target_path=work / "target_full",
        vars_=vars_,
    )

    compared = 0
    for table in TABLES:
        incremental_rows = _rows(incremental_db, table)
        full_rows = _rows(full_db, table)
        assert len(incremental_rows) == len(full_rows), (
            f"{table}: {len(incremental_rows)} rows incrementally, {len(full_rows)} in full"
        )
        differing = [
            (inc, full)
            for inc, full in zip(incremental_rows, full_rows, strict=True)
            if inc != full
        ]
        assert not differing, f"{table}: rows differ (incremental, full): {differing[:5]}"
        compared += len(full_rows)
    assert compared >= 50_000, f"only {compared} rows compared"

    # the appended day really changed things
    final_usage = _usage(incremental_db)
    account = facts["account"]
    may = (account, dt.date(2025, 5, 1))
    june = (account, dt.date(2025, 6, 1))
    # the very late event adds an event (and its new user) to May
    assert final_usage[may][2] == first_usage[may][2] + 1
    assert final_usage[may][0] == first_usage[may][0] + 1
    # June gains the late event and the twice-delivered one; the copies add nothing and
    # the future-dated event never counts
    assert final_usage[june][2] == first_usage[june][2] + 2 + _generated_for(generated, account)
    con = duckdb.connect(str(incremental_db), read_only=True)
    try:
        users = {
            row[0]
            for row in con.execute(
                "select user_id from intermediate.int_product_events_deduplicated"
            ).fetchall()
        }
        future_stored = con.execute(
            "select count(*) from intermediate.int_product_events_deduplicated"
            " where event_id = 'evt_future_0001'"
        ).fetchone()[0]
    finally:
        con.close()
    assert "usr_duplicate" not in users
    assert future_stored == 1
    assert generated.num_rows >= 20


def _generated_for(generated: pa.Table, account: str) -> int:
    """The generator's own June events of one account loaded on the appended day."""
    rows = generated.filter(pc.equal(generated.column("account_id"), account)).to_pylist()
    return len(
        {row["event_id"] for row in rows if row["occurred_at"].date() >= dt.date(2025, 6, 1)}
    )
