"""The semantic layer (MetricFlow) returns the marts' numbers, by every dimension it offers.

On the small generated data set (as of 2025-06-15: June 2025 is the month in progress),
`dbt parse` writes the semantic manifest and MetricFlow's engine (what `mf query` runs, here
in-process through the read-only DuckDB profile output) answers the queries.

- `REFERENCE` restates every metric from the spec (metrics.md) over the rows of the public
  marts (fct_account_months with dim_accounts, fct_renewals, fct_nps_monthly), in plain
  Python, and `GROUP_BYS` says which mart column each group-by item means for each semantic
  model — the tier at the end of M for stocks, at M-1 for movements, at M-12 for the
  trailing-twelve-month cohort. `test_reference_is_the_marts_definition` checks both against
  the aggregated marts (fct_mrr_bridge_monthly, fct_retention_monthly, fct_north_star_monthly,
  fct_csm_book_monthly, fct_renewals_monthly, fct_nps_monthly) segment by segment.
- `test_every_metric_by_every_group_by_item` asks MetricFlow for every metric by every
  group-by item it offers for it (enumerated from MetricFlow, at every time grain, alone, by
  month, by quarter without the month in progress) and compares each value with the
  reference: money within 0.01, fractions within 1e-6, counts exactly. A group-by item that
  MetricFlow offers and `GROUP_BYS` does not define for that metric's semantic model fails,
  so a wrong dimension cannot become reachable unnoticed.
- Asking a metric for another family's tier is refused, and MetricFlow's first suggestion is
  the metric's own tier.
- The saved queries leave the month in progress out unless they say they include it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from conftest import _release_duckdb, run_dbt

ROOT = Path(__file__).resolve().parents[2]
COMPLETE = "{{ Dimension('calendar_month__is_complete') }} = true"
GRAINS = ("day", "week", "month", "quarter", "year")
TOLERANCE = {"money": 0.01, "count": 0, "fraction": 1e-6, "points": 1e-4}

Row = dict[str, Any]
Key = tuple[Any, ...]


# ============================================================== the metrics, restated
def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


@dataclass(frozen=True)
class Simple:
    """A sum over the rows of one semantic model.

    window: "sum" adds the period's months up (flows); "last" / "first" read only the
    period's last / first month (stocks, the bridge's start). complete_only: the metric never
    reads the month in progress (as fct_retention_monthly).
    """

    model: str
    unit: str
    value: Callable[[Row], float | None]
    window: str = "sum"
    complete_only: bool = False


@dataclass(frozen=True)
class Formula:
    """A metric computed from other metrics (ratio or derived), each read as `complete_only`."""

    unit: str
    inputs: tuple[str, ...]
    compute: Callable[..., float | None]
    complete_only: bool = False


def _if(condition: Callable[[Row], bool], value: Callable[[Row], Any]) -> Callable[[Row], Any]:
    return lambda row: value(row) if condition(row) else 0


def _column(name: str) -> Callable[[Row], Any]:
    return lambda row: row[name]


def _one(row: Row) -> int:
    return 1


def _in_cohort(row: Row) -> bool:
    return row["year_ago_mrr_cc"] > 0


def _ratio_of(numerator: str, denominator: str, unit: str = "fraction") -> Formula:
    return Formula(unit, (numerator, denominator), _ratio)


def _rate(inputs: tuple[str, ...], compute: Callable[..., float | None]) -> Formula:
    """A monthly rate of fct_retention_monthly: complete months only, 0 denominators null."""

    def guarded(*values: float | None) -> float | None:
        if any(value is None for value in values) or not values[-1]:
            return None
        return compute(*values)

    return Formula("fraction", inputs, guarded, complete_only=True)


STOCKS, MOVEMENTS, TTM = "account_months", "account_movements", "account_ttm_cohorts"


def _stock(unit: str, value: Callable[[Row], Any]) -> Simple:
    return Simple(STOCKS, unit, value, window="last")


def _flow(unit: str, value: Callable[[Row], Any]) -> Simple:
    return Simple(MOVEMENTS, unit, value)


def _ttm(unit: str, value: Callable[[Row], Any]) -> Simple:
    return Simple(TTM, unit, _if(_in_cohort, value), window="last", complete_only=True)


def _movement_is(kind: str) -> Callable[[Row], int]:
    return lambda row: 1 if row["movement_type"] == kind else 0


def _churn_is(kind: str) -> Callable[[Row], int]:
    return lambda row: 1 if row["churn_type"] == kind else 0


def _nps(unit: str, column: str, window: str = "sum") -> Simple:
    return Simple("nps_months", unit, _column(column), window=window)


def _nps_score(promoters: float, detractors: float, responses: float) -> float | None:
    return _ratio(100 * (promoters - detractors), responses)


REFERENCE: dict[str, Simple | Formula] = {
    # ---- stocks: the end of the period's last month, the month in progress included
    "mrr": _stock("money", _column("mrr")),
    "arr": _stock("money", _column("arr")),
    "active_customers": _stock("count", lambda row: 1 if row["mrr"] > 0 else 0),
    "cmrr": _stock("money", _column("cmrr")),
    "north_star_arr": _stock("money", _column("north_star_arr")),
    "red_health_arr": _stock(
        "money", _if(lambda row: row["health_status"] == "red", _column("arr"))
    ),
    "health_score_total": _stock(
        "points", lambda row: row["health_score"] if row["mrr"] > 0 else None
    ),
    "health_scored_customers": _stock(
        "count", lambda row: 1 if row["mrr"] > 0 and row["health_score"] is not None else 0
    ),
    "arpa": _ratio_of("mrr", "active_customers", "money"),
    "average_health_score": _ratio_of("health_score_total", "health_scored_customers", "points"),
    "red_health_arr_share": _ratio_of("red_health_arr", "arr"),
    "north_star": _ratio_of("north_star_arr", "arr"),
    # ---- movements: summed over the period's months, the month in progress included
    "starting_mrr": Simple(
        MOVEMENTS, "money", lambda row: row["prev_mrr_cc"] - row["fx_impact_mrr"], window="first"
    ),
    **{
        name: _flow("money", _column(name))
        for name in (
            "new_mrr",
            "reactivation_mrr",
            "expansion_mrr",
            "contraction_mrr",
            "churned_mrr",
            "fx_impact_mrr",
            "voluntary_churned_mrr",
            "involuntary_churned_mrr",
        )
    },
    "new_customers": _flow("count", _movement_is("new")),
    "reactivated_customers": _flow("count", _movement_is("reactivation")),
    "churned_customers": _flow("count", _movement_is("churn")),
    "voluntary_churned_customers": _flow("count", _churn_is("voluntary")),
    "involuntary_churned_customers": _flow("count", _churn_is("involuntary")),
    "starting_customers": _flow("count", lambda row: 1 if row["prev_mrr_cc"] > 0 else 0),
    "starting_mrr_cc": _flow("money", _column("prev_mrr_cc")),
    # ---- monthly rates: complete months only; pooled over a quarter or year
    "logo_churn_rate": _rate(
        ("churned_customers", "starting_customers"), lambda churned, start: churned / start
    ),
    "gross_mrr_churn_rate": _rate(
        ("churned_mrr", "contraction_mrr", "starting_mrr_cc"),
        lambda churned, contraction, start: -(churned + contraction) / start,
    ),
    "net_mrr_churn_rate": _rate(
        ("churned_mrr", "contraction_mrr", "expansion_mrr", "reactivation_mrr", "starting_mrr_cc"),
        lambda churned, contraction, expansion, reactivation, start: (
            -(churned + contraction + expansion + reactivation) / start
        ),
    ),
    "monthly_nrr": _rate(
        ("churned_mrr", "contraction_mrr", "expansion_mrr", "starting_mrr_cc"),
        lambda churned, contraction, expansion, start: (start + expansion + contraction + churned)
        / start,
    ),
    "monthly_grr": _rate(
        ("churned_mrr", "contraction_mrr", "starting_mrr_cc"),
        lambda churned, contraction, start: (start + contraction + churned) / start,
    ),
    # ---- trailing twelve months: the cohort of the period's last complete month
    "cohort_customers_ttm": _ttm("count", _one),
    "retained_customers_ttm": _ttm("count", lambda row: 1 if row["mrr"] > 0 else 0),
    "cohort_base_mrr_ttm": _ttm("money", _column("year_ago_mrr_cc")),
    "cohort_mrr_ttm": _ttm("money", _column("mrr")),
    "cohort_capped_mrr_ttm": _ttm("money", lambda row: min(row["mrr"], row["year_ago_mrr_cc"])),
    "nrr_ttm": _ratio_of("cohort_mrr_ttm", "cohort_base_mrr_ttm"),
    "grr_ttm": _ratio_of("cohort_capped_mrr_ttm", "cohort_base_mrr_ttm"),
    "logo_retention_ttm": _ratio_of("retained_customers_ttm", "cohort_customers_ttm"),
    # ---- renewals (fct_renewals), by renewal month
    "renewals_due": Simple("renewals", "count", _one),
    "renewals_renewed": Simple("renewals", "count", lambda row: 1 if row["is_renewed"] else 0),
    "renewal_arr_before": Simple("renewals", "money", _column("arr_before")),
    "renewal_arr_after": Simple("renewals", "money", _column("arr_after")),
    "renewal_arr_retained": Simple(
        "renewals", "money", lambda row: min(row["arr_after"], row["arr_before"])
    ),
    "logo_renewal_rate": _ratio_of("renewals_renewed", "renewals_due"),
    "gross_renewal_rate": _ratio_of("renewal_arr_retained", "renewal_arr_before"),
    "net_renewal_rate": _ratio_of("renewal_arr_after", "renewal_arr_before"),
    # ---- NPS (the tier rows of fct_nps_monthly); scores in points, -100 to 100
    "nps_responses": _nps("count", "responses"),
    "nps_promoters": _nps("count", "promoters"),
    "nps_passives": _nps("count", "passives"),
    "nps_detractors": _nps("count", "detractors"),
    "trailing_nps_responses": _nps("count", "trailing_responses", "last"),
    "trailing_nps_promoters": _nps("count", "trailing_promoters", "last"),
    "trailing_nps_detractors": _nps("count", "trailing_detractors", "last"),
    "nps": Formula("points", ("nps_promoters", "nps_detractors", "nps_responses"), _nps_score),
    "trailing_nps": Formula(
        "points",
        ("trailing_nps_promoters", "trailing_nps_detractors", "trailing_nps_responses"),
        _nps_score,
    ),
}

# What each group-by item means: the column of the semantic model's rows it reads. Items
# valid for every semantic model that has the entity:
SHARED_GROUP_BYS = {
    "metric_time": "month_start",
    "calendar_month": "month_start",
    "calendar_month__is_complete": "is_complete",
    "account": "account_id",
    # today's CRM values, 'unknown' when empty (as the marts' segments)
    "account__region": "region",
    "account__industry": "industry",
    "account__acquisition_channel": "acquisition_channel",
    "account__csm_owner": "csm_owner",
    "account__csm_owner_name": "csm_owner_name",
    "account__country_code": "country_code",
    "account__is_unmapped": "is_unmapped",
    "account__is_deleted": "is_deleted",
}
# ... and per semantic model: the segment each family is attributed to (metrics.md).
GROUP_BYS = {
    STOCKS: {
        "account_month__month_start": "month_start",
        "account_month__tier": "tier",
        "account_month__service_model": "service_model",
        "account_month__is_active": "is_active",
        "account_month__lifecycle_stage": "lifecycle_stage",
        "account_month__health_status": "health_status",
        "account_month__value_health_quadrant": "value_health_quadrant",
        "account_month__next_renewal_at": "next_renewal_at",
        "account_month__cohort_month": "cohort_month",
    },
    MOVEMENTS: {
        "account_movement__month_start": "month_start",
        "account_movement__tier": "movement_tier",
        "account_movement__service_model": "movement_service_model",
    },
    TTM: {
        "account_ttm__month_start": "month_start",
        "account_ttm__tier": "year_ago_tier",
        "account_ttm__service_model": "year_ago_service_model",
    },
    "renewals": {
        "renewal__renewal_month": "month_start",
        "renewal__is_renewed": "is_renewed",
        "renewal__renewal_number": "renewal_number",
        "renewal__term_months": "term_months",
        "subscription": "subscription_id",
    },
    "nps_months": {
        "nps_month__month_start": "month_start",
        "nps_month__tier": "tier",
    },
}
# the segment dimensions per family; a query by another family's is refused
SEGMENT_GROUP_BYS = {
    model: [name for name in items if name.endswith(("__tier", "__service_model"))]
    for model, items in GROUP_BYS.items()
    if model in (STOCKS, MOVEMENTS, TTM)
}


def _unit(metric: str) -> str:
    return REFERENCE[metric].unit


def _model(metric: str) -> str:
    definition = REFERENCE[metric]
    return definition.model if isinstance(definition, Simple) else _model(definition.inputs[0])


def _complete_only(metric: str) -> bool:
    """True when the metric never reads the month in progress (all its inputs)."""
    definition = REFERENCE[metric]
    if isinstance(definition, Formula):
        return definition.complete_only or all(map(_complete_only, definition.inputs))
    return definition.complete_only


# ============================================================ grouping and periods
def truncate(day: dt.date | None, grain: str) -> dt.date | None:
    """The first day of the day's period (weeks start on Monday, as in DuckDB)."""
    if day is None or grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return dt.date(day.year, 1, 1)


