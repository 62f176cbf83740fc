"""Assemble the visual report: one self-contained HTML page (tiles, charts, tables, print CSS).

This module gathers what the page shows (tiles, sections, tables of formatted text with the
exact mart values beside); the markup is the autoescaped template
cs_metrics/pages/templates/report.html.j2, the stylesheet pages/static/page.css. The page loads
nothing from anywhere: Plotly's JavaScript is inlined once in <head>, every figure is a
`Plotly.newPlot` call on inline JSON, fonts are the reader's system fonts, and there are no
images, links to stylesheets or MathJax.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from cs_metrics.pages.formats import count, money, percent, points, score, signed
from cs_metrics.pages.render import render_page
from cs_metrics.project import MARTS_SCHEMA
from cs_metrics.report import charts
from cs_metrics.report.charts import label, last_months, month_label
from cs_metrics.report.data import (
    BRIDGE_MONTHS,
    HEALTH_DROPS,
    HEALTH_STATUSES,
    QUADRANTS,
    RENEWAL_PRIORITY_ROWS,
    TIERS,
    TOUCH_MONTHS,
    TREND_MONTHS,
    ReportData,
    Settings,
    add_months,
)

PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def statuses_text(settings: Settings) -> str:
    """The counted health statuses: 'green', 'green or yellow'."""
    names = list(settings.north_star_health_statuses)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


# ----------------------------------------------------------------------------- page parts
@dataclass
class Table:
    """A small numbers table; columns from `numeric_from` on are right-aligned numbers.

    A named table carries data-table="name"; `values` (and `total_values`), parallel to the
    rows, put the exact mart value behind a cell into its data-value attribute (None: none),
    so the tests compare the marts with what the page holds, not with rounded text.
    """

    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    total: Sequence[str] | None = None
    numeric_from: int = 1
    name: str = ""
    caption: str = ""
    values: Sequence[Sequence[Any]] | None = None
    total_values: Sequence[Any] | None = None
    empty_message: str = "none"


@dataclass
class Chart:
    """One report section: a figure, its numbers table and a one-line definition."""

    name: str
    title: str
    definition: str
    figure: go.Figure | None
    table: Table
    source: str
    empty_message: str = "No data for this chart in the chosen period."
    lead: str = ""  # a headline sentence above the chart (e.g. "94.7% → 102.7%")
    note: str = ""  # a highlighted notice (e.g. "as of 2026-11-29, not the report month")
    more: Sequence[Table] = ()  # further tables beside the chart, under the first
    below: Sequence[Table] = ()  # full-width tables under the chart

    @property
    def plot(self) -> Markup | None:
        """The figure as Plotly's <div> and Plotly.newPlot script (None: no figure)."""
        if self.figure is None:
            return None
        return Markup(
            self.figure.to_html(
                full_html=False,
                include_plotlyjs=False,
                include_mathjax=False,
                div_id=f"chart-{self.name}",
                config=PLOTLY_CONFIG,
            )
        )


@dataclass
class TablesBlock:
    """A report section of tables only (side by side when there are several)."""

    name: str
    title: str
    definition: str
    tables: Sequence[Table]
    source: str
    lead: str = ""
    note: str = ""

    figure = None  # no chart: not counted as one


@dataclass
class Tile:
    metric: str
    title: str
    value: Any
    shown: str
    note: str
    # figures shown beside the value: (name, label, exact value, text), e.g. the scores
    beside: Sequence[tuple[str, str, Any, str]] = ()


