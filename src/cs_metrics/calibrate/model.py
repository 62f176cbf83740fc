"""Proposed health weights: a regularised logistic regression mapped to weights summing to 100.

Fit (training rows only), predicting churn or contraction within 6 months:

- features: each of the six components standardised with its training mean and standard
  deviation (over the rows where it is not null);
- missing components: imputed with the training mean (0 after standardising) plus a
  missing indicator per component that is ever null in training. The indicators let the
  model price "no NPS answer" or "no seats" separately, so the imputation does not bend the
  component's own coefficient; they get no weight, because the project's score does not
  impute at all: it re-weights over the components that have a value;
- L2-regularised logistic regression (scikit-learn, lbfgs, C = 1.0 on standardised features).

Weights: the score is an average of raw (0-100) components, so each standardised
coefficient is mapped back to the raw scale (divided by the training standard deviation):
the change in log-odds of the outcome per component point. A component whose higher values
go with *lower* risk (negative coefficient) gets weight ∝ −coefficient; one with a zero or
positive coefficient (no protective signal once the others are known) gets weight 0.
The weights are rescaled to sum to 100 and rounded to integers by the largest-remainder
method, so the rounded weights still sum to exactly 100.

Stability: the fit is repeated on bootstrap resamples of the training *accounts* (drawn with
replacement, an account's months together; 30 resamples, at least 10 on large windows) and
the 10th-90th percentile of each unrounded weight is reported: a wide range means the data
does not pin that weight down.

The proposed score is then computed exactly like the project (health_score): Σ w·c ÷ Σ w over
the components with a value, null when that Σ w is 0, rounded to 6 decimals as stored.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LogisticRegression

from cs_metrics.calibrate.data import COMPONENTS, CalibrationRefused

REGULARISATION_C = 1.0
WEIGHT_TOTAL = 100
BOOTSTRAP_RESAMPLES = 30  # fewer on large training windows (bootstrap_resamples)
BOOTSTRAP_ROW_BUDGET = 4_000_000  # resamples x training rows, about 10 s


def bootstrap_resamples(training_rows: int) -> int:
    """30 resamples, fewer (at least 10) when the training window is large: its weights are
    then steadier and each refit is slower."""
    return max(10, min(BOOTSTRAP_RESAMPLES, BOOTSTRAP_ROW_BUDGET // max(training_rows, 1)))


def reweighted_score(
    components: Mapping[str, np.ndarray], weights: Mapping[str, float], decimals: int = 6
) -> np.ndarray:
    """Σ w·c ÷ Σ w over the non-null (non-NaN) components of each row; NaN when Σ w is 0.

    The formula of int_account_months_health_scored, rounded like its decimal(28,6) column.
    """
    size = len(next(iter(components.values())))
    points = np.zeros(size)
    total = np.zeros(size)
    for component, weight in weights.items():
        values = np.asarray(components[component], dtype=np.float64)
        present = ~np.isnan(values)
        points += np.where(present, weight * np.nan_to_num(values), 0.0)
        total += np.where(present, weight, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(total > 0, points / np.where(total > 0, total, 1.0), np.nan)
    return np.round(score, decimals)


def round_to_total(shares: Mapping[str, float], total: int = WEIGHT_TOTAL) -> dict[str, int]:
    """Non-negative shares scaled to integers summing to exactly `total` (largest remainder).

    Each gets the floor of its exact value; the units left go to the largest remainders
    (ties: the first in order). E.g. {a: 1, b: 1, c: 1} → {a: 34, b: 33, c: 33}.
    """
    amount = sum(shares.values())
    if amount <= 0 or any(value < 0 for value in shares.values()):
        raise ValueError("round_to_total needs non-negative shares with a positive sum")
    exact = {name: total * value / amount for name, value in shares.items()}
    rounded = {name: math.floor(value) for name, value in exact.items()}
    left = total - sum(rounded.values())
    order = sorted(exact, key=lambda name: -(exact[name] - rounded[name]))
    for name in order[:left]:
        rounded[name] += 1
    return rounded


@dataclass
class WeightModel:
    """The fitted regression and the weights derived from it."""

    components: tuple[str, ...]  # the components in the model (the others weigh 0)
    means: dict[str, float]
    stds: dict[str, float]
    indicators: tuple[str, ...]  # components with a missing indicator
    coef_standardised: dict[str, float]  # per standard deviation of the component
    coef_per_point: dict[str, float]  # per component point (0-100 scale)
    indicator_coef: dict[str, float]
    intercept: float
    shares: dict[str, float]  # unrounded weights, summing to 100
    weights: dict[str, int]  # the proposed weights, integers summing to 100
    dropped: dict[str, str] = field(default_factory=dict)  # component -> why it is not in
    regularisation_c: float = REGULARISATION_C
    _model: LogisticRegression | None = None

    def features(self, components: Mapping[str, np.ndarray]) -> np.ndarray:
        """The design matrix: standardised components (null → 0) and missing indicators."""
        columns = []
        for component in self.components:
            values = np.asarray(components[component], dtype=np.float64)
            standard = (values - self.means[component]) / self.stds[component]
            columns.append(np.nan_to_num(standard, nan=0.0))
        for component in self.indicators:
            columns.append(np.isnan(np.asarray(components[component])).astype(np.float64))
        return np.column_stack(columns)

    def predict_risk(self, components: Mapping[str, np.ndarray]) -> np.ndarray:
        """The model's probability of the outcome (for reference figures only)."""
        if self._model is None:
            raise RuntimeError("the model is not fitted")
        return self._model.predict_proba(self.features(components))[:, 1]


