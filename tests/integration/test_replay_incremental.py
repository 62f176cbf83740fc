"""Incremental runs equal a full rebuild (doc block month_window).

One generated company is replayed day by day: built as of 2025-06-27, then run incrementally
(no --full-refresh) as of every day to 2025-07-03, each day with the events loaded by then and
the changes a real warehouse receives, cumulative:

- 06-28: an event six days late (inside the look-back) and a second copy of a loaded event;
- 06-29: a back-dated cancellation (canceled 2025-04-10, ended 2025-04-15);
- 06-30: an NPS response and a support ticket loaded weeks after they happened;
- 07-01: the month turns; a price correction in March 2025, a closed month;
- 07-02: an account moves region (today's CRM values) and an FX rate of May is corrected;
- 07-03: an event 28 days late (older than the look-back).

After the last day every public mart must equal a --full-refresh build of the same final data,
row by row, both ways, with no tolerance. So must a second database whose run of the final
day was interrupted after each incremental model in turn and then rerun (no --full-refresh).
Each day's plan must also be the window the rules give (not "every month"), so the test
shows that months before it were left alone.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections import Counter
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from conftest import import_script, run_dbt

replay_changes = import_script("scripts/engines/replay_changes.py")

pytestmark = pytest.mark.slow

START = dt.date(2023, 7, 1)
FIRST_DAY = dt.date(2025, 6, 27)
LAST_DAY = dt.date(2025, 7, 3)
ACCOUNTS = 120
SEED = 31
MODELS_ONLY = ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]


class Company:
    """The raw data as loaded on a day: the final generated data, the events loaded by the end
    of that day, and every change made up to that day."""

    def __init__(self, full: Path, raw: Path) -> None:
        self.full, self.raw = full, raw
        self.events = replay_changes.read_table(full / "product", "events")
        self.extra_events: list[tuple[dt.date, dict]] = []
        self.changes: list[tuple[dt.date, object]] = []

    def on(self, day: dt.date, change) -> None:
        self.changes.append((day, change))

    def event_loaded(self, day: dt.date, **row: object) -> None:
        self.extra_events.append((day, row))

    def load(self, day: dt.date) -> None:
        if self.raw.exists():
            shutil.rmtree(self.raw)
        shutil.copytree(self.full, self.raw)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
        loaded = self.events.column("_loaded_at")
        events = self.events.filter(pc.less(loaded, pa.scalar(end, loaded.type)))
        extra = [row for loaded_on, row in self.extra_events if loaded_on <= day]
        if extra:
            events = pa.concat_tables(
                [events, pa.Table.from_pylist(extra, schema=self.events.schema)]
            )
        replay_changes.write_table(self.raw / "product", "events", events)
        for changed_on, change in self.changes:
            if changed_on <= day:
                change(self.raw)


def _plan(db_path: Path) -> dict:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        row = con.execute(
            "select reprocess_from, crm_reprocess_from"
            " from intermediate.int_reprocess_months_planned"
        ).fetchone()
    finally:
        con.close()
    return {"from": row[0], "crm_from": row[1]}


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from cs_metrics.generate.core import generate

    work = tmp_path_factory.mktemp("replay")
    full = work / "full"
    generate(out_dir=full, accounts=ACCOUNTS, start=START, end=LAST_DAY, seed=SEED)
    company = Company(full, work / "raw")
    template = company.events.slice(0, 1).to_pylist()[0]
    copied = (
        company.events.filter(
            pc.less(
                company.events.column("_loaded_at"),
                pa.scalar(dt.datetime(2025, 6, 20), company.events.column("_loaded_at").type),
            )
        )
        .slice(0, 1)
        .to_pylist()[0]
    )
    company.event_loaded(
        dt.date(2025, 6, 28),
        **{
            **template,
            "event_id": "evt_replay_late_inside",
            "occurred_at": dt.datetime(2025, 6, 22, 11, 0),
            "_loaded_at": dt.datetime(2025, 6, 28, 7, 0),
        },
    )
    company.event_loaded(
        dt.date(2025, 6, 28), **{**copied, "_loaded_at": dt.datetime(2025, 6, 28, 7, 30)}
    )
    company.on(
        dt.date(2025, 6, 29),
        replay_changes.cancel_back_dated(replay_changes.pick_subscription(full)),
    )
    company.on(dt.date(2025, 6, 30), replay_changes.late_nps_and_ticket)
    company.on(dt.date(2025, 7, 1), replay_changes.correct_march_price)
    company.on(dt.date(2025, 7, 2), replay_changes.move_region)
    company.on(dt.date(2025, 7, 2), replay_changes.correct_may_rate)
    company.event_loaded(
        dt.date(2025, 7, 3),
        **{
            **template,
            "event_id": "evt_replay_late_outside",
            "occurred_at": dt.datetime(2025, 6, 5, 15, 0),
            "_loaded_at": dt.datetime(2025, 7, 3, 6, 0),
        },
    )

    incremental_db = work / "incremental.duckdb"
    plans = {}
    day = FIRST_DAY
    while day <= LAST_DAY:
        company.load(day)
        run_dbt(
            MODELS_ONLY,
            db_path=incremental_db,
            target_path=work / "target",
            vars_={"raw_data_dir": str(company.raw), "as_of_date": day.isoformat()},
        )
        plans[day] = _plan(incremental_db)
        day += dt.timedelta(days=1)

    full_db = work / "full_refresh.duckdb"
    run_dbt(
        [*MODELS_ONLY, "--full-refresh"],
        db_path=full_db,
        target_path=work / "target_full",
        vars_={"raw_data_dir": str(company.raw), "as_of_date": LAST_DAY.isoformat()},
    )
    return {
        "plans": plans,
        "incremental": incremental_db,
        "full": full_db,
        "manifest": work / "target_full" / "manifest.json",
        "company": company,
        "work": work,
    }


def _incremental_models(manifest: Path) -> list[str]:
    """The project's incremental models in an order dbt can run them (parents first)."""
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"]
    models = {
        unique_id: node
        for unique_id, node in nodes.items()
        if node["resource_type"] == "model" and node["package_name"] == "cs_metrics"
    }
    order = TopologicalSorter(
        {
            unique_id: set(node["depends_on"]["nodes"]) & set(models)
            for unique_id, node in models.items()
        }
    ).static_order()
    return [
        models[unique_id]["name"]
        for unique_id in order
        if models[unique_id]["config"]["materialized"] == "incremental"
    ]