# --------------------------------------------------------------------------------- content
def tiles(data: ReportData, settings: Settings) -> list[Tile]:
    t, cur = data.tiles, settings.currency
    m = month_label(data.month)
    return [
        Tile("mrr", "MRR", t.mrr, f"{money(t.mrr)} {cur}", f"monthly recurring revenue, end {m}"),
        Tile("arr", "ARR", t.arr, f"{money(t.arr)} {cur}", "12 × MRR"),
        Tile(
            "nrr_ttm",
            "NRR (TTM)",
            t.nrr_ttm,
            percent(t.nrr_ttm),
            "MRR now ÷ MRR 12 months ago of the accounts paying then (constant currency)",
        ),
        Tile(
            "grr_ttm",
            "GRR (TTM)",
            t.grr_ttm,
            percent(t.grr_ttm),
            "as NRR, each account capped at its MRR 12 months ago",
        ),
        Tile(
            "logo_churn_rate",
            "Logo churn (month)",
            t.logo_churn_rate,
            percent(t.logo_churn_rate, 2),
            f"accounts reaching 0 MRR in {m} ÷ paying accounts at the end of the month before",
        ),
        Tile(
            "active_customers",
            "Active customers",
            t.active_customers,
            count(t.active_customers),
            f"accounts with MRR > 0 at the end of {m}",
        ),
        Tile(
            "north_star",
            "North star",
            t.north_star,
            percent(t.north_star),
            f"share of ARR held by paying accounts with health status {statuses_text(settings)};"
            " scores: ARR-weighted, 0–100",
            beside=(
                ("outcome_score", "outcome", t.outcome_score, score(t.outcome_score)),
                ("experience_score", "experience", t.experience_score, score(t.experience_score)),
            ),
        ),
    ]


def _month_bridge(data: ReportData, settings: Settings) -> Chart:
    """The report month's bridge: MRR and customers at the start, each movement, the end."""
    row = data.bridge[-1] if data.bridge else None
    steps = charts.bridge_steps(data.bridge[-1:])
    m = month_label(data.month)
    customers: dict[str, Any] = {}
    if row is not None:
        customers = {
            "start": row["starting_customers"],
            "new": row["new_customers"],
            "reactivation": row["reactivated_customers"],
            "churned": -int(row["churned_customers"]),
            "end": row["ending_customers"],
        }

    def step_key(name: str) -> str:
        return name.split(" ")[0]

    return Chart(
        name="month_bridge",
        title=f"MRR bridge, {m}",
        lead=(
            ""
            if row is None
            else f"{money(row['starting_mrr'])} → {money(row['ending_mrr'])} {settings.currency};"
            f" {count(row['starting_customers'])} + {count(row['new_customers'])} new +"
            f" {count(row['reactivated_customers'])} reactivated −"
            f" {count(row['churned_customers'])} churned ="
            f" {count(row['ending_customers'])} customers"
        ),
        definition=(
            f"MRR at the end of {month_label(add_months(data.month, -1))} + the movements of"
            f" {m} (new, reactivation, expansion, contraction, churned — in constant currency —"
            f" and the FX effect of rate changes) = MRR at the end of {m}; losses are negative."
            " Customers: accounts with MRR > 0. The axis spans the levels the bridge passes"
            " through: it may start above 0."
        ),
        figure=charts.month_bridge(data, settings) if steps else None,
        table=Table(
            ["step", f"MRR ({settings.currency})", "customers"],
            [
                [
                    name,
                    money(value, 2),
                    "–" if step_key(name) not in customers else count(customers[step_key(name)]),
                ]
                for name, value in steps
            ],
            name="month_bridge",
            values=[
                [step_key(name), value, customers.get(step_key(name))] for name, value in steps
            ],
        ),
        source=f"fct_mrr_bridge_monthly, {m}",
    )


def _bridge(data: ReportData, settings: Settings) -> Chart:
    steps = charts.bridge_steps(data.bridge)
    first = data.bridge[0]["month_start"] if data.bridge else data.month
    return Chart(
        name="mrr_bridge",
        title=f"MRR bridge, {last_months(len(data.bridge))}",
        definition=(
            f"MRR at the end of {month_label(add_months(first, -1))} + the month-by-month"
            " movements (new, reactivation, expansion, contraction, churned — in constant"
            " currency — and the FX effect of rate changes) = MRR at the end of"
            f" {month_label(data.month)}; losses are negative."
        ),
        figure=charts.mrr_bridge(data, settings) if steps else None,
        table=Table(
            [f"step ({settings.currency})", "MRR"],
            [[name, money(value, 2)] for name, value in steps],
        ),
        source=f"fct_mrr_bridge_monthly, the {last_months(len(data.bridge))} to"
        f" {month_label(data.month)}",
    )


