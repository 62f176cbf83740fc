"""`cs-metrics calibrate`: ranking figures, out-of-time split, proposed weights, refusals.

The session's small data set (150 accounts, `built_db`) has too few outcomes to calibrate:
it is the realistic "small customer base" that must be refused. The module builds a larger
one (600 accounts over 36 months, dbt models only: the dbt tests run on `built_db`) on which
calibration works. Figures are checked against independent computations: outcomes with a
self-join in SQL (the backtest's rules), AUC with scikit-learn, the proposed score from
components read again from the mart.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import roc_auc_score

from conftest import run_dbt
from cs_metrics.calibrate.calibration import CalibrationResult, calibrate, result_verdict
from cs_metrics.calibrate.data import COMPONENTS, month_date, month_index
from cs_metrics.calibrate.intervals import LEVEL, RESAMPLES, SEED, paired_intervals
from cs_metrics.calibrate.metrics import (
    auc,
    score_auc,
    worst_decile_lift,
    worst_share_rate,
)
from cs_metrics.calibrate.model import round_to_total
from cs_metrics.calibrate.output import render_report
from cs_metrics.calibrate.verdict import decide
from cs_metrics.cli import main

CALIB_ACCOUNTS = 600
CALIB_START = dt.date(2022, 7, 1)
CALIB_END = dt.date(2025, 6, 15)
CALIB_SEED = 11
USAGE_SIGNAL_MIN_AUC = 0.6  # generated churn follows falling usage; observed ≈ 0.64-0.68


# ------------------------------------------------------------------------ helpers (unit tests)
def test_auc_of_a_perfect_ranking_is_1_reversed_0_ties_one_half() -> None:
    outcome = np.array([0, 0, 0, 1, 1])
    assert auc(np.array([1.0, 2, 3, 4, 5]), outcome) == 1.0
    assert auc(np.array([5.0, 4, 3, 2, 1]), outcome) == 0.0
    assert auc(np.array([7.0, 7, 7, 7, 7]), outcome) == 0.5
    # the score convention: a low score means high risk
    assert score_auc(np.array([90.0, 80, 70, 20, 10]), outcome) == 1.0


def test_auc_counts_ties_between_classes_as_one_half() -> None:
    # positives at risk 3 and 1; negatives at 3, 2, 0. Pairs won: (3 vs 2), (3 vs 0),
    # (1 vs 0) = 3; tied: (3 vs 3) = 0.5; lost: (1 vs 3), (1 vs 2). 3.5 / 6.
    risk = np.array([3.0, 1, 3, 2, 0])
    outcome = np.array([1, 1, 0, 0, 0])
    assert auc(risk, outcome) == pytest.approx(3.5 / 6)
    assert auc(risk, outcome) == pytest.approx(roc_auc_score(outcome, risk))
    assert auc(risk, np.zeros(5)) is None  # one class only


def test_worst_decile_lift_on_20_rows_by_hand() -> None:
    # 20 rows, 4 outcomes: overall rate 0.2. The worst decile is the 2 lowest scores
    # (5 and 10); one of them has the outcome: rate 0.5, lift 0.5 / 0.2 = 2.5.
    score = np.array([5.0, 10, *range(20, 200, 10)])
    outcome = np.zeros(20)
    outcome[[0, 7, 12, 19]] = 1
    assert score.size == 20
    assert worst_share_rate(score, outcome) == pytest.approx(0.5)
    assert worst_decile_lift(score, outcome) == pytest.approx(2.5)


def test_worst_decile_shares_ties_at_the_boundary() -> None:
    # 20 rows: score 0 once (outcome), score 50 three times (one outcome), the rest 100.
    # The decile holds 2 rows: the 0 fully, the three 50s one third each:
    # (1 + 1/3 x 1) / 2 = 2/3; overall rate 3/20 -> lift (2/3) / 0.15 = 4.444...
    score = np.array([0.0, 50, 50, 50, *[100.0] * 16])
    outcome = np.zeros(20)
    outcome[[0, 1, 10]] = 1
    assert worst_share_rate(score, outcome) == pytest.approx(2 / 3)
    assert worst_decile_lift(score, outcome) == pytest.approx((2 / 3) / 0.15)
    assert worst_decile_lift(score, np.zeros(20)) is None


def test_round_to_total_keeps_the_sum_at_100() -> None:
    assert round_to_total({"a": 1, "b": 1, "c": 1}) == {"a": 34, "b": 33, "c": 33}
    weights = round_to_total({"a": 0.123, "b": 0.0, "c": 0.456, "d": 0.0789})
    assert sum(weights.values()) == 100 and weights["b"] == 0
    assert all(isinstance(value, int) and value >= 0 for value in weights.values())


# ---------------------------------------------------------------------------- calibration data
@pytest.fixture(scope="module")
def calib_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """600 accounts over 36 months, built with the dbt models (the dbt tests run elsewhere)."""
    from cs_metrics.generate.core import generate

    work = tmp_path_factory.mktemp("calibrate")
    generate(
        out_dir=work / "raw",
        accounts=CALIB_ACCOUNTS,
        start=CALIB_START,
        end=CALIB_END,
        seed=CALIB_SEED,
    )
    db_path = work / "calib.duckdb"
    run_dbt(
        ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"],
        db_path=db_path,
        target_path=work / "target",
        vars_={"raw_data_dir": str(work / "raw"), "as_of_date": CALIB_END.isoformat()},
    )
    return db_path


@pytest.fixture(scope="module")
def result(calib_db: Path) -> CalibrationResult:
    return calibrate(target="duckdb", duckdb_path=calib_db)


def _heldout_outcomes_by_sql(db_path: Path, train_end: dt.date, horizon: int) -> dict:
    """(account_id, month_start) -> (health_score, churned) of held-out rows, by a self-join
    written from the backtest's definition (not the window functions calibrate uses)."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        latest = con.execute(
            "select max(month_start) from marts.fct_account_months where is_month_complete"
        ).fetchone()[0]
        rows = con.execute(
            f"""
            select m.account_id, m.month_start, m.health_score,
                   max(case when later.mrr = 0 then 1 else 0 end) as churned
            from marts.fct_account_months as m
            join marts.fct_account_months as later
              on later.account_id = m.account_id
             and later.month_start > m.month_start
             and later.month_start <= m.month_start + interval {horizon} month
            where m.is_month_complete and m.mrr > 0
              and m.month_start > ?
              and m.month_start + interval {horizon} month <= ?
            group by 1, 2, 3
            """,
            [train_end, latest],
        ).fetchall()
    return {(a, m): (None if s is None else float(s), c) for a, m, s, c in rows}


