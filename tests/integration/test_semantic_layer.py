"""The semantic layer (MetricFlow) returns the marts' numbers.

On the small generated data set, `dbt parse` writes the semantic manifest and every metric is
queried through MetricFlow's engine (what `mf query` runs, here in-process through the
read-only DuckDB profile output) by month and by the dimension its definition attributes it
to, then compared with the public marts: money within 0.01, ratios within 1e-6.

- stocks (mrr, arr, active customers, health, north star) by the segment at the end of M;
- movements and monthly rates by the segment of the month's movements (movement_tier);
- trailing-twelve-month retention by the segment at M-12 (year_ago_tier);
- CRM segments (region, industry, acquisition channel, CSM owner) for all three;
- stocks at quarter and year grain are the period's last month, flows its sum;
- renewals, NPS and the saved queries.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conftest import _release_duckdb, run_dbt

ROOT = Path(__file__).resolve().parents[2]
MONEY = 0.01
RATIO = 1e-6
# health scores are stored with 6 decimals in the marts, so means of them differ by rounding
SCORE = 1e-5
COMPLETE = "{{ Dimension('account_month__is_month_complete') }} = true"

# metric -> tolerance; counts are compared exactly
MONEY_METRICS = {
    "mrr",
    "arr",
    "arpa",
    "cmrr",
    "starting_mrr",
    "new_mrr",
    "reactivation_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churned_mrr",
    "fx_impact_mrr",
    "voluntary_churned_mrr",
    "involuntary_churned_mrr",
    "starting_mrr_cc",
    "cohort_base_mrr_ttm",
    "cohort_mrr_ttm",
    "cohort_capped_mrr_ttm",
    "north_star_arr",
    "red_health_arr",
    "health_score_total",
    "renewal_arr_before",
    "renewal_arr_after",
    "renewal_arr_retained",
}
COUNT_METRICS = {
    "active_customers",
    "new_customers",
    "reactivated_customers",
    "churned_customers",
    "voluntary_churned_customers",
    "involuntary_churned_customers",
    "starting_customers",
    "cohort_customers_ttm",
    "retained_customers_ttm",
    "health_scored_customers",
    "renewals_due",
    "renewals_renewed",
    "nps_responses",
    "nps_promoters",
    "nps_passives",
    "nps_detractors",
    "trailing_nps_responses",
    "trailing_nps_promoters",
    "trailing_nps_detractors",
}
SCORE_METRICS = {"average_health_score"}

# Which dimension each family of metrics is split by, per segment type of the marts.
SEGMENT_DIMENSIONS = {
    "tier": {
        "stock": "account_month__tier",
        "movement": "account_month__movement_tier",
        "ttm": "account_month__year_ago_tier",
    },
    "service_model": {
        "stock": "account_month__service_model",
        "movement": "account_month__movement_service_model",
        "ttm": "account_month__year_ago_service_model",
    },
    **{
        segment_type: dict.fromkeys(("stock", "movement", "ttm"), f"account__{segment_type}")
        for segment_type in ("region", "industry", "acquisition_channel", "csm_owner")
    },
}

# fct_retention_monthly column of each metric, per family
RETENTION_STOCKS = {"active_customers": "active_customers", "mrr": "ending_mrr"}
RETENTION_MOVEMENTS = {
    "starting_customers": "starting_customers",
    "new_customers": "new_customers",
    "reactivated_customers": "reactivated_customers",
    "churned_customers": "churned_customers",
    "voluntary_churned_customers": "voluntary_churned_customers",
    "involuntary_churned_customers": "involuntary_churned_customers",
    "starting_mrr_cc": "starting_mrr_cc",
    "new_mrr": "new_mrr",
    "reactivation_mrr": "reactivation_mrr",
    "expansion_mrr": "expansion_mrr",
    "contraction_mrr": "contraction_mrr",
    "churned_mrr": "churned_mrr",
    "voluntary_churned_mrr": "voluntary_churned_mrr",
    "involuntary_churned_mrr": "involuntary_churned_mrr",
    "fx_impact_mrr": "fx_impact_mrr",
    "logo_churn_rate": "logo_churn_rate",
    "gross_mrr_churn_rate": "gross_mrr_churn_rate",
    "net_mrr_churn_rate": "net_mrr_churn_rate",
    "monthly_nrr": "monthly_nrr",
    "monthly_grr": "monthly_grr",
}
RETENTION_TTM = {
    "cohort_customers_ttm": "cohort_customers_ttm",
    "retained_customers_ttm": "retained_customers_ttm",
    "cohort_base_mrr_ttm": "cohort_base_mrr_ttm",
    "cohort_mrr_ttm": "cohort_mrr_ttm",
    "cohort_capped_mrr_ttm": "cohort_capped_mrr_ttm",
    "nrr_ttm": "nrr_ttm",
    "grr_ttm": "grr_ttm",
    "logo_retention_ttm": "logo_retention_ttm",
}
NORTH_STAR = {
    "north_star": "north_star",
    "north_star_arr": "north_star_arr",
    "arr": "arr",
    "active_customers": "active_customers",
}
BRIDGE = {
    "mrr": "ending_mrr",
    "active_customers": "ending_customers",
    "starting_mrr": "starting_mrr",
    "new_mrr": "new_mrr",
    "reactivation_mrr": "reactivation_mrr",
    "expansion_mrr": "expansion_mrr",
    "contraction_mrr": "contraction_mrr",
    "churned_mrr": "churned_mrr",
    "fx_impact_mrr": "fx_impact_mrr",
    "voluntary_churned_mrr": "voluntary_churned_mrr",
    "involuntary_churned_mrr": "involuntary_churned_mrr",
    "new_customers": "new_customers",
    "reactivated_customers": "reactivated_customers",
    "churned_customers": "churned_customers",
    "voluntary_churned_customers": "voluntary_churned_customers",
    "involuntary_churned_customers": "involuntary_churned_customers",
}
RENEWALS = {
    "renewals_due": "renewals_due",
    "renewals_renewed": "renewals_renewed",
    "renewal_arr_before": "arr_before",
    "renewal_arr_after": "arr_after",
    "renewal_arr_retained": "arr_retained",
    "logo_renewal_rate": "logo_renewal_rate",
    "gross_renewal_rate": "gross_renewal_rate",
    "net_renewal_rate": "net_renewal_rate",
}
NPS = {
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
HEALTH = {
    "red_health_arr",
    "red_health_arr_share",
    "average_health_score",
    "health_scored_customers",
    "health_score_total",
}
# every metric some test below compares with a mart; a new metric needs a comparison
COMPARED_METRICS = {
    *BRIDGE,
    *RETENTION_MOVEMENTS,
    *RETENTION_TTM,
    *NORTH_STAR,
    *RENEWALS,
    *NPS,
    *HEALTH,
    "arpa",
    "cmrr",
}


def _month(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _quarter_start(month: dt.date) -> dt.date:
    return dt.date(month.year, (month.month - 1) // 3 * 3 + 1, 1)


@dataclass
class Comparison:
    """Collects the differences between MetricFlow and a mart (reported all at once)."""

    problems: list[str] = field(default_factory=list)

    def value(self, where: str, metric: str, expected: Any, actual: Any) -> None:
        if metric in COUNT_METRICS:
            expected, actual = expected or 0, actual or 0
        if metric in MONEY_METRICS:
            expected = 0.0 if expected is None else expected
            actual = 0.0 if actual is None else actual
        if expected is None or actual is None:
            if expected is not None or actual is not None:
                self.problems.append(f"{where} {metric}: mart {expected!r}, MetricFlow {actual!r}")
            return
        tolerance = (
            MONEY if metric in MONEY_METRICS else SCORE if metric in SCORE_METRICS else RATIO
        )
        if metric in COUNT_METRICS:
            tolerance = 0
        if abs(float(expected) - float(actual)) > tolerance:
            self.problems.append(f"{where} {metric}: mart {expected!r}, MetricFlow {actual!r}")

    def rows(
        self,
        label: str,
        expected: dict[tuple, dict[str, Any]],
        actual: dict[tuple, dict[str, Any]],
        columns: dict[str, str],
        keys: Iterable[tuple] | None = None,
    ) -> None:
        """Compare keyed rows; a row missing on one side counts as zeros (ratios: null)."""
        for key in sorted(keys if keys is not None else expected.keys() | actual.keys(), key=repr):
            mart_row = expected.get(key, {})
            mf_row = actual.get(key, {})
            for metric, column in columns.items():
                self.value(f"{label} {key}", metric, mart_row.get(column), mf_row.get(metric))

    def check(self) -> None:
        shown = "\n".join(self.problems[:30])
        assert not self.problems, f"{len(self.problems)} differences:\n{shown}"


class SemanticLayer:
    """MetricFlow's engine on the fixture's database, plus plain SQL on its marts."""

    def __init__(self, engine: Any, sql_client: Any, manifest: Any) -> None:
        self.engine = engine
        self.sql_client = sql_client
        self.manifest = manifest

    @staticmethod
    def _dicts(table: Any) -> list[dict[str, Any]]:
        names = [name.lower() for name in table.column_names]
        return [dict(zip(names, row, strict=True)) for row in table.rows]

    def query(
        self,
        metrics: Iterable[str],
        group_by: Iterable[str],
        where: Iterable[str] = (),
        saved_query: str | None = None,
    ) -> list[dict[str, Any]]:
        from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

        request = MetricFlowQueryRequest.create(
            saved_query_name=saved_query,
            metric_names=list(metrics) or None,
            group_by_names=list(group_by) or None,
            where_constraints=list(where) or None,
        )
        return self._dicts(self.engine.query(request).result_df)

    def keyed(
        self, metrics: Iterable[str], group_by: list[str], where: Iterable[str] = ()
    ) -> dict[tuple, dict[str, Any]]:
        rows = self.query(metrics, group_by, where)
        keyed = {}
        for row in rows:
            key = (_month(row[group_by[0]]), *(row[name] for name in group_by[1:]))
            assert key not in keyed, f"duplicate MetricFlow row {key}"
            keyed[key] = row
        return keyed

    def sql(self, statement: str) -> list[dict[str, Any]]:
        return self._dicts(self.sql_client.query(statement))

    def mart(self, table: str, key: list[str], where: str = "true") -> dict[tuple, dict]:
        rows = self.sql(f"select * from marts.{table} where {where}")
        return {(_month(row[key[0]]), *(row[name] for name in key[1:])): row for row in rows}


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
        engine = MetricFlowEngine(
            semantic_manifest_lookup=SemanticManifestLookup(manifest), sql_client=sql_client
        )
        yield SemanticLayer(engine, sql_client, manifest)
    finally:
        _release_duckdb()
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def test_semantic_manifest_is_valid_and_complete(semantic: SemanticLayer) -> None:
    from metricflow_semantic_interfaces.validations.semantic_manifest_validator import (
        SemanticManifestValidator,
    )

    results = SemanticManifestValidator().validate_semantic_manifest(semantic.manifest)
    assert not results.has_blocking_issues, results.summary()
    names = {metric.name for metric in semantic.manifest.metrics}
    assert names == COMPARED_METRICS, (
        f"not compared with a mart: {sorted(names - COMPARED_METRICS)};"
        f" missing from the semantic layer: {sorted(COMPARED_METRICS - names)}"
    )
    untagged = [
        metric.name
        for metric in semantic.manifest.metrics
        if not (metric.config and metric.config.meta.get("group_tier_by"))
    ]
    assert not untagged, f"metrics without config.meta.group_tier_by: {untagged}"
    spines = semantic.manifest.project_configuration.time_spines
    assert [spine.node_relation.alias for spine in spines] == ["time_spine_daily"]


def test_time_spine_ends_with_the_as_of_month(semantic: SemanticLayer, small_vars: dict) -> None:
    as_of = dt.date.fromisoformat(small_vars["as_of_date"])
    (row,) = semantic.sql(
        "select min(date_day) as first_day, max(date_day) as last_day, count(*) as days"
        " from marts.time_spine_daily"
    )
    (months,) = semantic.sql("select min(month_start) as first_month from marts.fct_account_months")
    first, last = _month(row["first_day"]), _month(row["last_day"])
    days_in_month = calendar.monthrange(as_of.year, as_of.month)[1]
    assert last == dt.date(as_of.year, as_of.month, days_in_month)
    assert first <= _month(months["first_month"]) and first.day == 1
    assert row["days"] == (last - first).days + 1


def test_monthly_totals_match_the_bridge_and_the_retention_marts(semantic: SemanticLayer) -> None:
    metrics = sorted({*BRIDGE, *RETENTION_MOVEMENTS, *RETENTION_TTM, *NORTH_STAR, *HEALTH})
    metrics += ["arpa", "cmrr"]
    actual = semantic.keyed(metrics, ["metric_time__month"])
    comparison = Comparison()

    bridge = semantic.mart("fct_mrr_bridge_monthly", ["month_start"])
    assert bridge and set(bridge) == set(actual)
    comparison.rows("bridge", bridge, actual, BRIDGE)
    for key, row in bridge.items():
        arpa = row["ending_mrr"] / row["ending_customers"] if row["ending_customers"] else None
        comparison.value(f"bridge {key}", "arpa", arpa, actual[key]["arpa"])

    retention = semantic.mart("fct_retention_monthly", ["month_start"], "segment_type = 'all'")
    assert retention
    comparison.rows(
        "retention all",
        retention,
        actual,
        {**RETENTION_STOCKS, **RETENTION_MOVEMENTS, **RETENTION_TTM},
        keys=retention,
    )

    north_star = semantic.mart("fct_north_star_monthly", ["month_start"], "segment_type = 'all'")
    comparison.rows("north star all", north_star, actual, NORTH_STAR, keys=bridge)

    cmrr = {
        (_month(row["month_start"]),): row
        for row in semantic.sql(
            "select month_start, sum(cmrr) as cmrr from marts.fct_account_months"
            " group by month_start"
        )
    }
    comparison.rows("fct_account_months", cmrr, actual, {"cmrr": "cmrr"})

    books = semantic.sql(
        "select month_start, sum(arr) as arr, sum(arr_red_health) as arr_red_health,"
        " sum(accounts_with_health_score) as scored,"
        " sum(average_health_score * accounts_with_health_score) as score_total"
        " from marts.fct_csm_book_monthly group by month_start"
    )
    for row in books:
        key = (_month(row["month_start"]),)
        got = actual[key]
        where = f"csm book all {key}"
        comparison.value(where, "red_health_arr", row["arr_red_health"], got["red_health_arr"])
        share = row["arr_red_health"] / row["arr"] if row["arr"] else None
        comparison.value(where, "red_health_arr_share", share, got["red_health_arr_share"])
        comparison.value(
            where, "health_scored_customers", row["scored"], got["health_scored_customers"]
        )
        comparison.value(where, "health_score_total", row["score_total"], got["health_score_total"])
        mean = row["score_total"] / row["scored"] if row["scored"] else None
        comparison.value(where, "average_health_score", mean, got["average_health_score"])
    comparison.check()


@pytest.mark.parametrize("segment_type", sorted(SEGMENT_DIMENSIONS))
def test_segments_follow_the_attribution_rules(semantic: SemanticLayer, segment_type: str) -> None:
    dimensions = SEGMENT_DIMENSIONS[segment_type]
    comparison = Comparison()
    retention = semantic.mart(
        "fct_retention_monthly",
        ["month_start", "segment_value"],
        f"segment_type = '{segment_type}'",
    )
    complete_months = {key[0] for key in retention}
    assert retention and len(complete_months) > 12
    families = {
        "stock": RETENTION_STOCKS,
        "movement": RETENTION_MOVEMENTS,
        "ttm": RETENTION_TTM,
    }
    for family, columns in families.items():
        actual = semantic.keyed(columns, ["metric_time__month", dimensions[family]])
        keys = {key for key in actual.keys() | retention.keys() if key[0] in complete_months}
        comparison.rows(f"retention {segment_type} {family}", retention, actual, columns, keys)

    north_star = semantic.mart(
        "fct_north_star_monthly",
        ["month_start", "segment_value"],
        f"segment_type = '{segment_type}'",
    )
    actual = semantic.keyed(NORTH_STAR, ["metric_time__month", dimensions["stock"]])
    comparison.rows(f"north star {segment_type}", north_star, actual, NORTH_STAR)
    comparison.check()


def test_health_by_csm_matches_the_book_of_business(semantic: SemanticLayer) -> None:
    columns = {
        "arr": "arr",
        "red_health_arr": "arr_red_health",
        "health_scored_customers": "accounts_with_health_score",
        "average_health_score": "average_health_score",
        "active_customers": "accounts",
    }
    books = semantic.mart("fct_csm_book_monthly", ["month_start", "csm_owner_id"])
    actual = semantic.keyed(columns, ["metric_time__month", "account__csm_owner"])
    comparison = Comparison()
    comparison.rows("csm book", books, actual, columns)
    comparison.check()


def test_stocks_at_quarter_and_year_grain_are_the_last_month(semantic: SemanticLayer) -> None:
    bridge = semantic.mart("fct_mrr_bridge_monthly", ["month_start"])
    north_star = semantic.mart("fct_north_star_monthly", ["month_start"], "segment_type = 'all'")
    cmrr = {
        _month(row["month_start"]): row["cmrr"]
        for row in semantic.sql(
            "select month_start, sum(cmrr) as cmrr from marts.fct_account_months"
            " group by month_start"
        )
    }
    comparison = Comparison()
    for grain, start_of in (
        ("quarter", _quarter_start),
        ("year", lambda month: dt.date(month.year, 1, 1)),
    ):
        periods: dict[dt.date, list[dt.date]] = {}
        for (month,) in sorted(bridge):
            periods.setdefault(start_of(month), []).append(month)
        metrics = [
            "mrr",
            "arr",
            "active_customers",
            "arpa",
            "cmrr",
            "north_star",
            "starting_mrr",
            "new_mrr",
            "churned_mrr",
            "fx_impact_mrr",
            "churned_customers",
        ]
        actual = semantic.keyed(metrics, [f"metric_time__{grain}"])
        assert set(actual) == {(period,) for period in periods}
        for period, months in periods.items():
            first, last = bridge[(months[0],)], bridge[(months[-1],)]
            got = actual[(period,)]
            where = f"{grain} {period}"
            comparison.value(where, "mrr", last["ending_mrr"], got["mrr"])
            comparison.value(where, "arr", 12 * last["ending_mrr"], got["arr"])
            comparison.value(
                where, "active_customers", last["ending_customers"], got["active_customers"]
            )
            comparison.value(
                where, "arpa", last["ending_mrr"] / last["ending_customers"], got["arpa"]
            )
            comparison.value(where, "cmrr", cmrr[months[-1]], got["cmrr"])
            comparison.value(
                where, "north_star", north_star[(months[-1],)]["north_star"], got["north_star"]
            )
            # the bridge closes at any grain: start of the first month + flows = end
            comparison.value(where, "starting_mrr", first["starting_mrr"], got["starting_mrr"])
            for metric in ("new_mrr", "churned_mrr", "fx_impact_mrr", "churned_customers"):
                total = sum(bridge[(month,)][metric] for month in months)
                comparison.value(where, metric, total, got[metric])

    # by tier: the tier at the end of the quarter's last month
    by_tier = semantic.mart(
        "fct_north_star_monthly", ["month_start", "segment_value"], "segment_type = 'tier'"
    )
    actual = semantic.keyed(
        ["mrr", "arr", "active_customers", "north_star"],
        ["metric_time__quarter", "account_month__tier"],
    )
    last_month = {}
    for (month,) in bridge:
        quarter = _quarter_start(month)
        last_month[quarter] = max(month, last_month.get(quarter, month))
    expected = {
        (quarter, tier): {**row, "mrr": row["arr"] / 12}
        for (month, tier), row in by_tier.items()
        for quarter in [_quarter_start(month)]
        if month == last_month[quarter]
    }
    comparison.rows(
        "quarter tier",
        expected,
        actual,
        {
            "mrr": "mrr",
            "arr": "arr",
            "active_customers": "active_customers",
            "north_star": "north_star",
        },
    )

    # trailing-twelve-month retention as of the quarter's last complete month
    retention = semantic.mart("fct_retention_monthly", ["month_start"], "segment_type = 'all'")
    last_complete: dict[dt.date, dt.date] = {}
    for (month,) in retention:
        quarter = _quarter_start(month)
        last_complete[quarter] = max(month, last_complete.get(quarter, month))
    actual = semantic.keyed(list(RETENTION_TTM), ["metric_time__quarter"], where=[COMPLETE])
    expected = {(quarter,): retention[(month,)] for quarter, month in last_complete.items()}
    comparison.rows("quarter ttm", expected, actual, RETENTION_TTM)
    comparison.check()


def test_renewal_rates_match_fct_renewals_monthly(semantic: SemanticLayer) -> None:
    expected = semantic.mart("fct_renewals_monthly", ["renewal_month"])
    assert expected
    actual = semantic.keyed(RENEWALS, ["metric_time__month"])
    comparison = Comparison()
    comparison.rows("renewals", expected, actual, RENEWALS)
    comparison.check()


def test_nps_matches_fct_nps_monthly(semantic: SemanticLayer) -> None:
    comparison = Comparison()
    overall = semantic.mart("fct_nps_monthly", ["month_start"], "tier = 'all'")
    assert overall
    actual = semantic.keyed(NPS, ["metric_time__month"])
    comparison.rows("nps all", overall, actual, NPS, keys=overall)
    by_tier = semantic.mart("fct_nps_monthly", ["month_start", "tier"], "tier <> 'all'")
    actual = semantic.keyed(NPS, ["metric_time__month", "nps_month__tier"])
    comparison.rows("nps tier", by_tier, actual, NPS)
    # a quarter pools its months' responses
    actual = semantic.keyed(["nps", "nps_responses"], ["metric_time__quarter"])
    pooled: dict[tuple, dict[str, float]] = {}
    for (month,), row in overall.items():
        totals = pooled.setdefault((_quarter_start(month),), {"p": 0, "d": 0, "n": 0})
        totals["p"] += row["promoters"]
        totals["d"] += row["detractors"]
        totals["n"] += row["responses"]
    for key, totals in pooled.items():
        nps = 100 * (totals["p"] - totals["d"]) / totals["n"] if totals["n"] else None
        comparison.value(f"nps quarter {key}", "nps", nps, actual[key]["nps"])
        comparison.value(
            f"nps quarter {key}", "nps_responses", totals["n"], actual[key]["nps_responses"]
        )
    comparison.check()


def test_saved_queries_run(semantic: SemanticLayer) -> None:
    names = sorted(query.name for query in semantic.manifest.saved_queries)
    assert {"board_mrr_bridge", "board_retention_ttm", "board_churn_by_tier"} <= set(names)
    assert {"cs_health_mix", "cs_renewals_due"} <= set(names)
    bridge = semantic.mart("fct_mrr_bridge_monthly", ["month_start"], "is_month_complete")
    for name in names:
        rows = semantic.query([], [], saved_query=name)
        assert rows, name
        if name == "board_mrr_bridge":
            got = {(_month(row["metric_time__month"]),): row for row in rows}
            assert set(got) == set(bridge)
            comparison = Comparison()
            columns = {metric: column for metric, column in BRIDGE.items() if metric in rows[0]}
            assert len(columns) == 12, columns
            comparison.rows(name, bridge, got, columns)
            comparison.check()