def _trend(data: ReportData, settings: Settings) -> Chart:
    return Chart(
        name="mrr_customers",
        title="MRR and customers over time",
        definition=(
            "MRR (bars) and active customers — accounts with MRR > 0 — (line) at the end of"
            f" each month, {last_months(len(data.trend))}."
        ),
        figure=charts.mrr_and_customers(data, settings) if data.trend else None,
        table=Table(
            ["month", f"MRR ({settings.currency})", "customers"],
            [
                [
                    month_label(r["month_start"]),
                    money(r["ending_mrr"]),
                    count(r["ending_customers"]),
                ]
                for r in data.trend
            ],
        ),
        source="fct_mrr_bridge_monthly (ending_mrr, ending_customers)",
    )


def _retention(data: ReportData, settings: Settings) -> Chart:
    return Chart(
        name="retention_ttm",
        title="Net, gross and logo retention, trailing twelve months",
        definition=(
            "For the accounts paying 12 months earlier (constant currency): NRR = their MRR now ÷"
            " their MRR then; GRR caps each account at its MRR then; logo retention = the share"
            " still paying."
        ),
        figure=charts.retention_trend(data, settings) if data.retention_trend else None,
        table=Table(
            ["month", "NRR", "GRR", "logos"],
            [
                [
                    month_label(r["month_start"]),
                    percent(r["nrr_ttm"]),
                    percent(r["grr_ttm"]),
                    percent(r["logo_retention_ttm"]),
                ]
                for r in data.retention_trend
            ],
        ),
        source="fct_retention_monthly, segment all (nrr_ttm, grr_ttm, logo_retention_ttm)",
        empty_message="Trailing-twelve-month retention needs 13 months of history.",
    )


def _cohorts(data: ReportData, settings: Settings) -> Chart:
    cohort_labels, _, _ = charts.cohort_matrix(data)
    by_cohort: dict[str, dict[int, Any]] = {}
    customers: dict[str, Any] = {}
    for row in data.cohorts:
        key = month_label(row["cohort_month"])
        by_cohort.setdefault(key, {})[int(row["months_since_start"])] = row["revenue_retention"]
        customers[key] = row["cohort_customers"]
    milestones = (1, 3, 6, 12)
    return Chart(
        name="cohort_retention",
        title="Cohort revenue retention",
        definition=(
            "Cohort = accounts whose first paid month it is; a cell is the cohort's MRR k months"
            " later ÷ its MRR in the first month, both at month k's exchange rates"
            " (re-activations count again)."
        ),
        figure=charts.cohort_heatmap(data, settings) if data.cohorts else None,
        table=Table(
            ["cohort", "accounts", *(f"k={k}" for k in milestones)],
            [
                [
                    c,
                    count(customers[c]),
                    *(_retention_cell(by_cohort[c].get(k)) for k in milestones),
                ]
                for c in cohort_labels
            ],
        ),
        source=(
            f"fct_cohort_retention (revenue_retention), the last {len(cohort_labels)} cohorts,"
            f" months up to {month_label(data.month)}"
        ),
    )


def _retention_cell(value: Any) -> str:
    """A cohort's revenue retention at month k ('–' when the cohort has not reached k)."""
    return "–" if value is None else percent(value, 0)


def _tier_health(data: ReportData, settings: Settings) -> Chart:
    rows = sorted(
        data.tier_health,
        key=lambda r: (
            TIERS.index(r["tier"]) if r["tier"] in TIERS else 9,
            HEALTH_STATUSES.index(r["health_status"])
            if r["health_status"] in HEALTH_STATUSES
            else 9,
        ),
    )
    return Chart(
        name="tier_health",
        title="Customers and ARR by tier and health",
        definition=(
            f"Paying accounts at the end of {month_label(data.month)} by tier (ARR ≥"
            f" {money(settings.tier_enterprise_min_arr)} enterprise, ≥"
            f" {money(settings.tier_mid_market_min_arr)} mid market, else smb) and health status"
            f" (score ≥ {money(settings.health_green_min)} green, ≥"
            f" {money(settings.health_yellow_min)} yellow, else red; unknown = no score)."
        ),
        figure=charts.tier_health(data, settings) if rows else None,
        table=Table(
            ["tier", "health", "customers", f"ARR ({settings.currency})"],
            [
                [label(r["tier"]), r["health_status"], count(r["customers"]), money(r["arr"])]
                for r in rows
            ],
            total=[
                "all",
                "",
                count(sum(int(r["customers"]) for r in rows)),
                money(sum((Decimal(r["arr"]) for r in rows), Decimal(0))),
            ],
            numeric_from=2,
        ),
        source="fct_account_months (tier, health_status, arr; is_active)",
    )