@pytest.mark.slow
def test_usage_components_carry_signal_on_held_out_months(result: CalibrationResult) -> None:
    aucs = {
        component: result.row("heldout", "churn", 6, f"{component}_score")["auc"]
        for component in ("utilization", "usage_trend")
    }
    assert max(aucs.values()) > USAGE_SIGNAL_MIN_AUC, aucs
    assert min(aucs.values()) > 0.55, aucs
    # the configured health score ranks churn too, and the figures are on many rows
    configured = result.row("heldout", "churn", 6, "health_score")
    assert configured["auc"] > 0.65 and configured["rows"] > 2000 and configured["positives"] > 100
    assert configured["worst_decile_lift"] > 2


@pytest.mark.slow
def test_held_out_rows_are_months_after_the_training_window(
    result: CalibrationResult, calib_db: Path
) -> None:
    train_end = month_date(result.split.train_end)
    for row in result.rows:
        horizon = row["horizon_months"]
        if row["split"] == "heldout":
            assert row["first_month"] > train_end, row
        else:
            # training rows' outcome windows end on or before train_end
            assert month_index(row["last_month"]) + horizon <= result.split.train_end, row
            assert row["outcomes_through_month"] <= train_end, row
    # the rows themselves, not only the reported months
    obs = result.observations
    for horizon in (3, 6):
        train = result.split.train(obs, horizon)
        heldout = result.split.heldout(obs, horizon)
        assert train.any() and heldout.any()
        assert (obs.month[train] + horizon <= result.split.train_end).all()
        assert (obs.month[heldout] > result.split.train_end).all()
        assert not (train & heldout).any()

    # an independent recomputation of one held-out figure: churn within 6 months, health_score
    expected = _heldout_outcomes_by_sql(calib_db, train_end, 6)
    scored = [(score, churned) for score, churned in expected.values() if score is not None]
    row = result.row("heldout", "churn", 6, "health_score")
    assert row["rows"] == len(scored)
    assert row["rows_missing_score"] == len(expected) - len(scored)
    assert row["positives"] == sum(churned for _, churned in scored)
    scores = np.array([score for score, _ in scored])
    outcomes = np.array([churned for _, churned in scored])
    assert row["auc"] == pytest.approx(roc_auc_score(outcomes, -scores), abs=1e-9)
    assert row["first_month"] == min(month for _, month in expected)