@dataclass(frozen=True)
class Item:
    """One group-by item as MetricFlow names it, and the row column it reads."""

    name: str
    column: str
    grain: str | None = None

    @property
    def is_period(self) -> bool:
        """A time dimension over the month itself: stocks read the last month of each value."""
        return self.grain is not None and self.column == "month_start"

    def value(self, row: Row) -> Any:
        value = row[self.column]
        return truncate(value, self.grain) if self.grain else value


class Reference:
    """The metrics of REFERENCE, evaluated in Python over the marts' rows."""

    def __init__(self, rows: dict[str, list[Row]]) -> None:
        self.rows = rows
        self._cache: dict[tuple, Any] = {}

    def _cached(self, key: tuple, compute: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def _window(
        self, model: str, window: str, periods: tuple[Item, ...], complete: bool
    ) -> list[Row]:
        """The rows a measure reads: complete months only if asked; for a stock only the last
        (first) month of each period, over all rows of the semantic model (MetricFlow's
        non_additive_dimension), whatever the other group-by items."""
        rows = self.rows[model]
        if complete:
            rows = [row for row in rows if row["is_complete"]]
        if window == "sum":
            return rows
        pick = max if window == "last" else min
        edge: dict[Key, dt.date] = {}
        for row in rows:
            period = tuple(item.value(row) for item in periods)
            edge[period] = pick(edge.get(period, row["month_start"]), row["month_start"])
        return [
            row
            for row in rows
            if row["month_start"] == edge[tuple(item.value(row) for item in periods)]
        ]

    def _grouped(
        self, model: str, window: str, items: tuple[Item, ...], complete: bool
    ) -> tuple[list[Row], list[Key]]:
        def compute() -> tuple[list[Row], list[Key]]:
            periods = tuple(item for item in items if item.is_period)
            rows = self._window(model, window, periods, complete)
            return rows, [tuple(item.value(row) for item in items) for row in rows]

        return self._cached(("rows", model, window, items, complete), compute)

    def evaluate(self, metric: str, items: Sequence[Item], complete: bool) -> dict[Key, Any]:
        """metric -> (group-by values) -> value, as MetricFlow should answer it."""
        return self._cached(
            ("metric", metric, tuple(items), complete),
            lambda: self._evaluate(metric, tuple(items), complete),
        )

    def _evaluate(self, metric: str, items: tuple[Item, ...], complete: bool) -> dict[Key, Any]:
        definition = REFERENCE[metric]
        if isinstance(definition, Formula):
            inputs = [
                self.evaluate(name, items, complete or definition.complete_only)
                for name in definition.inputs
            ]
            keys = set().union(*inputs)
            return {
                key: definition.compute(*(values.get(key) for values in inputs)) for key in keys
            }
        rows, keys = self._grouped(
            definition.model, definition.window, items, complete or definition.complete_only
        )
        sums: dict[Key, Any] = {}
        for row, key in zip(rows, keys, strict=True):
            value = definition.value(row)
            total = sums.setdefault(key, None)
            if value is not None:
                sums[key] = float(value) + (total or 0)
        return sums


# ===================================================================== comparison
@dataclass
class Comparison:
    """Collects the differences between two sources (reported all at once)."""

    problems: list[str] = field(default_factory=list)
    checked: int = 0

    def value(self, where: str, metric: str, expected: Any, actual: Any) -> None:
        self.checked += 1
        unit = _unit(metric)
        if unit in ("money", "count"):
            expected, actual = expected or 0, actual or 0
        if expected is None or actual is None:
            if expected is not None or actual is not None:
                self.problems.append(f"{where} {metric}: expected {expected!r}, got {actual!r}")
            return
        if abs(float(expected) - float(actual)) > TOLERANCE[unit]:
            self.problems.append(f"{where} {metric}: expected {expected!r}, got {actual!r}")

    def keyed(
        self,
        where: str,
        metric: str,
        expected: dict[Key, Any],
        actual: dict[Key, Any],
        keys: Iterable[Key] | None = None,
    ) -> None:
        """Compare keyed values; a key missing on one side is null (money and counts: 0)."""
        for key in sorted(keys if keys is not None else expected.keys() | actual.keys(), key=repr):
            self.value(f"{where} {key}", metric, expected.get(key), actual.get(key))

    def check(self) -> None:
        shown = "\n".join(self.problems[:40])
        assert not self.problems, f"{len(self.problems)} of {self.checked} differ:\n{shown}"


# ====================================================================== fixtures
def _normalise(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, Decimal):
        return float(value)
    return value


class SemanticLayer:
    """MetricFlow's engine on the fixture's database, plus plain SQL on its marts."""

    def __init__(self, engine: Any, sql_client: Any, lookup: Any) -> None:
        self.engine = engine
        self.sql_client = sql_client
        self.lookup = lookup
        self.manifest = lookup.semantic_manifest

    @staticmethod
    def _dicts(table: Any) -> list[Row]:
        names = [name.lower() for name in table.column_names]
        return [dict(zip(names, map(_normalise, row), strict=True)) for row in table.rows]

    def query(
        self,
        metrics: Iterable[str] = (),
        group_by: Iterable[str] = (),
        where: Iterable[str] = (),
        saved_query: str | None = None,
    ) -> list[Row]:
        from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

        request = MetricFlowQueryRequest.create(
            saved_query_name=saved_query,
            metric_names=list(metrics) or None,
            group_by_names=list(group_by) or None,
            where_constraints=list(where) or None,
        )
        return self._dicts(self.engine.query(request).result_df)

    def keyed(
        self, metrics: Sequence[str], items: Sequence[Item], where: Iterable[str] = ()
    ) -> dict[str, dict[Key, Any]]:
        """metric -> (group-by values) -> value, for one MetricFlow query."""
        rows = self.query(metrics, [item.name for item in items], where)
        out: dict[str, dict[Key, Any]] = {metric: {} for metric in metrics}
        for row in rows:
            key = tuple(row[item.name.lower()] for item in items)
            for metric in metrics:
                assert key not in out[metric], f"duplicate MetricFlow row {key}"
                out[metric][key] = row[metric]
        return out

    def sql(self, statement: str) -> list[Row]:
        return self._dicts(self.sql_client.query(statement))

    def group_bys(self, metric: str) -> list[Item]:
        """Every group-by item MetricFlow offers for the metric, at each time grain it allows.

        Items it offers that GROUP_BYS does not define for the metric's semantic model are
        returned with the column '?' (the tests fail on them).
        """
        from metricflow_semantic_interfaces.type_enums import DimensionType

        columns = {**SHARED_GROUP_BYS, **GROUP_BYS[_model(metric)]}
        items = []
        for group_by in self.engine.list_group_bys([metric]):
            name = getattr(group_by, "dunder_name", group_by.name)
            if getattr(group_by, "type", None) is not DimensionType.TIME:
                items.append(Item(name, columns.get(name, "?")))
                continue
            smallest = group_by.type_params.time_granularity.value
            name = re.sub(f"__{smallest}$", "", name)
            for grain in GRAINS[GRAINS.index(smallest) :]:
                if grain == "week" and smallest != "day":
                    continue  # a month does not split into weeks
                items.append(Item(f"{name}__{grain}", columns.get(name, "?"), grain))
        return items


@pytest.fixture(scope="module")
def semantic(
    built_db: Path, small_vars: dict, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SemanticLayer]:
    from dbt.adapters.factory import get_adapter_by_type
    from dbt_metricflow.cli.dbt_connectors.adapter_backed_client import AdapterBackedSqlClient
    from dbt_metricflow.cli.dbt_connectors.dbt_config_accessor import dbtProjectMetadata
    from metricflow.engine.metricflow_engine import MetricFlowEngine
    from metricflow_semantics.model.dbt_manifest_parser import (
        parse_manifest_from_dbt_generated_manifest,
    )
    from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

    target = tmp_path_factory.mktemp("semantic") / "target"
    run_dbt(["parse"], db_path=built_db, target_path=target, vars_=small_vars)
    manifest = parse_manifest_from_dbt_generated_manifest(
        (target / "semantic_manifest.json").read_text()
    )
    saved_env = {name: os.environ.get(name) for name in ("CS_METRICS_DB", "CS_METRICS_TARGET")}
    # readers share the file read-only: the profile output documented for mf and BI tools
    os.environ["CS_METRICS_DB"] = str(built_db)
    os.environ["CS_METRICS_TARGET"] = "duckdb_readonly"
    try:
        project = dbtProjectMetadata.load_from_paths(
            profiles_path=ROOT / "profiles", project_path=ROOT
        )
        adapter = get_adapter_by_type(project.profile.credentials.type)
        sql_client = AdapterBackedSqlClient(adapter)
        lookup = SemanticManifestLookup(manifest)
        engine = MetricFlowEngine(semantic_manifest_lookup=lookup, sql_client=sql_client)
        yield SemanticLayer(engine, sql_client, lookup)
    finally:
        _release_duckdb()
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def as_of(small_vars: dict) -> dt.date:
    return dt.date.fromisoformat(small_vars["as_of_date"])


def _is_complete(month: dt.date, as_of: dt.date) -> bool:
    """metrics.md: a month is complete when its last day is before as_of_date."""
    return dt.date(month.year, month.month, calendar.monthrange(month.year, month.month)[1]) < as_of


@pytest.fixture(scope="module")
def reference(semantic: SemanticLayer, as_of: dt.date) -> Reference:
    """The rows of each semantic model, read from the marts, with the columns GROUP_BYS names."""
    accounts = {
        row["account_id"]: {
            "account_id": row["account_id"],
            **{
                column: row[source] or "unknown"
                for column, source in (
                    ("region", "region"),
                    ("industry", "industry"),
                    ("acquisition_channel", "acquisition_channel"),
                    ("csm_owner", "csm_owner_id"),
                )
            },
            **{
                column: row[column]
                for column in ("csm_owner_name", "country_code", "is_unmapped", "is_deleted")
            },
        }
        for row in semantic.sql("select * from marts.dim_accounts")
    }

    def rows(statement: str, month_column: str) -> list[Row]:
        out = []
        for row in semantic.sql(statement):
            month = row[month_column]
            out.append(
                {
                    **row,
                    **accounts.get(row.get("account_id"), {}),
                    "month_start": month,
                    "is_complete": _is_complete(month, as_of),
                }
            )
        return out

    account_months = rows("select * from marts.fct_account_months", "month_start")
    return Reference(
        {
            STOCKS: account_months,
            MOVEMENTS: account_months,
            TTM: account_months,
            "renewals": rows("select * from marts.fct_renewals", "renewal_month"),
            "nps_months": rows(
                "select * from marts.fct_nps_monthly where tier <> 'all'", "month_start"
            ),
        }
    )


# ========================================================================= tests
def test_semantic_manifest_is_valid_and_complete(semantic: SemanticLayer) -> None:
    from metricflow_semantic_interfaces.references import MetricReference
    from metricflow_semantic_interfaces.validations.semantic_manifest_validator import (
        SemanticManifestValidator,
    )

    results = SemanticManifestValidator().validate_semantic_manifest(semantic.manifest)
    assert not results.has_blocking_issues, results.summary()
    names = {metric.name for metric in semantic.manifest.metrics}
    assert names == set(REFERENCE), (
        f"not restated in REFERENCE: {sorted(names - set(REFERENCE))};"
        f" missing from the semantic layer: {sorted(set(REFERENCE) - names)}"
    )
    # each metric reads the semantic model of its family (and so its family's segment)
    lookup = semantic.lookup.metric_lookup
    wrong_model = {
        name: sorted(model.semantic_model_name for model in models)
        for name in names
        if (models := lookup.get_derived_from_semantic_models(MetricReference(name)))
        and {model.semantic_model_name for model in models} != {_model(name)}
    }
    assert not wrong_model, f"metrics outside their family's semantic model: {wrong_model}"
    spines = semantic.manifest.project_configuration.time_spines
    assert [spine.node_relation.alias for spine in spines] == ["time_spine_daily"]


def test_time_spine_ends_with_the_as_of_month(semantic: SemanticLayer, as_of: dt.date) -> None:
    (row,) = semantic.sql(
        "select min(date_day) as first_day, max(date_day) as last_day, count(*) as days"
        " from marts.time_spine_daily"
    )
    (months,) = semantic.sql("select min(month_start) as first_month from marts.fct_account_months")
    first, last = row["first_day"], row["last_day"]
    days_in_month = calendar.monthrange(as_of.year, as_of.month)[1]
    assert last == dt.date(as_of.year, as_of.month, days_in_month)
    assert first <= months["first_month"] and first.day == 1
    assert row["days"] == (last - first).days + 1


def _mart(
    semantic: SemanticLayer, table: str, key: Sequence[str], where: str = "true"
) -> dict[Key, Row]:
    rows = semantic.sql(f"select * from marts.{table} where {where}")
    return {tuple(row[name] for name in key): row for row in rows}


def _compare_with_mart(
    comparison: Comparison,
    reference: Reference,
    label: str,
    mart: dict[Key, Row],
    columns: dict[str, str],
    items: Sequence[Item],
    complete: bool = False,
) -> None:
    """Reference values by `items` against the mart's columns (metric -> column)."""
    assert mart, label
    for metric, column in columns.items():
        expected = {key: row[column] for key, row in mart.items()}
        actual = reference.evaluate(metric, items, complete)
        comparison.keyed(label, metric, expected, actual)


MONTH = Item("metric_time__month", "month_start", "month")
# fct_mrr_bridge_monthly: the stocks at the month's end and every movement-model sum
BRIDGE = {
    "mrr": "ending_mrr",
    "active_customers": "ending_customers",
    **{
        metric: metric
        for metric, definition in REFERENCE.items()
        if isinstance(definition, Simple)
        and definition.model == MOVEMENTS
        and metric != "starting_mrr_cc"
    },
}
RETENTION = {
    STOCKS: {"active_customers": "active_customers", "mrr": "ending_mrr"},
    MOVEMENTS: {
        metric: metric
        for metric in REFERENCE
        if _model(metric) == MOVEMENTS and metric != "starting_mrr"
    },
    TTM: {metric: metric for metric in REFERENCE if _model(metric) == TTM},
}
NORTH_STAR = {
    metric: metric for metric in ("north_star", "north_star_arr", "arr", "active_customers")
}
CRM_SEGMENTS = ("region", "industry", "acquisition_channel", "csm_owner")


def _segment_items(model: str, segment_type: str) -> list[Item]:
    """By month and a segment type of the marts, as the semantic model's family reads it."""
    if segment_type == "all":
        return [MONTH]
    if segment_type in ("tier", "service_model"):
        (name,) = (name for name in SEGMENT_GROUP_BYS[model] if name.endswith(segment_type))
    else:
        name = f"account__{segment_type}"
    return [MONTH, Item(name, {**SHARED_GROUP_BYS, **GROUP_BYS[model]}[name])]


def test_reference_is_the_marts_definition(
    semantic: SemanticLayer, reference: Reference, as_of: dt.date
) -> None:
    """REFERENCE and GROUP_BYS give the aggregated marts' numbers, segment by segment."""
    comparison = Comparison()
    bridge = _mart(semantic, "fct_mrr_bridge_monthly", ["month_start"])
    assert all(
        row["is_month_complete"] == _is_complete(key[0], as_of) for key, row in bridge.items()
    )
    _compare_with_mart(comparison, reference, "bridge", bridge, BRIDGE, [MONTH])

    # retention by segment: complete months; each family by its own segment
    for segment_type in ("all", "tier", "service_model", *CRM_SEGMENTS):
        key = ["month_start"] if segment_type == "all" else ["month_start", "segment_value"]
        where = f"segment_type = '{segment_type}'"
        retention = _mart(semantic, "fct_retention_monthly", key, where)
        for model, columns in RETENTION.items():
            items = _segment_items(model, segment_type)
            label = f"retention {segment_type} ({model})"
            _compare_with_mart(comparison, reference, label, retention, columns, items, True)
        # the north star: every month, stocks by the segment at the end of M
        north_star = _mart(semantic, "fct_north_star_monthly", key, where)
        items = _segment_items(STOCKS, segment_type)
        label = f"north star {segment_type}"
        _compare_with_mart(comparison, reference, label, north_star, NORTH_STAR, items)

    # health by CSM: the book of business
    books = _mart(semantic, "fct_csm_book_monthly", ["month_start", "csm_owner_id"])
    csm = Item("account__csm_owner", "csm_owner")
    book_columns = {
        "arr": "arr",
        "red_health_arr": "arr_red_health",
        "health_scored_customers": "accounts_with_health_score",
        "average_health_score": "average_health_score",
        "active_customers": "accounts",
    }
    _compare_with_mart(comparison, reference, "csm book", books, book_columns, [MONTH, csm])

    renewals = _mart(semantic, "fct_renewals_monthly", ["renewal_month"])
    renewal_columns = {
        "renewals_due": "renewals_due",
        "renewals_renewed": "renewals_renewed",
        "renewal_arr_before": "arr_before",
        "renewal_arr_after": "arr_after",
        "renewal_arr_retained": "arr_retained",
        "logo_renewal_rate": "logo_renewal_rate",
        "gross_renewal_rate": "gross_renewal_rate",
        "net_renewal_rate": "net_renewal_rate",
    }
    _compare_with_mart(comparison, reference, "renewals", renewals, renewal_columns, [MONTH])

    nps_columns = {
        "nps": "nps",
        "nps_responses": "responses",
        "nps_promoters": "promoters",
        "nps_passives": "passives",
        "nps_detractors": "detractors",
        "trailing_nps": "trailing_nps",
        "trailing_nps_responses": "trailing_responses",
        "trailing_nps_promoters": "trailing_promoters",
        "trailing_nps_detractors": "trailing_detractors",
    }
    overall = _mart(semantic, "fct_nps_monthly", ["month_start"], "tier = 'all'")
    _compare_with_mart(comparison, reference, "nps all", overall, nps_columns, [MONTH])
    by_tier = _mart(semantic, "fct_nps_monthly", ["month_start", "tier"], "tier <> 'all'")
    tier = Item("nps_month__tier", "tier")
    _compare_with_mart(comparison, reference, "nps tier", by_tier, nps_columns, [MONTH, tier])
    comparison.check()


def _queries(items: Sequence[Item]) -> Iterator[tuple[list[Item], bool]]:
    """The group-bys asked for each item: alone, by month, by quarter without the month in
    progress (where stocks read each quarter's last complete month); plus nothing at all."""
    yield [], False
    quarter = Item("metric_time__quarter", "month_start", "quarter")
    for item in items:
        yield [item], False
        if not item.is_period:
            yield [MONTH, item], False
            yield [quarter, item], True
    yield [quarter], True


def test_every_metric_by_every_group_by_item(semantic: SemanticLayer, reference: Reference) -> None:
    started = time.monotonic()
    # metrics that MetricFlow offers the same group-by items are asked together
    batches: dict[tuple[Item, ...], list[str]] = {}
    for metric in sorted(REFERENCE):
        batches.setdefault(tuple(semantic.group_bys(metric)), []).append(metric)
    undefined = {
        item.name: metrics
        for items, metrics in batches.items()
        for item in items
        if item.column == "?"
    }
    assert not undefined, (
        "MetricFlow offers group-by items that no mart defines for these metrics (a wrong"
        f" join, or a dimension missing from GROUP_BYS): {undefined}"
    )
    comparison = Comparison()
    queries = combinations = 0
    for items, metrics in batches.items():
        for group_by, complete in _queries(items):
            actual = semantic.keyed(metrics, group_by, [COMPLETE] if complete else [])
            queries += 1
            combinations += len(metrics)
            label = (
                "by "
                + ", ".join(item.name for item in group_by)
                + (" (complete months)" if complete else "")
            )
            for metric in metrics:
                expected = reference.evaluate(metric, group_by, complete)
                comparison.keyed(label, metric, expected, actual[metric])
    seconds = time.monotonic() - started
    print(
        f"{combinations} metric x group-by combinations ({comparison.checked} values)"
        f" in {queries} queries, {seconds:.1f} s"
    )
    comparison.check()


def test_month_in_progress_never_feeds_ttm_or_monthly_rates(
    semantic: SemanticLayer, as_of: dt.date
) -> None:
    complete_only = [metric for metric in REFERENCE if _complete_only(metric)]
    assert {"nrr_ttm", "logo_churn_rate", "monthly_nrr", "cohort_customers_ttm"} <= set(
        complete_only
    )
    month = as_of.replace(day=1)
    quarter = truncate(month, "quarter")
    by_month = semantic.keyed(complete_only, [MONTH])
    by_quarter = semantic.keyed(
        complete_only, [Item("metric_time__quarter", "month_start", "quarter")]
    )
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    comparison = Comparison()
    for metric in complete_only:
        assert by_month[metric].get((month,)) is None, metric
        if _model(metric) == TTM and previous >= quarter:
            # the quarter holding the month in progress: its last complete month
            expected = by_month[metric][(previous,)]
            comparison.value(f"{quarter}", metric, expected, by_quarter[metric][(quarter,)])
    comparison.check()


def _first_suggestion(error: Exception) -> str | None:
    found = re.search(r"Suggestions:\s*\[\s*'([^']+)'", str(error))
    return found.group(1) if found else None


def test_other_segments_are_refused_with_the_right_suggestion(semantic: SemanticLayer) -> None:
    """A metric asked by another family's tier (or today's tier) fails; MetricFlow's first
    suggestion is the metric's own segment dimension."""
    problems = []
    for metric in sorted(REFERENCE):
        model = _model(metric)
        own = SEGMENT_GROUP_BYS.get(model, [])
        wrong = [
            name for other, names in SEGMENT_GROUP_BYS.items() if other != model for name in names
        ] + ["account__tier", "account__current_tier", "account__service_model"]
        for name in wrong:
            try:
                semantic.query([metric], ["metric_time__month", name])
            except Exception as error:
                suggestion = _first_suggestion(error)
                segment = name.rsplit("__", 1)[1].replace("current_", "")
                right = [own_name for own_name in own if own_name.endswith(f"__{segment}")]
                if right and suggestion != right[0]:
                    problems.append(f"{metric} by {name}: first suggestion {suggestion!r}")
            else:
                problems.append(f"{metric} by {name}: answered")
    assert not problems, "\n".join(problems)


def test_saved_queries_leave_out_the_month_in_progress(
    semantic: SemanticLayer, reference: Reference, as_of: dt.date
) -> None:
    names = sorted(query.name for query in semantic.manifest.saved_queries)
    assert {"board_mrr_bridge", "board_retention_ttm", "board_churn_by_tier"} <= set(names)
    assert {"cs_health_mix", "cs_renewals_due"} <= set(names)
    comparison = Comparison()
    for saved in semantic.manifest.saved_queries:
        wheres = (
            [where.where_sql_template for where in saved.query_params.where.where_filters]
            if saved.query_params.where
            else []
        )
        includes = "month_in_progress" in saved.tags
        if includes:
            assert "month in progress" in saved.description, saved.name
        else:
            assert COMPLETE in wheres, f"{saved.name} reads the month in progress"
        rows = semantic.query(saved_query=saved.name)
        assert rows, saved.name
        months = {row.get("metric_time__month") for row in rows}
        if not includes:
            assert as_of.replace(day=1) not in months, saved.name
        if saved.name == "board_mrr_bridge":
            got = {(row["metric_time__month"],): row for row in rows}
            for metric in saved.query_params.metrics:
                expected = reference.evaluate(metric, [MONTH], complete=True)
                comparison.keyed(
                    saved.name, metric, expected, {k: r[metric] for k, r in got.items()}
                )
    comparison.check()