def _value_health(data: ReportData, settings: Settings) -> Chart:
    order = [*QUADRANTS, "none"]
    rows = sorted(
        data.quadrants, key=lambda r: order.index(r["quadrant"]) if r["quadrant"] in order else 9
    )
    total_arr = sum((Decimal(r["arr"]) for r in rows), Decimal(0))
    meaning = {
        "expand": "high value, healthy",
        "rescue": "high value, not healthy",
        "nurture": "low value, healthy",
        "monitor": "low value, not healthy",
        "none": "health unknown",
    }
    scored = any(r["health_score"] is not None for r in data.accounts)
    return Chart(
        name="value_health",
        title="Value-health matrix",
        definition=(
            f"High value = ARR ≥ {money(settings.value_high_min_arr)} {settings.currency};"
            " healthy = health status green. Each dot is a paying account with a health score"
            f" at the end of {month_label(data.month)}."
        ),
        figure=charts.value_health(data, settings) if scored else None,
        table=Table(
            ["quadrant", "accounts", f"ARR ({settings.currency})", "ARR share"],
            [
                [
                    f"{r['quadrant']} ({meaning.get(r['quadrant'], '')})",
                    count(r["customers"]),
                    money(r["arr"]),
                    percent(Decimal(r["arr"]) / total_arr if total_arr else None),
                ]
                for r in rows
            ],
        ),
        source="fct_account_months (value_health_quadrant, arr, health_score), dim_accounts",
    )


def _health_mix(data: ReportData, settings: Settings) -> Chart:
    months = sorted({r["month_start"] for r in data.health_mix})
    statuses = charts.ordered((r["health_status"] for r in data.health_mix), HEALTH_STATUSES)
    cells = {(r["month_start"], r["health_status"]): r["customers"] for r in data.health_mix}
    return Chart(
        name="health_mix",
        title="Health status mix over time",
        definition=(
            "Paying accounts at the end of each month by health status (weighted score of"
            " utilization, usage trend, feature breadth, payment, NPS and support; unknown = no"
            " component available)."
        ),
        figure=charts.health_mix(data, settings) if months else None,
        table=Table(
            ["month", *statuses],
            [[month_label(m), *(count(cells.get((m, s), 0)) for s in statuses)] for m in months],
        ),
        source="fct_account_months (health_status; is_active)",
    )


def _touches(data: ReportData, settings: Settings) -> Chart:
    stages, models, cells = charts.touch_matrix(data)
    first = add_months(data.month, 1 - TOUCH_MONTHS)

    def per_account(stage: str, model: str) -> str:
        value = charts.touches_per_account(cells.get((stage, model)))
        return "–" if value is None else f"{value:.2f}"

    return Chart(
        name="lifecycle_touches",
        title="CS touches by lifecycle stage and service model",
        definition=(
            f"CS activities per account-month, {month_label(first)} to {month_label(data.month)}:"
            " Σ touches ÷ Σ account-months, by the account's lifecycle stage and service model"
            " at each month's end — is CS present beyond onboarding and renewal?"
        ),
        figure=charts.lifecycle_touches(data, settings) if data.touches else None,
        table=Table(
            ["stage", *(label(m) for m in models), "acct-months"],
            [
                [
                    label(stage),
                    *(per_account(stage, model) for model in models),
                    count(
                        sum(
                            int((cells.get((stage, m)) or {}).get("account_months") or 0)
                            for m in models
                        )
                    ),
                ]
                for stage in stages
            ],
        ),
        source=f"fct_cs_touches_by_lifecycle (touches, accounts), {TOUCH_MONTHS} months",
    )