@pytest.fixture(scope="module")
def interrupted(replay: dict) -> dict:
    """Built as of 06-28; then the final data (07-03) arrives and the run is interrupted
    right after each incremental model in turn: every run stops after one more of them
    (`dbt run --select +model` runs the model and what it reads, then stops, as a kill
    would leave the database), and one complete run follows."""
    company, work = replay["company"], replay["work"]
    db_path = work / "interrupted.duckdb"
    company.load(dt.date(2025, 6, 28))
    day_vars = {"raw_data_dir": str(company.raw), "as_of_date": "2025-06-28"}
    run_dbt(MODELS_ONLY, db_path=db_path, target_path=work / "target_cut", vars_=day_vars)
    company.load(LAST_DAY)
    day_vars = {"raw_data_dir": str(company.raw), "as_of_date": LAST_DAY.isoformat()}
    models = _incremental_models(replay["manifest"])
    for model in models:
        run_dbt(
            ["run", "--select", f"+{model}"],
            db_path=db_path,
            target_path=work / "target_cut",
            vars_=day_vars,
        )
    run_dbt(MODELS_ONLY, db_path=db_path, target_path=work / "target_cut", vars_=day_vars)
    return {"db": db_path, "models": models}


def test_each_day_rewrites_only_the_months_its_changes_reach(replay: dict) -> None:
    plans = replay["plans"]
    month = dt.date
    assert plans[FIRST_DAY]["from"] == month(1900, 1, 1), "the first build writes every month"
    # the window: the month in progress (the event look-back, 06-18 on, is in June too)
    assert plans[dt.date(2025, 6, 28)]["from"] == month(2025, 6, 1)
    # the back-dated cancellation reaches April
    assert plans[dt.date(2025, 6, 29)]["from"] == month(2025, 4, 1)
    # the late NPS response (May) and ticket (June)
    assert plans[dt.date(2025, 6, 30)]["from"] == month(2025, 5, 1)
    # the month turned (June is complete now) and a price from March on was corrected
    assert plans[dt.date(2025, 7, 1)]["from"] == month(2025, 3, 1)
    # May's rate; today's CRM values changed: their models rewrite every month
    assert plans[dt.date(2025, 7, 2)]["from"] == month(2025, 5, 1)
    assert plans[dt.date(2025, 7, 2)]["crm_from"] == month(1900, 1, 1)
    assert plans[dt.date(2025, 7, 1)]["crm_from"] == plans[dt.date(2025, 7, 1)]["from"]
    # the event of 2025-06-05 loaded on 07-03
    assert plans[dt.date(2025, 7, 3)]["from"] == month(2025, 6, 1)


def _differences_from_full_rebuild(replay: dict, actual_db: Path) -> list[str]:
    """Every difference between a public mart built incrementally and the --full-refresh
    build, summed per mart and column, then the first ten rows."""
    compare = import_script("scripts/engines/compare.py")
    history = _close_history_marts(replay["manifest"])
    assert history, "the month-close marts are found by their folder"
    public = compare.discover_marts(replay["manifest"])
    marts = [mart for mart in public if mart.name not in history]
    assert len(marts) >= 20
    differences = [
        difference
        for mart in marts
        for difference in compare.compare_mart(
            mart,
            compare.read_duckdb(replay["full"], mart),
            compare.read_duckdb(actual_db, mart),
            actual_engine="incremental",
            exact=True,
        )
    ]
    counts = Counter((d.mart, d.column) for d in differences)
    return [f"{mart}.{column}: {n}" for (mart, column), n in counts.most_common()] + [
        str(d) for d in differences[:10]
    ]


def test_incremental_runs_equal_a_full_rebuild(replay: dict) -> None:
    problems = _differences_from_full_rebuild(replay, replay["incremental"])
    assert not problems, "\n".join(problems)


def test_a_run_interrupted_after_any_incremental_model_recovers_exactly(
    replay: dict, interrupted: dict
) -> None:
    assert "int_product_events_deduplicated" in interrupted["models"]
    assert "fct_account_months" in interrupted["models"]
    problems = _differences_from_full_rebuild(replay, interrupted["db"])
    assert not problems, "\n".join(problems)


def _close_history_marts(manifest: Path) -> set[str]:
    """The month-close marts (models/marts/reports/close): what each run closed and restated,
    a record of the runs themselves, so a single full rebuild cannot equal it by design
    (test_month_close.py checks them)."""
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"]
    return {
        node["name"]
        for node in nodes.values()
        if node.get("resource_type") == "model"
        and node["original_file_path"].startswith("models/marts/reports/close/")
    }
