"""The observation set of the health calibration and its out-of-time split.

Observations are the account-months of complete months M in which the account is active
(mrr > 0 at the end of M), read from `marts.fct_account_months` with their six health
components, outcome, experience and health scores, and their outcomes per horizon h
(3 and 6 months):

- churn: the account's MRR reaches 0 in one of M+1 … M+h;
- churn or contraction: a `churn` or `contraction` movement in one of M+1 … M+h

read from the dbt model `intermediate.int_account_months_outcomes_flagged`, the one home of
these rules (`marts.fct_health_backtest` sums the same rows). An outcome is known when M + h
is on or before the latest complete month. Only the needed columns of the observation rows
come back, streamed in batches into NumPy arrays, so 100,000 accounts × 36 months stay
within a few hundred MB.

Out-of-time split (no leakage). With T the training end month (`--train-end`):

- a *training* row of horizon h is an observation month M with M + h ≤ T: its components
  and its whole outcome window lie in months up to T;
- a *held-out* row of horizon h has M > T (and M + h on or before the latest complete
  month, so that its outcome is known).

So nothing the training rows use (features or outcomes) happens after T, and every held-out
row is scored on a month after T. Default T: the last third of the months with a known
6-month outcome is held out (T = last such month − round(count ÷ 3)).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cs_metrics.project import INTERMEDIATE_SCHEMA, MARTS_SCHEMA, project_vars
from cs_metrics.warehouse import Warehouse

COMPONENTS = ("utilization", "usage_trend", "feature_breadth", "payment", "nps", "support")
COMPONENT_COLUMNS = tuple(f"{component}_score" for component in COMPONENTS)
GROUP_SCORE_COLUMNS = ("outcome_score", "experience_score")
SCORE_COLUMNS = (*COMPONENT_COLUMNS, *GROUP_SCORE_COLUMNS, "health_score")
HORIZONS = (3, 6)
OUTCOMES = ("churn", "churn_or_contraction")
# what the proposed weights are fitted to predict
TARGET_OUTCOME = "churn_or_contraction"
TARGET_HORIZON = 6
DEFAULT_WEIGHTS = {
    "utilization": 30,
    "usage_trend": 20,
    "feature_breadth": 15,
    "payment": 15,
    "nps": 10,
    "support": 10,
}
SOURCE_TABLE = "fct_account_months"
# the outcomes (dbt model) and the flag column of each outcome (suffix <h>m)
OUTCOMES_TABLE = "int_account_months_outcomes_flagged"
OUTCOME_COLUMNS = {
    "churn": "is_churned_within",
    "churn_or_contraction": "is_churned_or_contracted_within",
}
# the schemas calibration reads (a Spark warehouse exposes only the schemas it is given)
SCHEMAS = (MARTS_SCHEMA, INTERMEDIATE_SCHEMA)


class CalibrationRefused(Exception):
    """Too little history or too few outcomes to calibrate; the message says what to do."""


class CalibrationError(Exception):
    """The marts cannot be calibrated as they are (shown to the user without a traceback)."""


@dataclass(frozen=True)
class Settings:
    """The configured health weights and status bands (vars of dbt_project.yml)."""

    weights: dict[str, float]
    green_min: float = 70.0
    yellow_min: float = 40.0
    bi_role: str | None = "cs_metrics_bi"


def read_settings(project_dir: Path) -> Settings:
    """The vars health_weight_*, health_green_min, health_yellow_min and bi_role."""
    dbt_vars = project_vars(project_dir)

    def number(name: str, default: float) -> float:
        value = dbt_vars.get(name)
        return default if value is None else float(value)

    weights = {
        component: number(f"health_weight_{component}", default)
        for component, default in DEFAULT_WEIGHTS.items()
    }
    role = dbt_vars.get("bi_role", "cs_metrics_bi")
    return Settings(
        weights=weights,
        green_min=number("health_green_min", 70.0),
        yellow_min=number("health_yellow_min", 40.0),
        bi_role=str(role) if role else None,
    )


@dataclass(frozen=True)
class Thresholds:
    """The least history calibration accepts (below it, the figures would be noise)."""

    min_rows: int = 500  # account-months in each window (target outcome and horizon)
    min_positives: int = 50  # target outcomes in each window
    min_months: int = 12  # months with a known 6-month outcome


# ------------------------------------------------------------------------------------ months
def month_index(day: dt.date) -> int:
    """Months since January 1970 (a month arithmetic that is just integer arithmetic)."""
    return (day.year - 1970) * 12 + day.month - 1


def month_date(index: int) -> dt.date:
    """The first day of the month with this month_index."""
    return dt.date(1970 + index // 12, index % 12 + 1, 1)


def month_label(index: int) -> str:
    """YYYY-MM of a month_index."""
    return f"{month_date(index):%Y-%m}"


def _month_indices(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    days = column.to_numpy(zero_copy_only=False).astype("datetime64[D]")
    return days.astype("datetime64[M]").astype(np.int64).astype(np.int32)


# ------------------------------------------------------------------------------ observations
@dataclass
class Observations:
    """Active account-months of complete months whose 3-month outcome is known.

    month holds month_index values; scores[column] float64 arrays (NaN = null);
    outcomes[(outcome, h)] int8 arrays (meaningful only where known(h)).
    """

    account_id: pa.ChunkedArray
    month: np.ndarray
    scores: dict[str, np.ndarray]
    outcomes: dict[tuple[str, int], np.ndarray]
    latest_complete: int

    def __len__(self) -> int:
        return len(self.month)

    def known(self, horizon: int) -> np.ndarray:
        """Rows whose outcome over `horizon` months is known (M + h ≤ latest complete month)."""
        return self.month + horizon <= self.latest_complete

    def account_codes(self, mask: np.ndarray) -> np.ndarray:
        """An integer per account for the rows selected by mask: its position among the
        accounts sorted by id (so it does not depend on the order the engine returned rows)."""
        ids = self.account_id.filter(pa.array(mask))
        accounts = pc.array_sort_indices(pc.unique(ids))
        ordered = pc.take(pc.unique(ids), accounts)
        return pc.index_in(ids, ordered).to_numpy(zero_copy_only=False)


def observation_sql(
    latest_complete: int,
    schema: str = MARTS_SCHEMA,
    outcomes_schema: str = INTERMEDIATE_SCHEMA,
) -> str:
    """The observation rows with their outcomes, in SQL that runs on DuckDB and PostgreSQL:
    the scores of fct_account_months joined to the outcome flags of
    int_account_months_outcomes_flagged (a row per observation), as 0/1."""
    flags = [
        f"case when outcomes.{column}_{horizon}m then 1 else 0 end as {outcome}_{horizon}m"
        for outcome, column in OUTCOME_COLUMNS.items()
        for horizon in HORIZONS
    ]
    scores = [f"cast(scored.{column} as double precision) as {column}" for column in SCORE_COLUMNS]
    last_observed = month_date(latest_complete - min(HORIZONS)).isoformat()
    selected = ",\n    ".join(["scored.account_id", "scored.month_start", *scores, *flags])
    return f"""