def _north_star(data: ReportData, settings: Settings) -> Chart:
    rows = data.north_star
    counted = statuses_text(settings)
    tiers = data.north_star_tiers
    return Chart(
        name="north_star",
        title=f"North star, {last_months(len(rows))}",
        lead=(
            f"{month_label(data.month)}: {percent(data.tiles.north_star)} of ARR in"
            f" {counted} health · outcome score {score(data.tiles.outcome_score)} ·"
            f" experience score {score(data.tiles.experience_score)}"
        ),
        definition=(
            f"North star = ARR of the paying accounts with health status {counted} ÷ ARR of all"
            " paying accounts at the end of each month; the outcome (utilization, usage trend,"
            " feature breadth, payment) and experience (NPS, support) scores, the two halves of"
            " health, are ARR-weighted averages (0–100)."
        ),
        figure=charts.north_star_trend(data, settings) if rows else None,
        table=Table(
            ["month", "north star", "outcome", "experience"],
            [
                [
                    month_label(r["month_start"]),
                    percent(r["north_star"]),
                    score(r["arr_weighted_outcome_score"]),
                    score(r["arr_weighted_experience_score"]),
                ]
                for r in rows
            ],
            name="north_star_trend",
            values=[
                [
                    None,
                    r["north_star"],
                    r["arr_weighted_outcome_score"],
                    r["arr_weighted_experience_score"],
                ]
                for r in rows
            ],
        ),
        more=[
            Table(
                ["tier", "north star", f"ARR ({settings.currency})", "customers"],
                [
                    [
                        "all" if r["segment_type"] == "all" else label(r["segment_value"]),
                        percent(r["north_star"]),
                        money(r["arr"]),
                        count(r["active_customers"]),
                    ]
                    for r in tiers
                ],
                name="north_star_tiers",
                caption=f"By tier, {month_label(data.month)}",
                values=[[None, r["north_star"], r["arr"], r["active_customers"]] for r in tiers],
            )
        ],
        source="fct_north_star_monthly, segments all and tier",
    )


def _nrr_drivers(data: ReportData, settings: Settings) -> Chart:
    rows = data.change_drivers.get("nrr_ttm", [])
    m, previous = month_label(data.month), month_label(add_months(data.month, -1))
    first = rows[0] if rows else None
    lead = (
        "no TTM NRR change to explain (14 months of history needed)"
        if first is None
        else f"NRR (TTM) {percent(first['previous_value'])} in {previous} →"
        f" {percent(first['current_value'])} in {m}:"
        f" {points(first['metric_change'])} percentage points"
    )
    return Chart(
        name="nrr_drivers",
        title=f"Why NRR (TTM) moved, {previous} → {m}",
        lead=lead,
        definition=(
            "Each account's contribution in percentage points = its MRR − year-ago base ÷ the"
            " cohort base of this month − the same of last month; the accounts with the largest"
            " contributions, then all other accounts; the rows add up to the change."
        ),
        figure=charts.change_drivers(rows, settings) if rows else None,
        table=Table(
            ["account", "driver", "points"],
            [[charts.driver_label(r), r["driver"], points(r["contribution"], 3)] for r in rows],
            total=["change", "", points(first["metric_change"], 3)] if first else None,
            numeric_from=2,
            name="nrr_drivers",
            values=[[r["account_id"], None, r["contribution"]] for r in rows],
            total_values=[None, None, first["metric_change"]] if first else None,
        ),
        source="fct_retention_change_drivers, segment all, metric nrr_ttm",
        empty_message="Trailing-twelve-month NRR needs 14 months of history to explain a change.",
    )


