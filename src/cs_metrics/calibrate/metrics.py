"""Ranking figures of a score against a binary outcome: AUC, worst-decile lift, band rates.

Convention: a *low* score means *high* risk (health scores, components), so score_auc is the
AUC of −score. Every function takes rows whose score is not null (NaN is filtered by
`evaluate`, which also counts the rows it left out).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

WORST_SHARE = 0.10  # the worst decile


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of values, ties sharing the average of their ranks (as in Mann-Whitney U)."""
    values = np.asarray(values, dtype=np.float64)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)  # the highest rank of each distinct value
    return (ends - (counts - 1) / 2.0)[inverse]


def auc(risk: np.ndarray, outcome: np.ndarray) -> float | None:
    """Area under the ROC curve of `risk` for `outcome` (1 = the event happened).

    The probability that a random row with the outcome has a higher risk than a random row
    without it, ties counting one half: 1 = perfect ranking, 0.5 = no better than chance,
    0 = perfectly reversed. None when the rows hold only one class.
    """
    return _auc_from_ranks(average_ranks(np.asarray(risk, dtype=np.float64)), outcome)


def _auc_from_ranks(ranks: np.ndarray, outcome: np.ndarray) -> float | None:
    """AUC from the average ranks of the risk (Mann-Whitney U ÷ pairs)."""
    outcome = np.asarray(outcome).astype(bool)
    positives = int(outcome.sum())
    negatives = outcome.size - positives
    if positives == 0 or negatives == 0:
        return None
    rank_sum = float(ranks[outcome].sum())
    return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)


def score_auc(score: np.ndarray, outcome: np.ndarray) -> float | None:
    """AUC of a score where low means risky: the AUC of −score."""
    return auc(-np.asarray(score, dtype=np.float64), outcome)


def worst_share_rate(score: np.ndarray, outcome: np.ndarray, share: float = WORST_SHARE) -> float:
    """Outcome rate among the lowest-scoring `share` of the rows (exactly share × n rows).

    Rows tied at the boundary score count with the fraction of them that fits (the expected
    rate when the tie is broken at random), so the figure does not depend on row order:
    e.g. 20 rows, share 0.1 → the 2 lowest; with 1 row below the boundary score and 3 rows
    at it, the 1 row counts fully and each of the 3 counts 1/3.
    """
    score = np.asarray(score, dtype=np.float64)
    outcome = np.asarray(outcome, dtype=np.float64)
    if score.size == 0:
        raise ValueError("worst_share_rate needs at least one row")
    size = share * score.size
    position = math.ceil(size) - 1
    boundary = np.partition(score, position)[position]
    below = score < boundary
    at = score == boundary
    fraction = (size - below.sum()) / at.sum()
    return float((outcome[below].sum() + fraction * outcome[at].sum()) / size)


def worst_decile_lift(score: np.ndarray, outcome: np.ndarray) -> float | None:
    """Outcome rate in the lowest-scoring 10% ÷ the overall outcome rate (None when it is 0)."""
    outcome = np.asarray(outcome, dtype=np.float64)
    if outcome.size == 0 or outcome.sum() == 0:
        return None
    return worst_share_rate(score, outcome) / float(outcome.mean())


@dataclass(frozen=True)
class Bands:
    """Status bands of a 0-100 score: red < yellow_min ≤ yellow < green_min ≤ green."""

    yellow_min: float = 40.0
    green_min: float = 70.0

    def masks(self, score: np.ndarray) -> dict[str, np.ndarray]:
        return {
            "red": score < self.yellow_min,
            "yellow": (score >= self.yellow_min) & (score < self.green_min),
            "green": score >= self.green_min,
        }


@dataclass(frozen=True)
class ScoreMetrics:
    """The ranking figures of one score for one outcome over one set of rows."""

    rows: int  # rows with a score
    rows_missing_score: int  # rows left out because the score is null
    positives: int
    outcome_rate: float | None
    auc: float | None
    worst_decile_rate: float | None
    worst_decile_lift: float | None
    red_rows: int
    red_rate: float | None
    yellow_rows: int
    yellow_rate: float | None
    green_rows: int
    green_rate: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def evaluate(score: np.ndarray, outcome: np.ndarray, bands: Bands) -> ScoreMetrics:
    """All figures of a score (NaN = null, left out and counted) for an outcome (0/1)."""
    return evaluate_outcomes(score, {"outcome": outcome}, bands)["outcome"]


def evaluate_outcomes(
    score: np.ndarray, outcomes: dict[str, np.ndarray], bands: Bands
) -> dict[str, ScoreMetrics]:
    """evaluate() for several outcomes of the same rows, ranking the score only once."""
    score = np.asarray(score, dtype=np.float64)
    present = ~np.isnan(score)
    score = score[present]
    rows = int(score.size)
    ranks = average_ranks(-score)
    masks = bands.masks(score)
    figures = {}
    for name, values in outcomes.items():
        outcome = np.asarray(values, dtype=np.int64)[present]
        positives = int(outcome.sum())
        band_rows = {band: int(mask.sum()) for band, mask in masks.items()}
        band_rates = {
            band: float(outcome[mask].mean()) if mask.any() else None
            for band, mask in masks.items()
        }
        figures[name] = ScoreMetrics(
            rows=rows,
            rows_missing_score=int((~present).sum()),
            positives=positives,
            outcome_rate=positives / rows if rows else None,
            auc=_auc_from_ranks(ranks, outcome),
            worst_decile_rate=worst_share_rate(score, outcome) if rows else None,
            worst_decile_lift=worst_decile_lift(score, outcome) if rows else None,
            red_rows=band_rows["red"],
            red_rate=band_rates["red"],
            yellow_rows=band_rows["yellow"],
            yellow_rate=band_rates["yellow"],
            green_rows=band_rows["green"],
            green_rate=band_rates["green"],
        )
    return figures