def fit_weights(
    components: Mapping[str, np.ndarray],
    outcome: np.ndarray,
    *,
    regularisation_c: float = REGULARISATION_C,
) -> WeightModel:
    """Fit the regression on training rows and derive the proposed weights (module docs)."""
    outcome = np.asarray(outcome, dtype=np.int64)
    included: list[str] = []
    dropped: dict[str, str] = {}
    means: dict[str, float] = {}
    stds: dict[str, float] = {}
    indicators: list[str] = []
    for component in COMPONENTS:
        values = np.asarray(components[component], dtype=np.float64)
        present = values[~np.isnan(values)]
        if present.size < 2 or float(present.std()) == 0.0:
            dropped[component] = (
                "never has a value in the training window"
                if present.size == 0
                else "has a single value in the training window"
            )
            continue
        included.append(component)
        means[component] = float(present.mean())
        stds[component] = float(present.std())
        if present.size < values.size:
            indicators.append(component)
    if not included:
        raise CalibrationRefused(
            "no health component varies in the training window, so no weights can be fitted:"
            " check that the usage, billing, NPS and support data reach the marts."
        )
    model = WeightModel(
        components=tuple(included),
        means=means,
        stds=stds,
        indicators=tuple(indicators),
        coef_standardised={},
        coef_per_point={},
        indicator_coef={},
        intercept=0.0,
        shares={},
        weights={},
        dropped=dropped,
        regularisation_c=regularisation_c,
    )
    regression = LogisticRegression(C=regularisation_c, solver="lbfgs", max_iter=1000)
    regression.fit(model.features(components), outcome)
    coefficients = regression.coef_[0]
    model._model = regression
    model.intercept = float(regression.intercept_[0])
    for position, component in enumerate(included):
        model.coef_standardised[component] = float(coefficients[position])
        model.coef_per_point[component] = float(coefficients[position]) / stds[component]
    for position, component in enumerate(indicators, start=len(included)):
        model.indicator_coef[component] = float(coefficients[position])
    protective = _protective(coefficients, model)
    if sum(protective.values()) <= 0:
        raise CalibrationRefused(
            "no component goes with lower churn-or-contraction risk in the training window"
            " (every coefficient is 0 or positive), so no weights can be proposed; keep the"
            " configured weights and re-run with more history."
        )
    amount = sum(protective.values())
    model.shares = {name: WEIGHT_TOTAL * value / amount for name, value in protective.items()}
    model.weights = round_to_total(protective)
    return model


def _protective(coefficients: np.ndarray, model: WeightModel) -> dict[str, float]:
    """max(0, −coefficient per component point) of every component (0 when not in the model)."""
    per_point = {
        component: float(coefficients[position]) / model.stds[component]
        for position, component in enumerate(model.components)
    }
    return {component: max(0.0, -per_point.get(component, 0.0)) for component in COMPONENTS}


def weight_ranges(
    model: WeightModel,
    components: Mapping[str, np.ndarray],
    outcome: np.ndarray,
    accounts: np.ndarray,
    *,
    resamples: int | None = None,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """How stable the proposed weights are: refit on bootstrap resamples of the training
    *accounts* (an account's months stay together, as they are not independent) and return
    per component the 10th and 90th percentile of its unrounded weight (of 100) and the share
    of resamples in which it gets any weight.

    Each resample is a reweighting (sample_weight = times the account was drawn) started from
    the full fit, so it costs a fraction of the first fit.
    """
    if model._model is None:
        raise RuntimeError("the model is not fitted")
    features = model.features(components)
    outcome = np.asarray(outcome, dtype=np.int64)
    resamples = resamples or bootstrap_resamples(outcome.size)
    codes, inverse = np.unique(accounts, return_inverse=True)
    rng = np.random.default_rng(seed)
    shares: dict[str, list[float]] = {component: [] for component in COMPONENTS}
    for _ in range(resamples):
        drawn = np.bincount(rng.integers(0, codes.size, codes.size), minlength=codes.size)
        sample_weight = drawn[inverse].astype(np.float64)
        if outcome[sample_weight > 0].min() == outcome[sample_weight > 0].max():
            continue  # one class only in this resample
        regression = copy.deepcopy(model._model)
        regression.set_params(warm_start=True)
        regression.fit(features, outcome, sample_weight=sample_weight)
        protective = _protective(regression.coef_[0], model)
        amount = sum(protective.values())
        for component in COMPONENTS:
            shares[component].append(
                WEIGHT_TOTAL * protective[component] / amount if amount > 0 else 0.0
            )
    return {
        component: {
            "resamples": len(values),
            "p10": float(np.percentile(values, 10)) if values else float("nan"),
            "p90": float(np.percentile(values, 90)) if values else float("nan"),
            "share_weighted": float(np.mean(np.array(values) > 0)) if values else float("nan"),
        }
        for component, values in shares.items()
    }