def _health_changes(data: ReportData, settings: Settings) -> Chart:
    m = month_label(data.month)
    months = settings.health_change_months
    compared = month_label(add_months(data.month, -months))
    drivers = data.health_drivers
    drops = data.health_drops
    return Chart(
        name="health_changes",
        title=f"Health score changes, {compared} → {m}",
        definition=(
            f"Paying accounts with a health score at the end of {m} and {months} months earlier"
            " (var health_change_months); the change is split into one contribution per"
            " component (re-weighting included) and the main driver is the component with the"
            " largest contribution."
        ),
        figure=charts.health_drivers(data, settings) if drivers else None,
        table=Table(
            ["main driver", "fell", "rose", "accounts"],
            [
                [label(r["main_driver"]), count(r["fell"]), count(r["rose"]), count(r["accounts"])]
                for r in drivers
            ],
            total=[
                "all",
                count(sum(int(r["fell"]) for r in drivers)),
                count(sum(int(r["rose"]) for r in drivers)),
                count(sum(int(r["accounts"]) for r in drivers)),
            ],
            name="health_drivers",
        ),
        below=[
            Table(
                [
                    "account",
                    "tier",
                    "main driver",
                    f"ARR ({settings.currency})",
                    f"score {compared}",
                    f"score {m}",
                    "change",
                    "driver points",
                ],
                [
                    [
                        r["account_name"],
                        label(r["tier"] or ""),
                        f"{label(r['main_driver'] or 'none')} ({r['main_driver_effect'] or '–'})",
                        money(r["arr"]),
                        score(r["previous_health_score"]),
                        score(r["health_score"]),
                        signed(r["health_change"]),
                        signed(r["main_driver_contribution"]),
                    ]
                    for r in drops
                ],
                numeric_from=3,
                name="health_drops",
                caption=f"The {HEALTH_DROPS} largest drops",
                values=[
                    [
                        r["account_id"],
                        None,
                        r["main_driver"],
                        r["arr"],
                        r["previous_health_score"],
                        r["health_score"],
                        r["health_change"],
                        r["main_driver_contribution"],
                    ]
                    for r in drops
                ],
            )
        ],
        source="fct_health_score_changes, fct_account_months (is_active, arr, tier), dim_accounts",
        empty_message=f"Health changes need health scores from {compared} on.",
    )


def _renewal_risk(data: ReportData, settings: Settings) -> Chart:
    windows = [r for r in data.renewal_windows if r["segment_type"] == "all"]
    as_of = "n/a" if data.as_of_date is None else f"{data.as_of_date:%Y-%m-%d}"
    note = (
        f"As of {as_of} (the build's as-of date), whatever the report month: renewals are"
        " always the ones ahead."
    )
    cur = settings.currency
    priority = data.renewal_priority
    return Chart(
        name="renewal_risk",
        title="Renewal risk ahead",
        note=note,
        definition=(
            f"Scheduled contract renewals due after {as_of} within each window (cumulative): ARR"
            " due = 12 × the subscription's MRR; expected ARR at risk = ARR due × (1 − the"
            " historical renewal rate of its health status and tier, else of its health status,"
            " else overall); needing attention = red or yellow health and no CS touch in"
            f" {settings.renewal_risk_touch_days} days."
        ),
        figure=charts.renewal_risk(data, settings) if windows and data.renewal_health else None,
        empty_message=(
            f"No renewal is due in the {max(data.windows)} days after {as_of}."
            if data.windows
            else "No renewal risk in the marts."
        ),
        table=Table(
            ["due within", "renewals", "ARR due", "at risk", "attention"],
            [
                [
                    f"{int(r['window_days'])} days",
                    count(r["renewals"]),
                    money(r["arr_due"]),
                    money(r["expected_arr_at_risk"]),
                    count(r["renewals_needing_attention"]),
                ]
                for r in windows
            ],
            name="renewal_windows",
            caption=f"Per window ({cur}; attention: renewals needing it)",
            values=[
                [
                    r["window_days"],
                    r["renewals"],
                    r["arr_due"],
                    r["expected_arr_at_risk"],
                    r["renewals_needing_attention"],
                ]
                for r in windows
            ],
        ),
        below=[
            Table(
                [
                    "#",
                    "account",
                    "tier",
                    "CSM",
                    "renewal",
                    "health",
                    "last touch",
                    f"ARR due ({cur})",
                    "renewal rate",
                    f"at risk ({cur})",
                ],
                [
                    [
                        str(r["priority_rank"]),
                        r["account_name"] + (" ⚑" if r["needs_attention"] else ""),
                        label(r["tier"] or ""),
                        r["csm_owner_name"] or "–",
                        f"{r['renewal_date']:%Y-%m-%d} ({int(r['days_until_renewal'])} d)",
                        r["health_status"],
                        "never"
                        if r["days_since_last_touch"] is None
                        else f"{int(r['days_since_last_touch'])} d ago",
                        money(r["arr_due"]),
                        percent(r["expected_renewal_rate"]),
                        money(r["expected_arr_at_risk"]),
                    ]
                    for r in priority
                ],
                numeric_from=7,
                name="renewal_priority",
                caption=(
                    f"The first {RENEWAL_PRIORITY_ROWS} renewals to act on (⚑ needs attention,"
                    " then the earliest)"
                ),
                values=[
                    [
                        r["priority_rank"],
                        r["account_id"],
                        None,
                        None,
                        None,
                        None,
                        None,
                        r["arr_due"],
                        r["expected_renewal_rate"],
                        r["expected_arr_at_risk"],
                    ]
                    for r in priority
                ],
            )
        ],
        source="fct_renewal_risk_by_segment (segment all), fct_renewal_risk (priority_rank)",
    )


