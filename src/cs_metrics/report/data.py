"""What the visual report shows: every number read from the public marts for one month.

All reads go through `cs_metrics.warehouse.Warehouse`, in SQL that runs on DuckDB and
PostgreSQL alike (no `::`, `qualify` or `group by all`; dates are written as `date '…'`
literals built from Python dates, never from user text). Money stays `Decimal` here so the
tiles can carry the marts' exact values; the charts convert to float.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from cs_metrics.project import MARTS_SCHEMA, project_vars
from cs_metrics.warehouse import Warehouse

M = MARTS_SCHEMA

REQUIRED_MARTS = (
    "fct_mrr_bridge_monthly",
    "fct_retention_monthly",
    "fct_account_months",
    "fct_cohort_retention",
    "dim_accounts",
    "fct_cs_touches_by_lifecycle",
    "fct_north_star_monthly",
    "fct_retention_change_drivers",
    "fct_health_score_changes",
    "fct_renewal_risk",
    "fct_renewal_risk_by_segment",
    "fct_cs_coverage_monthly",
)

# Months shown by the trends, the bridge and the touches (ending at the report month).
TREND_MONTHS = 24
BRIDGE_MONTHS = 12
TOUCH_MONTHS = 12
COHORT_ROWS = 24
TOP_ACCOUNTS = 10
HEALTH_DROPS = 10  # largest health-score drops listed
RENEWAL_PRIORITY_ROWS = 15  # renewals of the priority list

HEALTH_STATUSES = ("green", "yellow", "red", "unknown")
TIERS = ("enterprise", "mid_market", "smb")
SERVICE_MODELS = ("high_touch", "mid_touch", "tech_touch")
LIFECYCLE_STAGES = ("onboarding", "adoption", "renewal", "mature", "churned")
QUADRANTS = ("expand", "rescue", "nurture", "monitor")
HEALTH_COMPONENTS = (
    "utilization",
    "usage_trend",
    "feature_breadth",
    "payment",
    "nps",
    "support",
)
DRIVER_METRICS = ("nrr_ttm", "ending_mrr", "monthly_nrr")


class ReportError(Exception):
    """The report cannot be made as asked (shown to the user without a traceback)."""


@dataclass(frozen=True)
class Settings:
    """dbt vars the report states in its definitions (defaults of dbt_project.yml)."""

    currency: str = "USD"
    tier_enterprise_min_arr: Decimal = Decimal(100000)
    tier_mid_market_min_arr: Decimal = Decimal(10000)
    value_high_min_arr: Decimal = Decimal(10000)
    health_green_min: Decimal = Decimal(70)
    health_yellow_min: Decimal = Decimal(40)
    north_star_health_statuses: tuple[str, ...] = ("green",)
    health_change_months: int = 3
    renewal_risk_touch_days: int = 30
    renewal_rate_min_renewals: int = 20


def read_settings(project_dir: Path) -> Settings:
    """The reporting currency and thresholds from the vars of dbt_project.yml."""
    dbt_vars = project_vars(project_dir)
    defaults = Settings()

    def number(name: str) -> Decimal:
        value = dbt_vars.get(name)
        return getattr(defaults, name) if value is None else Decimal(str(value))

    def integer(name: str) -> int:
        value = dbt_vars.get(name)
        return getattr(defaults, name) if value is None else int(value)

    statuses = dbt_vars.get("north_star_health_statuses")
    if isinstance(statuses, str):
        statuses = [statuses]
    return Settings(
        currency=str(dbt_vars.get("reporting_currency") or defaults.currency),
        tier_enterprise_min_arr=number("tier_enterprise_min_arr"),
        tier_mid_market_min_arr=number("tier_mid_market_min_arr"),
        value_high_min_arr=number("value_high_min_arr"),
        health_green_min=number("health_green_min"),
        health_yellow_min=number("health_yellow_min"),
        north_star_health_statuses=(
            tuple(str(status) for status in statuses)
            if statuses
            else defaults.north_star_health_statuses
        ),
        health_change_months=integer("health_change_months"),
        renewal_risk_touch_days=integer("renewal_risk_touch_days"),
        renewal_rate_min_renewals=integer("renewal_rate_min_renewals"),
    )


def add_months(month: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before) `month`."""
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def sql_date(value: dt.date) -> str:
    """A SQL date literal (DuckDB, PostgreSQL) of a Python date: never built from user text."""
    return f"date '{value.isoformat()}'"


