"""Account-bootstrap intervals of the held-out ranking figures (AUC, worst-decile lift).

An account contributes one row per month, and its months are not independent, so the
held-out *accounts* are resampled, not the rows: the accounts of the rows are numbered in
sorted id order (0 … A−1), and resample b draws A of them with replacement,
`numpy.random.default_rng([seed, b]).integers(0, A, A)`. An account drawn k times brings
all its rows k times. Every figure is computed on each resample; the interval is the
central `level` share of the resample values (90 %: the 5th and 95th percentile, NumPy's
linear interpolation), over the resamples where the figure is defined (both classes
present). Configured and proposed scores are measured on the same resamples, so the
interval of their difference is paired.

The resamples are not materialised: a resample is a weight per row (the times its account
was drawn), and the figures are their weighted forms, computed for many resamples at once
with NumPy on the rows sorted by score once. With weights of 1 they equal
`metrics.score_auc` and `metrics.worst_decile_lift`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cs_metrics.calibrate.metrics import WORST_SHARE

RESAMPLES = 300
LEVEL = 0.90
SEED = 19
CHUNK_CELLS = 4_000_000  # resamples x rows held in memory at once (32 MB per float array)


@dataclass(frozen=True)
class Interval:
    """The central `level` interval of a figure over the resamples where it is defined."""

    low: float | None
    high: float | None
    resamples: int  # resamples in which the figure is defined

    def contains(self, value: float) -> bool:
        return self.low is not None and self.high is not None and self.low <= value <= self.high

    def above(self, value: float) -> bool:
        """True when the whole interval lies above value."""
        return self.low is not None and self.low > value

    def below(self, value: float) -> bool:
        """True when the whole interval lies below value."""
        return self.high is not None and self.high < value

    def as_dict(self) -> dict[str, float | int | None]:
        return {"low": self.low, "high": self.high, "resamples": self.resamples}


def interval(values: np.ndarray, level: float = LEVEL) -> Interval:
    """The central `level` share of the finite values (NaN = undefined in that resample)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return Interval(None, None, 0)
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(finite, [tail, 100 - tail])
    return Interval(float(low), float(high), int(finite.size))


def account_draws(accounts: int, first: int, stop: int, seed: int = SEED) -> np.ndarray:
    """Times each account (0 … accounts−1) is drawn in resamples first … stop−1: an
    (stop − first) × accounts array of counts."""
    counts = np.empty((stop - first, accounts), np.float64)
    for row, resample in enumerate(range(first, stop)):
        drawn = np.random.default_rng([seed, resample]).integers(0, accounts, accounts)
        counts[row] = np.bincount(drawn, minlength=accounts)
    return counts


