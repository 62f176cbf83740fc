"""Incremental usage models: an incremental run must equal a full rebuild, row by row.

The small generated data set is copied and cut back to what the loader had written by the
morning of 2025-06-14 (events with _loaded_at before then). The usage models are built on it;
then one day of loading is appended - the generator's own events loaded on 2025-06-14, a
late event that happened two days earlier, a second copy of an already processed event
(same event_id, later _loaded_at, one of them with different content) and an event delivered
twice inside the new batch - and the models run incrementally. A full build of the same final
raw data into another DuckDB file must give exactly the same rows.
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

from conftest import SMALL_AS_OF, run_dbt

pytestmark = pytest.mark.slow

USAGE = "path:models/intermediate/usage"
TABLES = {
    "int_account_user_event_days_aggregated": "account_id, user_id, event_name, activity_date",
    "int_account_days_aggregated": "account_id, activity_date",
    "int_account_months_usage_summed": "account_id, month_start",
}
LOADED_BEFORE = dt.datetime(2025, 6, 14)
APPEND_UNTIL = dt.datetime(2025, 6, 15)
LOOKBACK_DAYS = 3  # dbt_project.yml var events_lookback_days
# the greatest day already stored before the append is 2025-06-13
LOOKBACK_START = dt.date(2025, 6, 13) - dt.timedelta(days=LOOKBACK_DAYS)


def _events_path(raw_dir: Path) -> Path:
    return raw_dir / "product" / "events.parquet"


def _rows(db_path: Path, table: str, order: str) -> list[tuple]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(f"select * from intermediate.{table} order by {order}").fetchall()
    finally:
        con.close()


def _user_event_days(db_path: Path) -> dict[tuple, int]:
    """(account_id, user_id, event_name, activity_date) -> event_count."""
    rows = _rows(db_path, "int_account_user_event_days_aggregated", "1, 2, 3, 5")
    return {(account, user, name, day): count for account, user, name, count, day in rows}


def _event(template: dict, **changes: object) -> dict:
    row = dict(template)
    row.update(changes)
    return row


def _appended_day(events: pa.Table) -> tuple[pa.Table, dict]:
    """One day of loading: the generator's rows plus crafted late and duplicate events."""
    loaded = events.column("_loaded_at")
    occurred = events.column("occurred_at")
    in_day = pc.and_(
        pc.greater_equal(loaded, pa.scalar(LOADED_BEFORE, loaded.type)),
        pc.less(loaded, pa.scalar(APPEND_UNTIL, loaded.type)),
    )
    # the generator also delivers a few events more than the look-back late; those need a
    # --full-refresh by design, so they stay out of this day
    within_lookback = pc.greater_equal(
        occurred, pa.scalar(dt.datetime.combine(LOOKBACK_START, dt.time()), occurred.type)
    )
    generated = events.filter(pc.and_(in_day, within_lookback))

    before = events.filter(pc.less(loaded, pa.scalar(LOADED_BEFORE, loaded.type))).to_pylist()
    processed = [row for row in before if row["occurred_at"].date() == dt.date(2025, 6, 12)]
    assert len(processed) >= 2, "the small data set has no events on 2025-06-12"
    first, second = processed[0], processed[1]
    load_time = dt.datetime(2025, 6, 14, 9, 0)
    crafted = [
        # a late event: happened on 2025-06-12, loaded two days later
        _event(
            first,
            event_id="evt_late_0001",
            event_name="report_run",
            occurred_at=dt.datetime(2025, 6, 12, 16, 30),
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
    appended = pa.concat_tables([generated, pa.Table.from_pylist(crafted, schema=events.schema)])
    late_key = (first["account_id"], first["user_id"], "report_run", dt.date(2025, 6, 12))
    return appended, {"late_key": late_key, "generated_rows": generated.num_rows}


def test_incremental_run_equals_full_refresh(
    small_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    work = tmp_path_factory.mktemp("usage_incremental")
    raw_dir = work / "raw"
    shutil.copytree(small_raw_dir, raw_dir)
    all_events = pq.read_table(_events_path(raw_dir))
    vars_ = {"raw_data_dir": str(raw_dir), "as_of_date": SMALL_AS_OF}

    # 1. what the loader had written by the morning of 2025-06-14
    loaded = all_events.column("_loaded_at")
    before = all_events.filter(pc.less(loaded, pa.scalar(LOADED_BEFORE, loaded.type)))
    appended, facts = _appended_day(all_events)
    pq.write_table(before, _events_path(raw_dir))
    incremental_db = work / "incremental.duckdb"
    run_dbt(
        ["build", "--select", f"+{USAGE}"],
        db_path=incremental_db,
        target_path=work / "target_first",
        vars_=vars_,
    )
    first_days = _rows(incremental_db, "int_account_days_aggregated", "activity_date desc")
    assert first_days[0][-1] == dt.date(2025, 6, 13), "the first build should end on 2025-06-13"
    first_rows = _user_event_days(incremental_db)

    # 2. one more day of loading, processed incrementally
    pq.write_table(pa.concat_tables([before, appended]), _events_path(raw_dir))
    incremental_target = work / "target_incremental"
    run_dbt(
        ["build", "--select", USAGE],
        db_path=incremental_db,
        target_path=incremental_target,
        vars_=vars_,
    )
    compiled = (
        incremental_target
        / "compiled/cs_metrics/models/intermediate/usage/int_account_user_event_days_aggregated.sql"
    ).read_text()
    assert f"'{LOOKBACK_START.isoformat()}'" in compiled, "the run was not incremental"

    # 3. a full build of the same raw data into another database
    full_db = work / "full.duckdb"
    run_dbt(
        ["build", "--select", f"+{USAGE}", "--full-refresh"],
        db_path=full_db,
        target_path=work / "target_full",
        vars_=vars_,
    )

    compared = 0
    for table, order in TABLES.items():
        incremental_rows = _rows(incremental_db, table, order)
        full_rows = _rows(full_db, table, order)
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

    # the appended day really changed things: the late event counts on its own day, the
    # copies did not add anything, and the new day is there
    final_rows = _user_event_days(incremental_db)
    late_key = facts["late_key"]
    assert final_rows[late_key] == first_rows.get(late_key, 0) + 1
    assert not any(key[1] == "usr_duplicate" for key in final_rows)
    assert facts["generated_rows"] >= 20
    assert max(key[3] for key in final_rows) == dt.date(2025, 6, 14)