@pytest.mark.slow
def test_band_rates_are_the_backtest_summed_over_the_held_out_months(
    result: CalibrationResult, calib_db: Path
) -> None:
    """fct_health_backtest summed with its outcome denominators (no filter needed: they are
    null while the outcome is unknown) gives the held-out band figures of health_score."""
    with duckdb.connect(str(calib_db), read_only=True) as con:
        sums = con.execute(
            """
            select health_status, sum(accounts), sum(accounts_with_6m_outcome),
                   sum(churned_or_contracted_within_6m)
            from marts.fct_health_backtest
            where month_start > ?
            group by health_status
            """,
            [month_date(result.split.train_end)],
        ).fetchall()
    by_status = {status: (accounts, known, lost) for status, accounts, known, lost in sums}
    row = result.row("heldout", "churn_or_contraction", 6, "health_score")
    for band in ("red", "yellow", "green"):
        accounts, known, lost = by_status[band]
        assert row[f"{band}_rows"] == known, band
        assert row[f"{band}_rate"] == pytest.approx(lost / known), band
        # Σ accounts also counts the months whose 6-month outcome is not known yet
        assert accounts > known, band


@pytest.mark.slow
def test_proposed_weights_and_score(result: CalibrationResult, calib_db: Path) -> None:
    weights = result.model.weights
    assert set(weights) == set(COMPONENTS)
    assert all(isinstance(value, int) and value >= 0 for value in weights.values())
    assert sum(weights.values()) == 100
    for component, spread in result.weight_ranges.items():
        assert 0 <= spread["p10"] <= spread["p90"] <= 100, (component, spread)
        assert spread["resamples"] >= 10
    first_var = result.var_block().splitlines()[0]
    assert first_var == f"health_weight_utilization: {weights['utilization']}"

    # recompute the proposed score from the mart's components for a sample of rows
    obs = result.observations
    rng = np.random.default_rng(3)
    sample = rng.choice(len(obs), size=300, replace=False)
    keys = [(obs.account_id[int(i)].as_py(), month_date(int(obs.month[i]))) for i in sample]
    columns = ", ".join(f"{component}_score" for component in COMPONENTS)
    with duckdb.connect(str(calib_db), read_only=True) as con:
        con.execute("create temp table wanted (account_id varchar, month_start date)")
        con.executemany("insert into wanted values (?, ?)", keys)
        found = {
            (row[0], row[1]): row[2:]
            for row in con.execute(
                f"select m.account_id, m.month_start, {columns} from marts.fct_account_months m"
                " join wanted using (account_id, month_start)"
            ).fetchall()
        }
    for index, key in zip(sample, keys, strict=True):
        present = [
            (c, float(v)) for c, v in zip(COMPONENTS, found[key], strict=True) if v is not None
        ]
        points = sum(weights[c] * v for c, v in present)
        total = sum(weights[c] for c, _ in present)
        expected = points / total if total else None
        got = result.proposed_score[index]
        if expected is None:
            assert np.isnan(got), key
        else:
            assert got == pytest.approx(expected, abs=1e-6), key

    # the proposed score's held-out figures are those of that score
    heldout = result.split.heldout(obs, 6)
    outcome = obs.outcomes[("churn_or_contraction", 6)][heldout]
    score = result.proposed_score[heldout]
    present = ~np.isnan(score)
    row = result.row("heldout", "churn_or_contraction", 6, "proposed_health_score")
    assert row["rows"] == int(present.sum())
    assert row["auc"] == pytest.approx(roc_auc_score(outcome[present], -score[present]))
    # the configured weights re-applied give the stored health_score
    assert result.score_check["matches"], result.score_check