@dataclass(frozen=True)
class _Sorted:
    """Rows of one score sorted by score, with the start of each run of equal scores."""

    starts: np.ndarray
    outcomes: dict[str, np.ndarray]  # 0/1 floats in score order
    accounts: np.ndarray  # account number of each row, in score order

    @classmethod
    def of(
        cls, score: np.ndarray, outcomes: dict[str, np.ndarray], accounts: np.ndarray
    ) -> _Sorted:
        order = np.argsort(score, kind="stable")
        ordered = score[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        return cls(
            starts,
            {name: values[order].astype(np.float64) for name, values in outcomes.items()},
            accounts[order],
        )

    def group_sums(self, draws: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per outcome, the weighted rows with and without it per distinct score
        (resamples x groups)."""
        weights = draws[:, self.accounts]
        rows = np.add.reduceat(weights, self.starts, axis=1)
        sums = {}
        for name, outcome in self.outcomes.items():
            positives = np.add.reduceat(weights * outcome, self.starts, axis=1)
            sums[name] = (positives, rows - positives)
        return sums


def weighted_auc(positives: np.ndarray, negatives: np.ndarray) -> np.ndarray:
    """AUC of −score per resample from its weighted counts per distinct score, ascending:
    a row with the outcome wins against every row without it that scores higher, and half
    against those with the same score. NaN where a class is missing."""
    total_negatives = negatives.sum(axis=1)
    higher = total_negatives[:, None] - np.cumsum(negatives, axis=1)
    pairs = positives.sum(axis=1) * total_negatives
    won = (positives * (higher + 0.5 * negatives)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pairs > 0, won / np.where(pairs > 0, pairs, 1.0), np.nan)


def weighted_worst_decile_lift(
    positives: np.ndarray, negatives: np.ndarray, share: float = WORST_SHARE
) -> np.ndarray:
    """Worst-decile lift per resample (metrics.worst_decile_lift on the resampled rows):
    the outcome rate of the lowest-scoring `share` of the rows, the rows tied at the boundary
    score counting with the fraction that fits, ÷ the overall rate. NaN without outcomes."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return _worst_decile_lift(positives, negatives, share)


def _worst_decile_lift(positives: np.ndarray, negatives: np.ndarray, share: float) -> np.ndarray:
    rows = positives + negatives
    cumulative = np.cumsum(rows, axis=1)
    total = cumulative[:, -1]
    size = share * total
    # the boundary group holds row number ceil(size) (1-based) of the sorted rows
    boundary = np.argmax(cumulative >= np.ceil(size)[:, None], axis=1)
    picked = np.arange(rows.shape[0])
    below = cumulative[picked, boundary] - rows[picked, boundary]
    below_positives = np.cumsum(positives, axis=1)[picked, boundary] - positives[picked, boundary]
    fraction = (size - below) / rows[picked, boundary]
    worst_rate = (below_positives + fraction * positives[picked, boundary]) / size
    total_positives = positives.sum(axis=1)
    return np.where(total_positives > 0, worst_rate * total / total_positives, np.nan)


@dataclass(frozen=True)
class PairedIntervals:
    """Intervals of two scores' AUC and lift on the same resamples, and of their difference
    (second − first)."""

    first_auc: Interval
    second_auc: Interval
    auc_difference: Interval
    first_lift: Interval
    second_lift: Interval
    lift_difference: Interval
    resamples: int
    level: float
    seed: int

    def as_dict(self) -> dict[str, object]:
        return {
            "configured_auc": self.first_auc.as_dict(),
            "proposed_auc": self.second_auc.as_dict(),
            "auc_difference": self.auc_difference.as_dict(),
            "configured_worst_decile_lift": self.first_lift.as_dict(),
            "proposed_worst_decile_lift": self.second_lift.as_dict(),
            "worst_decile_lift_difference": self.lift_difference.as_dict(),
        }


def paired_intervals(
    first: np.ndarray,
    second: np.ndarray,
    outcomes: dict[str, np.ndarray],
    accounts: np.ndarray,
    *,
    resamples: int = RESAMPLES,
    level: float = LEVEL,
    seed: int = SEED,
) -> dict[str, PairedIntervals]:
    """Account-bootstrap intervals (module docstring) of two scores over the same rows, per
    outcome (the outcomes share the resamples).

    first, second: scores (NaN = null: left out of that score's figures, as in `evaluate`);
    outcomes: name -> 0/1 per row; accounts: the account number of each row, 0 … A−1 in
    sorted id order.
    """
    accounts = np.asarray(accounts, dtype=np.int64)
    count = int(accounts.max()) + 1 if accounts.size else 0
    scores = []
    for values in (first, second):
        values = np.asarray(values, dtype=np.float64)
        present = ~np.isnan(values)
        chosen = {name: np.asarray(y, dtype=np.int64)[present] for name, y in outcomes.items()}
        scores.append(_Sorted.of(values[present], chosen, accounts[present]))
    aucs = {name: np.full((2, resamples), np.nan) for name in outcomes}
    lifts = {name: np.full((2, resamples), np.nan) for name in outcomes}
    step = max(1, CHUNK_CELLS // max(accounts.size, count, 1))
    for start in range(0, resamples if count else 0, step):
        stop = min(resamples, start + step)
        draws = account_draws(count, start, stop, seed)
        for position, rows in enumerate(scores):
            if rows.accounts.size == 0:
                continue
            for name, (positives, negatives) in rows.group_sums(draws).items():
                aucs[name][position, start:stop] = weighted_auc(positives, negatives)
                lifts[name][position, start:stop] = weighted_worst_decile_lift(positives, negatives)
    return {
        name: PairedIntervals(
            first_auc=interval(aucs[name][0], level),
            second_auc=interval(aucs[name][1], level),
            auc_difference=interval(aucs[name][1] - aucs[name][0], level),
            first_lift=interval(lifts[name][0], level),
            second_lift=interval(lifts[name][1], level),
            lift_difference=interval(lifts[name][1] - lifts[name][0], level),
            resamples=resamples,
            level=level,
            seed=seed,
        )
        for name in outcomes
    }


def level_label(level: float = LEVEL) -> str:
    """90 % for 0.9."""
    percent = 100 * level
    return f"{percent:.0f} %" if math.isclose(percent, round(percent)) else f"{percent:g} %"