@dataclass
class Tiles:
    """The headline numbers of the month (exact values from the marts)."""

    mrr: Decimal
    arr: Decimal
    nrr_ttm: Decimal | None
    grr_ttm: Decimal | None
    logo_churn_rate: Decimal | None
    active_customers: int
    north_star: Decimal | None
    outcome_score: Decimal | None
    experience_score: Decimal | None


@dataclass
class ReportData:
    """Everything the report renders, for one complete month."""

    month: dt.date
    latest_complete_month: dt.date
    first_month: dt.date
    target: str
    engine: str
    tiles: Tiles
    bridge: list[dict[str, Any]]
    trend: list[dict[str, Any]]
    retention_trend: list[dict[str, Any]]
    cohorts: list[dict[str, Any]]
    tier_health: list[dict[str, Any]]
    accounts: list[dict[str, Any]]
    quadrants: list[dict[str, Any]]
    health_mix: list[dict[str, Any]]
    touches: list[dict[str, Any]]
    top_expansion: list[dict[str, Any]]
    top_churn: list[dict[str, Any]]
    # north star: segment all over the trend months; by tier (and all) in month M
    north_star: list[dict[str, Any]]
    north_star_tiers: list[dict[str, Any]]
    # why the metrics moved from M - 1 to M (segment all), per metric, by driver_rank
    change_drivers: dict[str, list[dict[str, Any]]]
    # health score changes of month M: the largest drops, the count per main driver
    health_drops: list[dict[str, Any]]
    health_drivers: list[dict[str, Any]]
    # renewal risk ahead: as of the build's as-of date, whatever the report month
    as_of_date: dt.date | None
    renewal_windows: list[dict[str, Any]]
    renewal_health: list[dict[str, Any]]
    renewal_priority: list[dict[str, Any]]

    @property
    def snapshot(self) -> dt.datetime:
        """t(M): the first instant of the next month."""
        return dt.datetime.combine(add_months(self.month, 1), dt.time())

    @property
    def windows(self) -> list[int]:
        """The renewal-risk windows (days after the as-of date), shortest first."""
        return sorted({int(row["window_days"]) for row in self.renewal_windows})


def resolve_month(wh: Warehouse, month: dt.date | None) -> tuple[dt.date, dt.date, dt.date]:
    """(report month, latest complete month, first month); the month must be complete."""
    row = wh.rows(
        f"""
        select min(month_start) as first_month,
               max(case when is_month_complete then month_start end) as latest_complete
        from {M}.fct_mrr_bridge_monthly
        """
    )[0]
    first, latest = row["first_month"], row["latest_complete"]
    if latest is None:
        raise ReportError(
            "the marts hold no complete month yet (a month is complete when its last day is"
            " before as_of_date): build with a later as_of_date or more data."
        )
    if month is None:
        return latest, latest, first
    month = month.replace(day=1)
    if month < first or month > latest:
        raise ReportError(
            f"{month:%Y-%m} is not a complete month of the marts: choose one from"
            f" {first:%Y-%m} to {latest:%Y-%m} (the as-of month is not complete yet)."
        )
    return month, latest, first


