"""`cs-metrics validate --marts` on a hand-made DuckDB warehouse, and the batch helpers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from cs_metrics.cli import main
from cs_metrics.validate.marts import marts
from cs_metrics.validate.runner import json_value, key_aligned

D = dt.date
HEALTH = {
    "utilization_score": 80.0,
    "usage_trend_score": 50.0,
    "feature_breadth_score": 60.0,
    "payment_score": 100.0,
    "nps_score": 90.0,
    "support_score": None,
    "outcome_score": 72.0,
    "experience_score": 90.0,
    "health_score": 75.6,
    "health_status": "green",
}
NO_MOVES = {
    "new_mrr": 0.0,
    "reactivation_mrr": 0.0,
    "expansion_mrr": 0.0,
    "contraction_mrr": 0.0,
    "churned_mrr": 0.0,
    "fx_impact_mrr": 0.0,
}

MARTS: dict[str, list[dict[str, Any]]] = {
    "fct_account_months": [
        {
            "account_id": "acc_1",
            "month_start": D(2024, 1, 1),
            **NO_MOVES,
            "mrr": 100.0,
            "arr": 1200.0,
            "cmrr": 100.0,
            "new_mrr": 100.0,
            **HEALTH,
        },
        {
            "account_id": "acc_1",
            "month_start": D(2024, 2, 1),
            **NO_MOVES,
            "mrr": 150.0,
            "arr": 1800.0,
            "cmrr": 0.0,  # cancellation scheduled
            "expansion_mrr": 50.0,
            **HEALTH,
        },
        {
            "account_id": "acc_2",
            "month_start": D(2024, 2, 1),
            **NO_MOVES,
            "mrr": 50.0,
            "arr": 600.0,
            "cmrr": 50.0,
            "new_mrr": 50.0,
            **dict.fromkeys(HEALTH),
        },
    ],
    "dim_accounts": [
        {
            "account_id": "acc_1",
            "current_mrr": 150.0,
            "current_arr": 1800.0,
            "current_health_score": 75.6,
            "current_health_status": "green",
        },
        {
            "account_id": "acc_2",
            "current_mrr": 50.0,
            "current_arr": 600.0,
            "current_health_score": None,
            "current_health_status": "unknown",
        },
    ],
    "fct_mrr_bridge_monthly": [
        {
            "month_start": D(2024, 1, 1),
            **NO_MOVES,
            "starting_mrr": 0.0,
            "new_mrr": 100.0,
            "ending_mrr": 100.0,
            "starting_customers": 0,
            "new_customers": 1,
            "reactivated_customers": 0,
            "churned_customers": 0,
            "ending_customers": 1,
        },
        {
            "month_start": D(2024, 2, 1),
            **NO_MOVES,
            "starting_mrr": 100.0,
            "new_mrr": 50.0,
            "expansion_mrr": 50.0,
            "ending_mrr": 200.0,
            "starting_customers": 1,
            "new_customers": 1,
            "reactivated_customers": 0,
            "churned_customers": 0,
            "ending_customers": 2,
        },
    ],
    "fct_retention_monthly": [
        {
            "month_start": D(2024, 2, 1),
            "segment_type": segment_type,
            "segment_value": segment_value,
            "starting_mrr_cc": 100.0,
            "ending_mrr": 200.0,
            **NO_MOVES,
            "new_mrr": 50.0,
            "expansion_mrr": 50.0,
            "logo_churn_rate": 0.0,
            "gross_mrr_churn_rate": 0.0,
            "monthly_grr": 1.0,
            "monthly_nrr": 1.5,
            "grr_ttm": None,
            "nrr_ttm": None,
            "logo_retention_ttm": None,
        }
        for segment_type, segment_value in [("all", "all"), ("region", "EMEA")]
    ],
    "fct_cohort_retention": [
        {
            "cohort_month": D(2024, 1, 1),
            "months_since_start": k,
            "cohort_customers": 1,
            "retained_customers": 1,
            "logo_retention": 1.0,
            "cohort_starting_mrr": 100.0,
            "cohort_mrr": mrr,
            "revenue_retention": mrr / 100.0,
        }
        for k, mrr in [(0, 100.0), (1, 150.0)]
    ],
}


def _build(path: Path, changes: dict[str, Any] | None = None) -> None:
    """Write the marts; changes: {mart: (row index, {column: value})} or a row to append."""
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists marts")
    for name, rows in MARTS.items():
        rows = [dict(r) for r in rows]
        change = (changes or {}).get(name)
        if isinstance(change, tuple):
            index, values = change
            rows[index].update(values)
        elif isinstance(change, dict):
            rows.append({**rows[0], **change})
        frame = pa.Table.from_pylist(rows)  # noqa: F841 (read by DuckDB below)
        con.execute(f"create or replace table marts.{name} as select * from frame")
    con.close()


def _validate(path: Path) -> tuple[int, dict]:
    out = path.parent / "marts.json"
    code = main(["validate", "--marts", "--target", "duckdb", "--db", str(path), "--out", str(out)])
    return code, json.loads(out.read_text())


def _failed(results: dict) -> list[tuple[str, str]]:
    return sorted((r["table"], r["rule"]) for r in results["results"] if not r["success"])


def test_every_column_a_mart_suite_reads_is_in_the_hand_made_marts() -> None:
    for mart in marts():
        assert set(mart.families()) <= set(MARTS[mart.name][0]), mart.name


def test_consistent_marts_pass(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _build(path)
    code, results = _validate(path)
    assert code == 0, _failed(results)
    assert results["kind"] == "marts"
    assert results["run"]["source"] == {"kind": "warehouse", "target": "duckdb", "engine": "duckdb"}
    assert {r["suite"] for r in results["results"]} == {f"marts.{m.name}" for m in marts()}


@pytest.mark.parametrize(
    ("changes", "table", "rule"),
    [
        (
            {"fct_mrr_bridge_monthly": (1, {"ending_mrr": 205.0})},
            "fct_mrr_bridge_monthly",
            "bridge_difference.within_0.01",
        ),
        (
            {"fct_mrr_bridge_monthly": (1, {"starting_mrr": 90.0, "new_mrr": 60.0})},
            "fct_mrr_bridge_monthly",
            "start_difference.within_0.01",
        ),
        (
            {"fct_mrr_bridge_monthly": (1, {"ending_customers": 3})},
            "fct_mrr_bridge_monthly",
            "customer_difference.within_0.01",
        ),
        (
            {"fct_account_months": (1, {"expansion_mrr": 40.0, "fx_impact_mrr": 0.0})},
            "fct_account_months",
            "bridge_difference.within_0.01",
        ),
        (
            {"fct_account_months": (2, {"arr": 601.0})},
            "fct_account_months",
            "arr_difference.within_0.01",
        ),
        (  # a copy of an account-month also breaks its bridge
            {"fct_account_months": {}},
            "fct_account_months",
            ("account_id+month_start.unique", "bridge_difference.within_0.01"),
        ),
        (
            {"fct_account_months": (0, {"health_score": 100.5})},
            "fct_account_months",
            "health_score.range",
        ),
        (
            {"fct_account_months": (0, {"health_status": "blue"})},
            "fct_account_months",
            "health_status.in_set",
        ),
        ({"dim_accounts": (0, {"current_mrr": -1.0})}, "dim_accounts", "current_mrr.range"),
        (
            {"fct_retention_monthly": (0, {"grr_ttm": 1.2})},
            "fct_retention_monthly",
            "grr_ttm.range",
        ),
        (
            {"fct_retention_monthly": (1, {"contraction_mrr": 5.0, "ending_mrr": 205.0})},
            "fct_retention_monthly",
            "contraction_mrr.range",
        ),
        (
            {"fct_cohort_retention": (1, {"retained_customers": 2})},
            "fct_cohort_retention",
            "retained_customers.not_above_cohort_customers",
        ),
    ],
)
def test_a_broken_mart_rule_fails(
    tmp_path: Path, changes: dict, table: str, rule: str | tuple[str, ...]
) -> None:
    path = tmp_path / "w.duckdb"
    _build(path, changes)
    code, results = _validate(path)
    assert code == 1
    rules = (rule,) if isinstance(rule, str) else rule
    assert _failed(results) == sorted((f"marts.{table}", r) for r in rules)


def test_a_missing_mart_says_to_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "w.duckdb"
    _build(path)
    con = duckdb.connect(str(path))
    con.execute("drop table marts.fct_cohort_retention")
    con.close()
    code, _ = _validate(path)
    assert code == 1
    assert "marts.fct_cohort_retention not found on target duckdb: build" in capsys.readouterr().err


def test_a_missing_warehouse_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["validate", "--marts", "--target", "duckdb", "--db", str(tmp_path / "no.db")])
    assert code == 1
    assert "build the project first" in capsys.readouterr().err


def test_key_aligned_batches_keep_each_key_together() -> None:
    frames = [
        pd.DataFrame({"k": ["a", "b", "b"], "v": [1, 2, 3]}),
        pd.DataFrame({"k": ["b", "b", "c"], "v": [4, 5, 6]}),
        pd.DataFrame({"k": ["c", "d"], "v": [7, 8]}),
    ]
    batches = [list(f["k"]) for f in key_aligned(frames, ("k",))]
    assert batches == [["a"], ["b", "b", "b", "b"], ["c", "c"], ["d"]]
    assert sum(len(b) for b in batches) == 8


def test_json_values() -> None:
    assert json_value(float("nan")) is None
    assert json_value(pd.NaT) is None
    assert json_value(3.0) == 3
    assert json_value(pd.Timestamp("2024-01-02 03:04:05")) == "2024-01-02T03:04:05"
    assert json_value(D(2024, 1, 2)) == "2024-01-02"
    assert json_value((1.5, None)) == [1.5, None]