@pytest.mark.slow
def test_cli_writes_report_json_parquet_and_table(
    calib_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_copy = tmp_path / "calib.duckdb"
    db_copy.write_bytes(calib_db.read_bytes())
    out = tmp_path / "out"
    code = main(["calibrate", "--target", "duckdb", "--db", str(db_copy), "--out-dir", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Held-out ranking" in captured.out
    assert "Verdict: " in captured.out
    assert "Reading active account-months" in captured.err  # progress goes to stderr
    assert (out / "report.txt").read_text(encoding="utf-8").strip() == captured.out.strip()

    summary = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    assert sum(summary["weights"]["proposed"].values()) == 100
    assert summary["split"]["heldout_start_month"] > summary["split"]["train_end_month"]
    assert len(summary["heldout_comparison"]) == 4
    # the headline is the outcome the weights were fitted for
    first = summary["heldout_comparison"][0]
    assert (first["outcome"], first["horizon_months"], first["fitted"]) == (
        "churn_or_contraction",
        6,
        True,
    )
    assert first["intervals"]["auc_difference"]["resamples"] == RESAMPLES
    # the vars to paste are printed exactly when the verdict is to adopt them
    adopt = summary["verdict"]["adopt"]
    assert ("set these vars" in captured.out) == adopt
    assert ("health_weight_utilization:" in captured.out) == adopt
    assert (summary["var_block"] is not None) == adopt

    table = pq.read_table(out / "health_calibration.parquet")
    # 2 splits x 2 outcomes x 2 horizons x (6 components + 2 groups + configured + proposed)
    assert table.num_rows == 2 * 2 * 2 * 10
    with duckdb.connect(str(db_copy), read_only=True) as con:
        stored = con.sql("select * from marts.health_calibration").to_arrow_table()
        kinds = con.sql(
            "select scorer_kind, count(*) from marts.health_calibration group by 1 order by 1"
        ).fetchall()
    assert stored.num_rows == table.num_rows
    assert stored.column_names == table.column_names
    assert kinds == [
        ("component", 48),
        ("configured_weights", 8),
        ("group_score", 16),
        ("proposed_weights", 8),
    ]


@pytest.mark.slow
def test_no_write_leaves_the_warehouse_alone(
    calib_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["calibrate", "--db", str(calib_db), "--out-dir", str(tmp_path), "--no-write"])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "health_calibration.parquet").is_file()
    with duckdb.connect(str(calib_db), read_only=True) as con:
        tables = con.sql(
            "select table_name from information_schema.tables"
            " where table_name = 'health_calibration'"
        ).fetchall()
    assert tables == []


@pytest.mark.slow
def test_a_busy_warehouse_still_gets_the_files(
    calib_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Another reader holds the DuckDB file: the table cannot be written, the files are, the
    report is printed and the exit code says it (1), with what to do."""
    with duckdb.connect(str(calib_db), read_only=True):
        code = main(["calibrate", "--db", str(calib_db), "--out-dir", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 1
    assert "Verdict: " in captured.out
    assert "Table: not written" in captured.out
    assert "re-run when the warehouse is writable, or pass --no-write" in captured.err
    assert (tmp_path / "health_calibration.parquet").is_file()
    assert (tmp_path / "calibration.json").is_file()


# ------------------------------------------------------------------------------------ intervals
def _resampled_figures(
    score: np.ndarray, outcome: np.ndarray, account_ids: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """AUC (scikit-learn) and worst-decile lift of every resample, by building each resample's
    rows: the accounts numbered in sorted id order, resample b drawing as many of them with
    numpy.random.default_rng([SEED, b]), each drawn account bringing all its rows."""
    ordered = sorted(set(account_ids))
    rows_of: dict[str, list[int]] = {account: [] for account in ordered}
    for row, account in enumerate(account_ids):
        rows_of[account].append(row)
    aucs, lifts = [], []
    for resample in range(RESAMPLES):
        drawn = np.random.default_rng([SEED, resample]).integers(0, len(ordered), len(ordered))
        rows = np.array([row for code in drawn for row in rows_of[ordered[code]]], dtype=int)
        present = rows[~np.isnan(score[rows])]
        values, events = score[present], outcome[present]
        both = 0 < events.sum() < events.size
        aucs.append(roc_auc_score(events, -values) if both else np.nan)
        lifts.append(worst_decile_lift(values, events) if events.sum() else np.nan)
    return np.array(aucs), np.array(lifts)


def _percentiles(values: np.ndarray) -> tuple[float, float]:
    tail = 100 * (1 - LEVEL) / 2
    low, high = np.percentile(values[~np.isnan(values)], [tail, 100 - tail])
    return float(low), float(high)


@pytest.mark.slow
def test_intervals_match_the_resamples_built_row_by_row(result: CalibrationResult) -> None:
    """The held-out intervals of the fitted outcome, recomputed from materialised resamples
    with scikit-learn's AUC (the command weights the rows instead)."""
    obs = result.observations
    heldout = result.split.heldout(obs, 6)
    account_ids = obs.account_id.filter(heldout).to_pylist()
    outcome = obs.outcomes[("churn_or_contraction", 6)][heldout]
    configured = _resampled_figures(obs.scores["health_score"][heldout], outcome, account_ids)
    proposed = _resampled_figures(result.proposed_score[heldout], outcome, account_ids)
    got = result.intervals[("churn_or_contraction", 6)]
    expected = {
        "configured AUC": (_percentiles(configured[0]), got.first_auc),
        "proposed AUC": (_percentiles(proposed[0]), got.second_auc),
        "AUC difference": (_percentiles(proposed[0] - configured[0]), got.auc_difference),
        "configured lift": (_percentiles(configured[1]), got.first_lift),
        "proposed lift": (_percentiles(proposed[1]), got.second_lift),
        "lift difference": (_percentiles(proposed[1] - configured[1]), got.lift_difference),
    }
    for name, ((low, high), interval) in expected.items():
        assert interval.resamples == RESAMPLES, name
        assert interval.low == pytest.approx(low, abs=1e-9), name
        assert interval.high == pytest.approx(high, abs=1e-9), name
    # the point estimates lie inside their intervals, and the table carries the intervals
    row = result.row("heldout", "churn_or_contraction", 6, "proposed_health_score")
    assert got.second_auc.contains(row["auc"])
    assert row["auc_interval_low"] == got.second_auc.low
    assert row["auc_difference_interval_high"] == got.auc_difference.high
    assert result.row("heldout", "churn", 3, "utilization_score")["auc_interval_low"] is None


@pytest.mark.slow
def test_intervals_are_deterministic_whatever_the_row_order(result: CalibrationResult) -> None:
    obs = result.observations
    heldout = result.split.heldout(obs, 6)
    configured = obs.scores["health_score"][heldout]
    proposed = result.proposed_score[heldout]
    outcomes = {"churn_or_contraction": obs.outcomes[("churn_or_contraction", 6)][heldout]}
    accounts = obs.account_codes(heldout)
    again = paired_intervals(configured, proposed, outcomes, accounts)["churn_or_contraction"]
    assert again == result.intervals[("churn_or_contraction", 6)]
    # the engine may return the rows in any order: the accounts are numbered by id
    order = np.random.default_rng(5).permutation(configured.size)
    shuffled = paired_intervals(
        configured[order],
        proposed[order],
        {name: values[order] for name, values in outcomes.items()},
        accounts[order],
    )["churn_or_contraction"]
    assert shuffled == again


def _two_equally_good_scores(seed: int) -> tuple[np.ndarray, ...]:
    """400 accounts x 12 months whose outcome follows a hidden risk, and two scores that
    see it through independent noise of the same size: neither is better."""
    rng = np.random.default_rng(seed)
    accounts = np.repeat(np.arange(400), 12)
    risk = rng.normal(0, 1, 400)[accounts] + rng.normal(0, 0.5, accounts.size)
    outcome = (rng.random(accounts.size) < 1 / (1 + np.exp(2.5 - risk))).astype(np.int8)
    first = np.round(50 - 10 * (risk + rng.normal(0, 1, accounts.size)), 1)
    second = np.round(50 - 10 * (risk + rng.normal(0, 1, accounts.size)), 1)
    return first, second, outcome, accounts


def test_verdict_keeps_the_weights_when_the_difference_straddles_zero() -> None:
    first, second, outcome, accounts = _two_equally_good_scores(seed=8)
    spans = paired_intervals(first, second, {"lost": outcome}, accounts)["lost"]
    # the data is what the test is about: both rank, and the difference straddles zero
    assert spans.first_auc.low > 0.5 and spans.second_auc.low > 0.5
    assert spans.auc_difference.low < 0 < spans.auc_difference.high
    verdict = decide(score_auc(first, outcome), score_auc(second, outcome), spans, "loss")
    assert verdict.kind == "no_difference" and not verdict.adopt
    assert "Keep the configured weights" in verdict.text
    # the same data with the second score made clearly better is adopted
    better = np.where(outcome == 1, second - 15, second)
    spans = paired_intervals(first, better, {"lost": outcome}, accounts)["lost"]
    assert spans.auc_difference.low > 0
    verdict = decide(score_auc(first, outcome), score_auc(better, outcome), spans, "loss")
    assert verdict.adopt
    # and made worse, kept
    worse = np.where(outcome == 1, second + 15, second)
    spans = paired_intervals(first, worse, {"lost": outcome}, accounts)["lost"]
    verdict = decide(score_auc(first, outcome), score_auc(worse, outcome), spans, "loss")
    assert verdict.kind == "worse" and not verdict.adopt


@pytest.fixture(scope="module")
def reversed_db(
    calib_db: Path, result: CalibrationResult, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The calibration data with every health column turned upside down (100 − value) in the
    held-out months: the weights are fitted on training months where health ranks churn as
    usual, and then no score ranks it on the held-out months (they rank it backwards, as
    after a change in the product or the plays)."""
    path = tmp_path_factory.mktemp("reversed") / "reversed.duckdb"
    health = [f"{c}_score" for c in COMPONENTS] + [
        "outcome_score",
        "experience_score",
        "health_score",
    ]
    flipped = ", ".join(
        f"case when month_start > ? then 100 - {column} else {column} end as {column}"
        for column in health
    )
    with duckdb.connect(str(path)) as con:
        con.execute(f"attach '{calib_db}' as source (read_only)")
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_account_months as"
            f" select * replace ({flipped}) from source.marts.fct_account_months",
            [month_date(result.split.train_end)] * len(health),
        )
        # the outcomes are what happened: unchanged
        con.execute("create schema intermediate")
        con.execute(
            "create table intermediate.int_account_months_outcomes_flagged as"
            " select * from source.intermediate.int_account_months_outcomes_flagged"
        )
    return path


@pytest.mark.slow
def test_no_vars_block_when_no_score_ranks_the_outcome(
    reversed_db: Path, result: CalibrationResult
) -> None:
    reversed_result = calibrate(target="duckdb", duckdb_path=reversed_db)
    assert reversed_result.split == result.split
    spans = reversed_result.intervals[("churn_or_contraction", 6)]
    # the data is what the test is about: neither AUC interval lies above 0.5
    assert not spans.first_auc.above(0.5) and not spans.second_auc.above(0.5), spans
    verdict = result_verdict(reversed_result)
    assert verdict.kind == "nothing_ranks" and not verdict.adopt
    report = render_report(reversed_result)
    assert verdict.text.startswith("Neither score ranks churn or contraction within 6 months")
    assert "Verdict: Neither score ranks" in report
    assert "set these vars" not in report
    assert "health_weight_" not in report
    assert "No vars to paste" in report


# ------------------------------------------------------------------------------------ refusals
@pytest.mark.slow
def test_refuses_a_small_customer_base(
    built_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """150 accounts: too few churn-or-contraction outcomes to train on."""
    code = main(["calibrate", "--db", str(built_db), "--out-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "refused: too few outcomes" in err
    assert "at least 500 account-months and 50 outcomes" in err
    assert "--train-end" in err
    assert not (tmp_path / "health_calibration.parquet").exists()


@pytest.mark.slow
def test_refuses_a_young_warehouse_without_a_traceback(calib_db: Path, tmp_path: Path) -> None:
    """The warehouse as it stood 14 months after the first customer: too little history."""
    young = tmp_path / "young.duckdb"
    as_of_month = dt.date(2023, 9, 1)
    with duckdb.connect(str(young)) as con:
        con.execute(f"attach '{calib_db}' as full_history (read_only)")
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_account_months as"
            " select * replace (month_start < ? as is_month_complete)"
            " from full_history.marts.fct_account_months where month_start <= ?",
            [as_of_month, as_of_month],
        )
        # the outcomes of those months (those of horizons ending after them are not known
        # to calibration: it masks them by the latest complete month)
        con.execute("create schema intermediate")
        con.execute(
            "create table intermediate.int_account_months_outcomes_flagged as"
            " select * from full_history.intermediate.int_account_months_outcomes_flagged"
            " where month_start < ?",
            [as_of_month],
        )
    command = Path(sys.executable).with_name("cs-metrics")
    completed = subprocess.run(
        [str(command), "calibrate", "--db", str(young), "--out-dir", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2, completed.stderr
    assert "Traceback" not in completed.stderr
    assert "refused: only 8 months (2022-07 … 2023-02) have a known 6-month outcome" in (
        completed.stderr
    )
    assert "at least 12 are needed" in completed.stderr


@pytest.mark.slow
def test_refuses_a_train_end_that_leaves_no_training_month(
    calib_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["calibrate", "--db", str(calib_db), "--train-end", "2022-12", "--no-write"])
    err = capsys.readouterr().err
    assert code == 2
    assert "train-end 2022-12 leaves no training month" in err
    assert "choose a month from 2023-01 to 2024-10" in err