def _tiles(wh: Warehouse, month: dt.date) -> Tiles:
    bridge = wh.rows(
        f"""
        select ending_mrr, ending_customers
        from {M}.fct_mrr_bridge_monthly
        where month_start = {sql_date(month)}
        """
    )[0]
    retention = wh.rows(
        f"""
        select nrr_ttm, grr_ttm, logo_churn_rate, active_customers
        from {M}.fct_retention_monthly
        where segment_type = 'all' and segment_value = 'all' and month_start = {sql_date(month)}
        """
    )
    ret = retention[0] if retention else {}
    north = wh.rows(
        f"""
        select north_star, arr_weighted_outcome_score, arr_weighted_experience_score
        from {M}.fct_north_star_monthly
        where segment_type = 'all' and segment_value = 'all' and month_start = {sql_date(month)}
        """
    )
    star = north[0] if north else {}
    mrr = Decimal(bridge["ending_mrr"])
    active = ret.get("active_customers")
    return Tiles(
        mrr=mrr,
        arr=12 * mrr,
        nrr_ttm=ret.get("nrr_ttm"),
        grr_ttm=ret.get("grr_ttm"),
        logo_churn_rate=ret.get("logo_churn_rate"),
        active_customers=int(active if active is not None else bridge["ending_customers"]),
        north_star=star.get("north_star"),
        outcome_score=star.get("arr_weighted_outcome_score"),
        experience_score=star.get("arr_weighted_experience_score"),
    )


def load_report_data(wh: Warehouse, month: dt.date | None = None) -> ReportData:
    """Read every number of the report for `month` (default: the latest complete month)."""
    wh.require(REQUIRED_MARTS)
    month, latest, first = resolve_month(wh, month)
    m = sql_date(month)
    trend_from = sql_date(add_months(month, 1 - TREND_MONTHS))
    bridge_from = sql_date(add_months(month, 1 - BRIDGE_MONTHS))
    touch_from = sql_date(add_months(month, 1 - TOUCH_MONTHS))
    cohort_from = sql_date(add_months(month, 1 - COHORT_ROWS))
    previous = sql_date(add_months(month, -1))

    bridge = wh.rows(
        f"""
        select month_start, starting_mrr, new_mrr, reactivation_mrr, expansion_mrr,
               contraction_mrr, churned_mrr, fx_impact_mrr, ending_mrr, starting_customers,
               new_customers, reactivated_customers, churned_customers, ending_customers
        from {M}.fct_mrr_bridge_monthly
        where month_start >= {bridge_from} and month_start <= {m}
        order by month_start
        """
    )
    trend = wh.rows(
        f"""
        select month_start, ending_mrr, ending_customers
        from {M}.fct_mrr_bridge_monthly
        where month_start >= {trend_from} and month_start <= {m}
        order by month_start
        """
    )
    retention_trend = wh.rows(
        f"""
        select month_start, nrr_ttm, grr_ttm, logo_retention_ttm, logo_churn_rate
        from {M}.fct_retention_monthly
        where segment_type = 'all' and segment_value = 'all'
          and month_start >= {trend_from} and month_start <= {m}
          and nrr_ttm is not null
        order by month_start
        """
    )
    cohorts = wh.rows(
        f"""
        select cohort_month, months_since_start, cohort_customers, retained_customers,
               cohort_starting_mrr, cohort_mrr, revenue_retention
        from {M}.fct_cohort_retention
        where cohort_month >= {cohort_from} and month_start <= {m}
        order by cohort_month, months_since_start
        """
    )
    tier_health = wh.rows(
        f"""
        select tier, coalesce(health_status, 'unknown') as health_status,
               count(*) as customers, sum(arr) as arr
        from {M}.fct_account_months
        where month_start = {m} and is_active
        group by tier, coalesce(health_status, 'unknown')
        order by tier, health_status
        """
    )
    accounts = wh.rows(
        f"""
        select f.account_id, coalesce(d.account_name, f.account_id) as account_name,
               f.arr, f.health_score, coalesce(f.health_status, 'unknown') as health_status,
               f.value_health_quadrant
        from {M}.fct_account_months f
        left join {M}.dim_accounts d on d.account_id = f.account_id
        where f.month_start = {m} and f.is_active
        order by f.account_id
        """
    )
    quadrants = wh.rows(
        f"""
        select coalesce(value_health_quadrant, 'none') as quadrant,
               count(*) as customers, sum(arr) as arr
        from {M}.fct_account_months
        where month_start = {m} and is_active
        group by coalesce(value_health_quadrant, 'none')
        """
    )
    health_mix = wh.rows(
        f"""
        select month_start, coalesce(health_status, 'unknown') as health_status,
               count(*) as customers, sum(arr) as arr
        from {M}.fct_account_months
        where month_start >= {trend_from} and month_start <= {m} and is_active
        group by month_start, coalesce(health_status, 'unknown')
        order by month_start
        """
    )
    touches = wh.rows(
        f"""
        select lifecycle_stage, service_model, sum(accounts) as account_months,
               sum(touches) as touches, sum(accounts_without_touch) as without_touch
        from {M}.fct_cs_touches_by_lifecycle
        where month_start >= {touch_from} and month_start <= {m}
        group by lifecycle_stage, service_model
        """
    )
    movers = f"""
        select f.account_id, coalesce(d.account_name, f.account_id) as account_name,
               f.tier, f.mrr, f.mrr - f.expansion_mrr - f.churned_mrr as previous_mrr_cc,
               f.expansion_mrr, f.churned_mrr,
               coalesce(p.health_status, 'unknown') as previous_health_status,
               p.health_score as previous_health_score
        from {M}.fct_account_months f
        left join {M}.dim_accounts d on d.account_id = f.account_id
        left join {M}.fct_account_months p
          on p.account_id = f.account_id and p.month_start = {previous}
        where f.month_start = {m}
    """
    top_expansion = wh.rows(
        f"{movers} and f.expansion_mrr > 0"
        f" order by f.expansion_mrr desc, f.account_id limit {TOP_ACCOUNTS}"
    )
    top_churn = wh.rows(
        f"{movers} and f.churned_mrr < 0 order by f.churned_mrr, f.account_id limit {TOP_ACCOUNTS}"
    )
    return ReportData(
        month=month,
        latest_complete_month=latest,
        first_month=first,
        target=wh.target,
        engine=wh.engine,
        tiles=_tiles(wh, month),
        bridge=bridge,
        trend=trend,
        retention_trend=retention_trend,
        cohorts=cohorts,
        tier_health=tier_health,
        accounts=accounts,
        quadrants=quadrants,
        health_mix=health_mix,
        touches=touches,
        top_expansion=top_expansion,
        top_churn=top_churn,
        **_north_star(wh, month, trend_from),
        **_health_changes(wh, month),
        change_drivers=_change_drivers(wh, month),
        **_renewal_risk(wh),
    )