select
    {selected}
from {schema}.{SOURCE_TABLE} as scored
inner join {outcomes_schema}.{OUTCOMES_TABLE} as outcomes
    on
        scored.account_id = outcomes.account_id
        and scored.month_start = outcomes.month_start
where
    scored.is_month_complete
    and scored.mrr > 0
    and scored.month_start <= date '{last_observed}'
"""


def latest_complete_month(wh: Warehouse, schema: str = MARTS_SCHEMA) -> int | None:
    """month_index of the latest complete month in the marts (None when there is none)."""
    if not wh.has_table(schema, SOURCE_TABLE):
        raise CalibrationError(
            f"{schema}.{SOURCE_TABLE} not found on target {wh.target}: build the project first"
            " (`make build`, or `dbt build --profiles-dir profiles`)."
        )
    latest = wh.scalar(
        f"select max(month_start) from {schema}.{SOURCE_TABLE} where is_month_complete"
    )
    return None if latest is None else month_index(latest)


def read_observations(
    wh: Warehouse,
    *,
    schema: str = MARTS_SCHEMA,
    batch_rows: int = 200_000,
    progress: Callable[[str], None] | None = None,
) -> Observations:
    """Read the observation set (see the module docstring) from the warehouse."""
    say = progress or (lambda _message: None)
    latest = latest_complete_month(wh, schema)
    if latest is None:
        raise CalibrationRefused(
            f"{schema}.{SOURCE_TABLE} has no complete month yet: calibration needs at least"
            f" {Thresholds().min_months} months with a known 6-month outcome."
        )
    if not wh.has_table(INTERMEDIATE_SCHEMA, OUTCOMES_TABLE):
        raise CalibrationError(
            f"{INTERMEDIATE_SCHEMA}.{OUTCOMES_TABLE} not found on target {wh.target}: build the"
            " project first (`make build`, or `dbt build --profiles-dir profiles`)."
        )
    last_observed = month_date(latest - min(HORIZONS)).isoformat()
    expected = int(
        wh.scalar(
            f"select count(*) from {schema}.{SOURCE_TABLE} where is_month_complete and mrr > 0"
            f" and month_start <= date '{last_observed}'"
        )
    )
    # filled in place batch by batch: the rows are never held twice
    months = np.empty(expected, np.int32)
    scores = {column: np.empty(expected, np.float64) for column in SCORE_COLUMNS}
    outcomes = {
        (outcome, horizon): np.empty(expected, np.int8)
        for outcome in OUTCOMES
        for horizon in HORIZONS
    }
    ids: list[pa.Array] = []
    read = 0
    for batch in wh.batches(observation_sql(latest, schema), batch_rows=batch_rows):
        size = batch.num_rows
        if read + size > expected:
            raise CalibrationError(
                f"{schema}.{SOURCE_TABLE} changed while it was read (a dbt build?): re-run."
            )
        rows = slice(read, read + size)
        months[rows] = _month_indices(batch.column("month_start"))
        ids += _chunks(batch.column("account_id"))
        for column in SCORE_COLUMNS:
            values = batch.column(column).cast(pa.float64())
            scores[column][rows] = values.to_numpy(zero_copy_only=False)
        for outcome, horizon in outcomes:
            flag = batch.column(f"{outcome}_{horizon}m").cast(pa.int8()).fill_null(0)
            outcomes[(outcome, horizon)][rows] = flag.to_numpy(zero_copy_only=False)
        read += size
        say(f"  {read:,} account-months read")
    if read != expected:
        raise CalibrationError(
            f"{schema}.{SOURCE_TABLE} changed while it was read (a dbt build?): re-run."
        )
    return Observations(
        account_id=pa.chunked_array(ids, pa.string()),
        month=months,
        scores=scores,
        outcomes=outcomes,
        latest_complete=latest,
    )


def _chunks(column: pa.ChunkedArray | pa.Array) -> list[pa.Array]:
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    return [chunk.cast(pa.string()) for chunk in chunks]


# ------------------------------------------------------------------------------------- split
@dataclass(frozen=True)
class Split:
    """The out-of-time split: training rows of horizon h have M + h ≤ train_end, held-out
    rows M > train_end (and a known outcome)."""

    train_end: int
    latest_complete: int
    first_month: int

    def train(self, obs: Observations, horizon: int) -> np.ndarray:
        """Training rows of a horizon: the whole outcome window lies on or before train_end."""
        return obs.month + horizon <= self.train_end

    def heldout(self, obs: Observations, horizon: int) -> np.ndarray:
        """Held-out rows of a horizon: months after train_end with a known outcome."""
        return (obs.month > self.train_end) & obs.known(horizon)

    @property
    def heldout_start(self) -> int:
        return self.train_end + 1


def choose_split(
    obs: Observations, train_end: int | None = None, thresholds: Thresholds | None = None
) -> Split:
    """The split for `train_end` (default: hold out the last third of the months with a known
    6-month outcome); refuses when there are too few months or train_end leaves a window
    empty."""
    limits = thresholds or Thresholds()
    if len(obs) == 0:
        raise CalibrationRefused(
            "no active account-month has a known outcome yet (the marts end in"
            f" {month_label(obs.latest_complete)}): calibration needs at least"
            f" {limits.min_months} months with a known {TARGET_HORIZON}-month outcome;"
            " wait for more history or build on a longer data set."
        )
    first = int(obs.month.min())
    last_known = obs.latest_complete - TARGET_HORIZON  # last month with a known 6-month outcome
    months_known = last_known - first + 1
    if months_known < limits.min_months:
        raise CalibrationRefused(
            f"only {max(months_known, 0)} months ({month_label(first)} … "
            f"{month_label(last_known)}) have a known {TARGET_HORIZON}-month outcome, at least"
            f" {limits.min_months} are needed to train on some and test on later ones. Wait"
            f" for more history (the marts end in {month_label(obs.latest_complete)}), or"
            " calibrate on a warehouse with a longer history."
        )
    lowest, highest = first + TARGET_HORIZON, last_known - 1
    if train_end is None:
        train_end = last_known - round(months_known / 3)
    if not lowest <= train_end <= highest:
        raise CalibrationRefused(
            f"train-end {month_label(train_end)} leaves "
            + ("no training" if train_end < lowest else "no held-out")
            + f" month: training rows need M + {TARGET_HORIZON} ≤ train-end and held-out rows a"
            f" month after it with a known outcome; choose a month from {month_label(lowest)}"
            f" to {month_label(highest)} (later months train on more, test on fewer)."
        )
    return Split(train_end=train_end, latest_complete=obs.latest_complete, first_month=first)


def check_no_leakage(obs: Observations, split: Split) -> dict[str, dict[str, str | None]]:
    """Verify the split on the rows themselves; returns each window's months per horizon.

    Raises CalibrationError if a held-out row's month is not after train_end or a training
    row's outcome window reaches past train_end (i.e. into the held-out window).
    """
    windows: dict[str, dict[str, str | None]] = {}
    for horizon in HORIZONS:
        train_months = obs.month[split.train(obs, horizon)]
        heldout_months = obs.month[split.heldout(obs, horizon)]
        if train_months.size and int(train_months.max()) + horizon > split.train_end:
            raise CalibrationError(
                f"internal error: a training row's {horizon}-month outcome reaches past"
                f" train-end {month_label(split.train_end)}"
            )
        if heldout_months.size and int(heldout_months.min()) <= split.train_end:
            raise CalibrationError(
                f"internal error: a held-out row is on or before train-end"
                f" {month_label(split.train_end)}"
            )
        windows[f"{horizon}m"] = {
            "train_first_month": _label(train_months.min() if train_months.size else None),
            "train_last_month": _label(train_months.max() if train_months.size else None),
            "train_outcomes_through": _label(
                train_months.max() + horizon if train_months.size else None
            ),
            "heldout_first_month": _label(heldout_months.min() if heldout_months.size else None),
            "heldout_last_month": _label(heldout_months.max() if heldout_months.size else None),
            "heldout_outcomes_through": _label(
                heldout_months.max() + horizon if heldout_months.size else None
            ),
        }
    return windows


def _label(index: Any) -> str | None:
    return None if index is None else month_label(int(index))
