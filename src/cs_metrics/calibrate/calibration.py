"""The health calibration itself: the observation set read, split out of time, every score
measured on both windows, weights fitted on the training window and the configured and proposed
scores compared on the held-out months (`CalibrationResult`). The command and the table it
writes are described in `calibrate/command.py`; the output in `calibrate/output.py`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cs_metrics.calibrate.data import (
    COMPONENT_COLUMNS,
    COMPONENTS,
    GROUP_SCORE_COLUMNS,
    HORIZONS,
    OUTCOMES,
    SCHEMAS,
    SOURCE_TABLE,
    TARGET_HORIZON,
    TARGET_OUTCOME,
    CalibrationRefused,
    Observations,
    Settings,
    Split,
    Thresholds,
    check_no_leakage,
    choose_split,
    month_date,
    month_index,
    month_label,
    read_observations,
    read_settings,
)
from cs_metrics.calibrate.intervals import PairedIntervals, paired_intervals
from cs_metrics.calibrate.metrics import Bands, evaluate_outcomes, score_auc
from cs_metrics.calibrate.model import (
    WeightModel,
    bootstrap_resamples,
    fit_weights,
    reweighted_score,
    weight_ranges,
)
from cs_metrics.calibrate.verdict import Verdict, decide

WINDOWS = ("train", "heldout")
CONFIGURED = "health_score"
PROPOSED = "proposed_health_score"
SCORE_CHECK_TOLERANCE = 1e-3  # stored health_score vs the configured weights re-applied


@dataclass
class CalibrationResult:
    """Everything one calibration computed (what the report, JSON and table are made of)."""

    target: str
    engine: str
    calibrated_at: dt.datetime
    settings: Settings
    thresholds: Thresholds
    split: Split
    windows: dict[str, dict[str, str | None]]
    observations: Observations
    model: WeightModel
    proposed_score: np.ndarray
    score_check: dict[str, Any]
    model_auc: dict[str, float | None]
    weight_ranges: dict[str, dict[str, float]]
    # (outcome, horizon) -> account-bootstrap intervals of the held-out configured and
    # proposed AUC and lift, and of their difference
    intervals: dict[tuple[str, int], PairedIntervals] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    duckdb_path: Path | None = None

    def row(self, window: str, outcome: str, horizon: int, scorer: str) -> dict[str, Any]:
        """The table row of one (window, outcome, horizon, scorer)."""
        for row in self.rows:
            if (row["split"], row["outcome"], row["horizon_months"], row["scorer"]) == (
                window,
                outcome,
                horizon,
                scorer,
            ):
                return row
        raise KeyError((window, outcome, horizon, scorer))

    def var_block(self) -> str:
        """The vars to paste into dbt_project.yml for the proposed weights."""
        return "\n".join(
            f"health_weight_{component}: {self.model.weights[component]}"
            for component in COMPONENTS
        )


def _scorers(
    obs: Observations, proposed: np.ndarray
) -> list[tuple[str, str, np.ndarray, str | None]]:
    """(scorer, scorer_kind, scores, component) of every score that is evaluated."""
    scorers: list[tuple[str, str, np.ndarray, str | None]] = [
        (column, "component", obs.scores[column], component)
        for component, column in zip(COMPONENTS, COMPONENT_COLUMNS, strict=True)
    ]
    scorers += [(column, "group_score", obs.scores[column], None) for column in GROUP_SCORE_COLUMNS]
    scorers.append((CONFIGURED, "configured_weights", obs.scores["health_score"], None))
    scorers.append((PROPOSED, "proposed_weights", proposed, None))
    return scorers


def _refuse_when_too_few(obs: Observations, split: Split, thresholds: Thresholds) -> None:
    outcome = obs.outcomes[(TARGET_OUTCOME, TARGET_HORIZON)]
    counts = {}
    for window in WINDOWS:
        mask = getattr(split, window)(obs, TARGET_HORIZON)
        months = obs.month[mask]
        counts[window] = (
            int(mask.sum()),
            int(outcome[mask].sum()),
            f"{month_label(int(months.min()))} … {month_label(int(months.max()))}"
            if months.size
            else "no month",
        )
    short = [
        window
        for window, (rows, positives, _) in counts.items()
        if rows < thresholds.min_rows or positives < thresholds.min_positives
    ]
    if not short:
        return
    names = {"train": "training window", "heldout": "held-out window"}
    found = "; ".join(
        f"the {names[window]} ({span}) has {rows:,} active account-months, {positives:,} of"
        f" them with churn or contraction within {TARGET_HORIZON} months"
        + (" (too few)" if window in short else "")
        for window, (rows, positives, span) in counts.items()
    )
    first_end = split.first_month + TARGET_HORIZON
    last_end = split.latest_complete - TARGET_HORIZON - 1
    raise CalibrationRefused(
        f"too few outcomes to calibrate: {found}. Each window needs at least"
        f" {thresholds.min_rows:,} account-months and {thresholds.min_positives} outcomes."
        " Wait for more history, calibrate on a warehouse with more accounts, or move"
        f" --train-end (now {month_label(split.train_end)}; from {month_label(first_end)} to"
        f" {month_label(last_end)}: later trains on more months and tests on fewer)."
    )


INTERVAL_COLUMNS = (
    "auc_interval_low",
    "auc_interval_high",
    "worst_decile_lift_interval_low",
    "worst_decile_lift_interval_high",
    "auc_difference_interval_low",
    "auc_difference_interval_high",
)


def _interval_columns(
    paired: PairedIntervals | None, window: str, scorer: str
) -> dict[str, float | None]:
    """The interval columns of a table row: held-out configured and proposed rows only; the
    difference (proposed − configured) on the proposed row."""
    columns: dict[str, float | None] = dict.fromkeys(INTERVAL_COLUMNS)
    if paired is None or window != "heldout" or scorer not in (CONFIGURED, PROPOSED):
        return columns
    auc, lift = (
        (paired.first_auc, paired.first_lift)
        if scorer == CONFIGURED
        else (paired.second_auc, paired.second_lift)
    )
    columns.update(
        auc_interval_low=auc.low,
        auc_interval_high=auc.high,
        worst_decile_lift_interval_low=lift.low,
        worst_decile_lift_interval_high=lift.high,
    )
    if scorer == PROPOSED:
        columns.update(
            auc_difference_interval_low=paired.auc_difference.low,
            auc_difference_interval_high=paired.auc_difference.high,
        )
    return columns


def calibrate(
    *,
    target: str | None = None,
    duckdb_path: Path | None = None,
    train_end: dt.date | None = None,
    thresholds: Thresholds | None = None,
    progress: Callable[[str], None] | None = None,
    project_dir: Path | None = None,
) -> CalibrationResult:
    """Run the calibration (nothing is written). Raises WarehouseError, CalibrationError or
    CalibrationRefused (too little history)."""
    from cs_metrics.project import find_project_dir
    from cs_metrics.warehouse import open_warehouse

    say = progress or (lambda _message: None)
    started = time.perf_counter()
    calibrated_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    limits = thresholds or Thresholds()
    settings = read_settings(find_project_dir(project_dir))
    bands = Bands(yellow_min=settings.yellow_min, green_min=settings.green_min)

    wh = open_warehouse(target, duckdb_path=duckdb_path, schemas=SCHEMAS, required=(SOURCE_TABLE,))
    try:
        say(f"Reading active account-months and their outcomes from target {wh.target} ...")
        obs = read_observations(wh, progress=say)
        target_name, engine, db_file = wh.target, wh.engine, wh.duckdb_path
    finally:
        wh.close()
    say(
        f"  {len(obs):,} account-months, latest complete month {month_label(obs.latest_complete)}"
        f" ({time.perf_counter() - started:.1f} s)"
    )

    split = choose_split(obs, None if train_end is None else month_index(train_end), limits)
    windows = check_no_leakage(obs, split)
    _refuse_when_too_few(obs, split, limits)

    components = {c: obs.scores[f"{c}_score"] for c in COMPONENTS}
    train_mask = split.train(obs, TARGET_HORIZON)
    say(
        f"Fitting weights on {int(train_mask.sum()):,} training account-months"
        f" (months up to {month_label(split.train_end - TARGET_HORIZON)}, outcomes up to"
        f" train-end {month_label(split.train_end)}) ..."
    )
    train_components = {c: values[train_mask] for c, values in components.items()}
    train_outcome = obs.outcomes[(TARGET_OUTCOME, TARGET_HORIZON)][train_mask]
    model = fit_weights(train_components, train_outcome)
    say(
        f"Refitting on {bootstrap_resamples(train_outcome.size)} bootstrap resamples of the"
        " training accounts ..."
    )
    ranges = weight_ranges(model, train_components, train_outcome, obs.account_codes(train_mask))
    proposed = reweighted_score(components, model.weights)

    configured_again = reweighted_score(components, settings.weights)
    stored = obs.scores["health_score"]
    both = ~np.isnan(stored) & ~np.isnan(configured_again)
    difference = float(np.abs(stored[both] - configured_again[both]).max()) if both.any() else 0.0
    score_check = {
        "max_abs_difference": difference,
        "null_mismatches": int((np.isnan(stored) != np.isnan(configured_again)).sum()),
        "matches": difference <= SCORE_CHECK_TOLERANCE,
    }

    model_auc: dict[str, float | None] = {}
    outcome = obs.outcomes[(TARGET_OUTCOME, TARGET_HORIZON)]
    for window in WINDOWS:
        mask = getattr(split, window)(obs, TARGET_HORIZON)
        risk = model.predict_risk({c: values[mask] for c, values in components.items()})
        model_auc[window] = score_auc(-risk, outcome[mask])

    say("Resampling the held-out accounts for the intervals of the comparison ...")
    intervals: dict[tuple[str, int], PairedIntervals] = {}
    for horizon in HORIZONS:
        mask = split.heldout(obs, horizon)
        paired = paired_intervals(
            obs.scores["health_score"][mask],
            proposed[mask],
            {name: obs.outcomes[(name, horizon)][mask] for name in OUTCOMES},
            obs.account_codes(mask),
        )
        intervals.update({(name, horizon): paired[name] for name in OUTCOMES})

    say("Measuring components and scores on both windows ...")
    rows: list[dict[str, Any]] = []
    scorers = _scorers(obs, proposed)
    for window in WINDOWS:
        for horizon in HORIZONS:
            mask = getattr(split, window)(obs, horizon)
            months = obs.month[mask]
            first = month_date(int(months.min())) if months.size else None
            last = month_date(int(months.max())) if months.size else None
            through = month_date(int(months.max()) + horizon) if months.size else None
            outcomes = {name: obs.outcomes[(name, horizon)][mask] for name in OUTCOMES}
            for scorer, kind, scores, component in scorers:
                figures = evaluate_outcomes(scores[mask], outcomes, bands)
                for outcome_name in OUTCOMES:
                    rows.append(
                        {
                            "calibrated_at": calibrated_at.replace(tzinfo=None),
                            "target": target_name,
                            "split": window,
                            "outcome": outcome_name,
                            "horizon_months": horizon,
                            "scorer": scorer,
                            "scorer_kind": kind,
                            "train_end_month": month_date(split.train_end),
                            "first_month": first,
                            "last_month": last,
                            "outcomes_through_month": through,
                            **figures[outcome_name].as_dict(),
                            "configured_weight": (
                                settings.weights[component] if component else None
                            ),
                            "proposed_weight": (
                                float(model.weights[component]) if component else None
                            ),
                            "proposed_weight_p10": (
                                ranges[component]["p10"] if component else None
                            ),
                            "proposed_weight_p90": (
                                ranges[component]["p90"] if component else None
                            ),
                            **_interval_columns(
                                intervals.get((outcome_name, horizon)), window, scorer
                            ),
                        }
                    )
    rows.sort(
        key=lambda row: (
            WINDOWS.index(row["split"]),
            OUTCOMES.index(row["outcome"]),
            row["horizon_months"],
        )
    )
    return CalibrationResult(
        target=target_name,
        engine=engine,
        calibrated_at=calibrated_at,
        settings=settings,
        thresholds=limits,
        split=split,
        windows=windows,
        observations=obs,
        model=model,
        proposed_score=proposed,
        score_check=score_check,
        model_auc=model_auc,
        weight_ranges=ranges,
        intervals=intervals,
        rows=rows,
        seconds=time.perf_counter() - started,
        duckdb_path=db_file,
    )


def comparison_order() -> list[tuple[str, int]]:
    """(outcome, horizon) pairs, the one the weights were fitted for first (the headline)."""
    pairs = [(outcome, horizon) for outcome in OUTCOMES for horizon in HORIZONS]
    return sorted(pairs, key=lambda pair: pair != (TARGET_OUTCOME, TARGET_HORIZON))


def heldout_comparison(result: CalibrationResult) -> list[dict[str, Any]]:
    """Held-out AUC and worst-decile lift of the configured and the proposed score, with
    their account-bootstrap intervals; the fitted outcome first."""
    comparison = []
    for outcome, horizon in comparison_order():
        configured = result.row("heldout", outcome, horizon, CONFIGURED)
        proposed = result.row("heldout", outcome, horizon, PROPOSED)
        comparison.append(
            {
                "outcome": outcome,
                "horizon_months": horizon,
                "fitted": (outcome, horizon) == (TARGET_OUTCOME, TARGET_HORIZON),
                "rows": configured["rows"],
                "positives": configured["positives"],
                "configured_auc": configured["auc"],
                "proposed_auc": proposed["auc"],
                "configured_worst_decile_lift": configured["worst_decile_lift"],
                "proposed_worst_decile_lift": proposed["worst_decile_lift"],
                "intervals": result.intervals[(outcome, horizon)],
            }
        )
    return comparison


def result_verdict(result: CalibrationResult) -> Verdict:
    """The verdict on the outcome the weights were fitted for (calibrate/verdict.py)."""
    configured = result.row("heldout", TARGET_OUTCOME, TARGET_HORIZON, CONFIGURED)
    proposed = result.row("heldout", TARGET_OUTCOME, TARGET_HORIZON, PROPOSED)
    return decide(
        configured["auc"],
        proposed["auc"],
        result.intervals[(TARGET_OUTCOME, TARGET_HORIZON)],
        outcome_label(TARGET_OUTCOME, TARGET_HORIZON),
    )


def outcome_label(outcome: str, horizon: int) -> str:
    """'churn or contraction within 6 months'."""
    return f"{outcome.replace('_', ' ')} within {horizon} months"