def _north_star(wh: Warehouse, month: dt.date, trend_from: str) -> dict[str, Any]:
    columns = """month_start, segment_type, segment_value, north_star, north_star_arr, arr,
               active_customers, arr_weighted_outcome_score, arr_weighted_experience_score"""
    trend = wh.rows(
        f"""
        select {columns}
        from {M}.fct_north_star_monthly
        where segment_type = 'all' and segment_value = 'all'
          and month_start >= {trend_from} and month_start <= {sql_date(month)}
        order by month_start
        """
    )
    tiers = wh.rows(
        f"""
        select {columns}
        from {M}.fct_north_star_monthly
        where segment_type in ('all', 'tier') and month_start = {sql_date(month)}
        """
    )
    order = {tier: i for i, tier in enumerate(TIERS)}
    tiers.sort(
        key=lambda r: (
            r["segment_type"] == "all",
            order.get(r["segment_value"], len(order)),
            r["segment_value"],
        )
    )
    return {"north_star": trend, "north_star_tiers": tiers}


def _change_drivers(wh: Warehouse, month: dt.date) -> dict[str, list[dict[str, Any]]]:
    rows = wh.rows(
        f"""
        select metric, driver_rank, account_id, account_name, driver, account_count,
               previous_amount, amount, contribution, previous_value, current_value,
               metric_change
        from {M}.fct_retention_change_drivers
        where month_start = {sql_date(month)} and segment_type = 'all' and segment_value = 'all'
        order by metric, driver_rank
        """
    )
    drivers: dict[str, list[dict[str, Any]]] = {metric: [] for metric in DRIVER_METRICS}
    for row in rows:
        drivers.setdefault(row["metric"], []).append(row)
    return drivers