def _movers_table(rows: list[dict[str, Any]], column: str, caption: str) -> Table:
    return Table(
        ["account", "tier", "MRR before", "change", "MRR after", "health before"],
        [
            [
                r["account_name"],
                label(r["tier"] or ""),
                money(r["previous_mrr_cc"], 2),
                money(r[column], 2),
                money(r["mrr"], 2),
                r["previous_health_status"]
                + (
                    ""
                    if r["previous_health_score"] is None
                    else f" ({float(r['previous_health_score']):.0f})"
                ),
            ]
            for r in rows
        ],
        numeric_from=2,
        caption=caption,
    )


def movers(data: ReportData, settings: Settings) -> TablesBlock:
    """The month's largest expansions and churns, side by side."""
    m = month_label(data.month)
    previous = month_label(add_months(data.month, -1))
    return TablesBlock(
        name="top_accounts",
        title="Top expansion and churn accounts of the month",
        definition=(
            f"Expansion = MRR of {m} − MRR of {previous} in constant currency when both are above"
            " 0; churn = the MRR of the month before lost when MRR reaches 0"
            f" ({settings.currency}); health at the end of {previous}."
        ),
        tables=[
            _movers_table(data.top_expansion, "expansion_mrr", f"Top expansion, {m}"),
            _movers_table(data.top_churn, "churned_mrr", f"Top churn, {m}"),
        ],
        source="fct_account_months (expansion_mrr, churned_mrr), dim_accounts (account_name)",
    )


SECTIONS: list[tuple[str, list[Callable[[ReportData, Settings], Chart]]]] = [
    ("North star", [_north_star]),
    ("Revenue", [_month_bridge, _bridge, _trend]),
    ("Retention", [_retention, _nrr_drivers, _cohorts]),
    ("Customer health", [_tier_health, _value_health, _health_mix, _health_changes]),
    ("Customer success", [_touches, _renewal_risk]),
]


def build_charts(data: ReportData, settings: Settings) -> list[tuple[str, list[Chart]]]:
    """Every section of the report with its charts (figures built, not yet rendered)."""
    return [(title, [make(data, settings) for make in makers]) for title, makers in SECTIONS]


# ------------------------------------------------------------------------------------ page
def render_html(
    data: ReportData,
    settings: Settings,
    generated_at: dt.datetime,
    sections: list[tuple[str, list[Chart]]] | None = None,
) -> str:
    """The complete report page (sections: from build_charts, built here when not given)."""
    m = month_label(data.month)
    note = (
        ""
        if data.month == data.latest_complete_month
        else f" (latest complete month: {month_label(data.latest_complete_month)})"
    )
    meta = (
        f"Month {m}{note} · snapshot {data.snapshot:%Y-%m-%d %H:%M} · reporting currency"
        f" {settings.currency} · data from {month_label(data.first_month)} · target"
        f" {data.target} ({data.engine}) · generated {generated_at:%Y-%m-%d %H:%M} UTC"
    )
    return render_page(
        "report.html.j2",
        month=m,
        meta=meta,
        plotly_js=Markup(get_plotlyjs()),
        tiles=tiles(data, settings),
        sections=sections if sections is not None else build_charts(data, settings),
        movers=movers(data, settings),
        marts_schema=MARTS_SCHEMA,
        currency=settings.currency,
        bridge_months=BRIDGE_MONTHS,
        trend_months=TREND_MONTHS,
    )
