"""`cs-metrics validate --marts` reads the data tests dbt ran on the marts and their stored
failures (dbt_project.yml: store_failures, schema audit).

The small build passes; a copy of it with hand-made breaks (each row chosen and changed here,
so the failing rows are known before dbt runs) fails exactly the tests each break violates,
with their failing rows read back from the audit schema. The breaks cover the tests that
replaced the Python mart suite: money signs, arr = 12 × mrr, health in [0, 100], the health
status enumeration, ratios in [0, 1], retained ≤ cohort customers and the bridge identity.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from conftest import run_dbt
from cs_metrics.cli import main

pytestmark = pytest.mark.slow


def _validate(db: Path, artifacts: Path, out: Path) -> tuple[int, dict[str, Any]]:
    code = main(
        [
            "validate",
            "--marts",
            "--target",
            "duckdb",
            "--db",
            str(db),
            "--artifacts",
            str(artifacts),
            "--out",
            str(out),
        ]
    )
    return code, json.loads(out.read_text()) if out.exists() else {}


def _failed(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["rule"]: r for r in results["results"] if not r["success"]}


# (mart, key columns, SQL choosing the row, SET clause): one break per row
BREAKS = {
    "arr": (
        "fct_account_months",
        ("account_id", "month_start"),
        "mrr > 0 order by account_id, month_start limit 1",
        "arr = arr + 1",
    ),
    "health": (
        "fct_account_months",
        ("account_id", "month_start"),
        "health_score is not null order by account_id desc, month_start limit 1",
        "health_score = 100.5",
    ),
    "status": (
        "dim_accounts",
        ("account_id",),
        "current_health_status is not null order by account_id limit 1",
        "current_health_status = 'blue'",
    ),
    "customers": (
        "fct_mrr_bridge_monthly",
        ("month_start",),
        "true order by month_start desc limit 1",
        "ending_customers = ending_customers + 1",
    ),
    "grr": (
        "fct_retention_monthly",
        ("month_start", "segment_type", "segment_value"),
        "segment_type = 'all' and grr_ttm is not null order by month_start limit 1",
        "grr_ttm = 1.2",
    ),
    "retained": (
        "fct_cohort_retention",
        ("cohort_month", "months_since_start"),
        "months_since_start = 1 order by cohort_month limit 1",
        "retained_customers = cohort_customers + 1",
    ),
}


@pytest.fixture(scope="module")
def broken(built_db: Path, small_vars: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A copy of the small build with every break applied and its mart tests run again."""
    work = tmp_path_factory.mktemp("broken_marts")
    db = work / "broken.duckdb"
    shutil.copy(built_db, db)
    # the session's target folder: its partial parse makes the test run quick
    shutil.copytree(built_db.parent / "target", work / "target")
    keys = {}
    con = duckdb.connect(str(db))
    for name, (mart, key, choose, change) in BREAKS.items():
        columns = ", ".join(key)
        row = con.execute(f"select {columns} from marts.{mart} where {choose}").fetchone()
        match = " and ".join(f"{c} = ?" for c in key)
        con.execute(f"update marts.{mart} set {change} where {match}", list(row))
        keys[name] = [str(v) for v in row]
    con.close()
    with pytest.raises(AssertionError, match="failed"):  # dbt exits 1: tests fail
        run_dbt(
            ["test", "--select", "path:models/marts", "--exclude", "test_type:unit"],
            db_path=db,
            target_path=work / "target",
            vars_=small_vars,
        )
    code, results = _validate(db, work / "target", work / "marts.json")
    return {"code": code, "results": results, "keys": keys}


def test_the_build_passes(built_db: Path, tmp_path: Path) -> None:
    code, results = _validate(built_db, built_db.parent / "target", tmp_path / "marts.json")
    assert code == 0, sorted(_failed(results))
    suites = {r["suite"] for r in results["results"]}
    for mart in ("fct_account_months", "dim_accounts", "fct_mrr_bridge_monthly"):
        assert f"marts.{mart}" in suites
    rules = {r["rule"] for r in results["results"]}
    assert {"assert_mrr_bridge_identity_holds", "fct_account_months_arr_is_12_mrr"} <= rules
    assert results["run"]["source"] == {"kind": "warehouse", "target": "duckdb", "engine": "duckdb"}


def test_each_break_fails_its_tests_only(broken: dict) -> None:
    assert broken["code"] == 1
    assert sorted(_failed(broken["results"])) == sorted(
        [
            "fct_account_months_arr_is_12_mrr",
            "fct_account_months_health_within_0_100",
            "dim_accounts_health_status_accepted",
            "assert_mrr_bridge_identity_holds",
            "fct_retention_monthly_rates_within_0_1",
            "assert_grr_never_above_one",
            "fct_cohort_retention_retained_within_cohort",
        ]
    )


@pytest.mark.parametrize(
    ("rule", "break_", "columns"),
    [
        ("fct_account_months_arr_is_12_mrr", "arr", ("account_id", "month_start")),
        ("fct_account_months_health_within_0_100", "health", ("account_id", "month_start")),
        ("fct_retention_monthly_rates_within_0_1", "grr", ("month_start", "segment_type")),
        ("fct_cohort_retention_retained_within_cohort", "retained", ("cohort_month",)),
        ("assert_mrr_bridge_identity_holds", "customers", ("month_start",)),
    ],
)
def test_the_failing_row_is_read_from_the_audit_schema(
    broken: dict, rule: str, break_: str, columns: tuple[str, ...]
) -> None:
    record = _failed(broken["results"])[rule]
    assert record["unexpected_count"] == 1
    assert len(record["examples"]) == 1
    example = record["examples"][0]
    assert [str(example[c]) for c in columns] == broken["keys"][break_][: len(columns)]


def test_the_message_counts_the_rows(broken: dict) -> None:
    record = _failed(broken["results"])["fct_account_months_arr_is_12_mrr"]
    rows = record["element_count"]
    assert record["message"] == (
        f"marts.fct_account_months: 1 of {rows:,} rows break: arr = 12 × mrr (to 0.01)."
    )
    bridge = _failed(broken["results"])["assert_mrr_bridge_identity_holds"]
    assert bridge["examples"][0]["check_name"] == "bridge customer counts add up"
    assert bridge["examples"][0]["actual_value"] - bridge["examples"][0]["expected_value"] == 1


def test_a_missing_mart_says_to_build(
    built_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copy(built_db, db)
    con = duckdb.connect(str(db))
    con.execute("drop table marts.fct_cohort_retention")
    con.close()
    code, _ = _validate(db, built_db.parent / "target", tmp_path / "marts.json")
    assert code == 1
    assert "marts.fct_cohort_retention not found on target duckdb: build" in capsys.readouterr().err


def test_a_missing_warehouse_is_a_clear_error(
    built_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = _validate(tmp_path / "no.db", built_db.parent / "target", tmp_path / "m.json")
    assert code == 1
    assert "build the project first" in capsys.readouterr().err


def test_missing_artifacts_say_to_build(
    built_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = _validate(built_db, tmp_path, tmp_path / "m.json")
    assert code == 1
    err = capsys.readouterr().err
    assert "run_results.json not found: run the build first" in err
    assert len(err.strip().splitlines()) == 1