def _health_changes(wh: Warehouse, month: dt.date) -> dict[str, Any]:
    changes = f"""
        from {M}.fct_health_score_changes h
        inner join {M}.fct_account_months f
          on f.account_id = h.account_id and f.month_start = h.month_start
        where h.month_start = {sql_date(month)} and f.is_active
    """
    drops = wh.rows(
        f"""
        select h.account_id, coalesce(d.account_name, h.account_id) as account_name,
               f.arr, f.tier, h.compared_month_start, h.previous_health_score,
               h.health_score, h.health_change, h.main_driver, h.main_driver_effect,
               h.main_driver_contribution, h.main_driver_previous_score,
               h.main_driver_score
        from {M}.fct_health_score_changes h
        inner join {M}.fct_account_months f
          on f.account_id = h.account_id and f.month_start = h.month_start
        left join {M}.dim_accounts d on d.account_id = h.account_id
        where h.month_start = {sql_date(month)} and f.is_active and h.health_change < 0
        order by h.health_change, h.account_id
        limit {HEALTH_DROPS}
        """
    )
    drivers = wh.rows(
        f"""
        select coalesce(h.main_driver, 'none') as main_driver,
               sum(case when h.health_change < 0 then 1 else 0 end) as fell,
               sum(case when h.health_change > 0 then 1 else 0 end) as rose,
               count(*) as accounts
        {changes}
        group by coalesce(h.main_driver, 'none')
        """
    )
    order = {name: i for i, name in enumerate(HEALTH_COMPONENTS)}
    drivers.sort(key=lambda r: (order.get(r["main_driver"], len(order)), r["main_driver"]))
    return {"health_drops": drops, "health_drivers": drivers}


def build_as_of_date(wh: Warehouse) -> dt.date | None:
    """The as_of_date the marts were built with (None when fct_cs_coverage_monthly is empty).

    The month in progress's coverage snapshot is the start of as_of_date (every earlier
    month's snapshot, t(M), is at or before it).
    """
    snapshot = wh.scalar(f"select max(snapshot_at) from {M}.fct_cs_coverage_monthly")
    return snapshot.date() if isinstance(snapshot, dt.datetime) else snapshot


def _renewal_risk(wh: Warehouse) -> dict[str, Any]:
    """Renewal risk as of the build's as-of date (not the report month)."""
    as_of = build_as_of_date(wh)
    windows = wh.rows(
        f"""
        select window_days, segment_type, segment_value, renewals, accounts, arr_due,
               expected_arr_at_risk, arr_due_red, arr_due_yellow,
               arr_due_needing_attention, renewals_needing_attention
        from {M}.fct_renewal_risk_by_segment
        where segment_type in ('all', 'tier', 'service_model')
        order by window_days, segment_type, segment_value
        """
    )
    by_health = wh.rows(
        f"""
        select window_days, coalesce(health_status, 'unknown') as health_status,
               count(*) as renewals, sum(arr_due) as arr_due,
               sum(expected_arr_at_risk) as expected_arr_at_risk
        from {M}.fct_renewal_risk
        group by window_days, coalesce(health_status, 'unknown')
        order by window_days, health_status
        """
    )
    priority = wh.rows(
        f"""
        select priority_rank, account_id, coalesce(account_name, account_id) as account_name,
               tier, csm_owner_name, renewal_date, days_until_renewal, window_days, arr_due,
               coalesce(health_status, 'unknown') as health_status, lifecycle_stage,
               days_since_last_touch, expected_renewal_rate, expected_rate_level,
               expected_arr_at_risk, needs_attention, is_cancellation_on_file
        from {M}.fct_renewal_risk
        order by priority_rank
        limit {RENEWAL_PRIORITY_ROWS}
        """
    )
    return {
        "as_of_date": as_of,
        "renewal_windows": windows,
        "renewal_health": by_health,
        "renewal_priority": priority,
    }
