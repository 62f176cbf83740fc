"""Assemble the visual report: one self-contained HTML page (tiles, charts, tables, print CSS).

The page loads nothing from anywhere: Plotly's JavaScript is inlined once in <head>, every
figure is a `Plotly.newPlot` call on inline JSON, fonts are the reader's system fonts, and
there are no images, links to stylesheets or MathJax.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Any

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from cs_metrics.report import charts
from cs_metrics.report.charts import label, month_label
from cs_metrics.report.data import (
    BRIDGE_MONTHS,
    HEALTH_STATUSES,
    QUADRANTS,
    RENEWAL_WINDOW_DAYS,
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


# ------------------------------------------------------------------------------- formatting
def money(value: Any, decimals: int = 0) -> str:
    """1234567.891 -> '1,234,568' (thousands separators; 'n/a' for None)."""
    if value is None:
        return "n/a"
    text = f"{Decimal(value):,.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text  # no "-0"


def percent(value: Any, decimals: int = 1) -> str:
    return "n/a" if value is None else f"{100 * float(value):.{decimals}f}%"


def count(value: Any) -> str:
    return "n/a" if value is None else f"{int(value):,}"


def _attr(value: Any) -> str:
    """The exact value of a mart number for a data-value attribute ('' for None)."""
    return "" if value is None else escape(str(value))


# ----------------------------------------------------------------------------- page parts
@dataclass
class Table:
    """A small numbers table; columns from `numeric_from` on are right-aligned numbers."""

    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    total: Sequence[str] | None = None
    numeric_from: int = 1

    def html(self) -> str:
        def cells(values: Sequence[str], tag: str) -> str:
            return "".join(
                f'<{tag} class="{"num" if i >= self.numeric_from else "txt"}">{escape(v)}</{tag}>'
                for i, v in enumerate(values)
            )

        body = "".join(f"<tr>{cells(row, 'td')}</tr>" for row in self.rows)
        foot = (
            f'<tfoot><tr class="total">{cells(self.total, "td")}</tr></tfoot>' if self.total else ""
        )
        empty = (
            f'<tr><td colspan="{len(self.headers)}" class="txt empty">none</td></tr>'
            if not self.rows
            else ""
        )
        return (
            f'<table class="numbers"><thead><tr>{cells(self.headers, "th")}</tr></thead>'
            f"<tbody>{body}{empty}</tbody>{foot}</table>"
        )


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

    def html(self) -> str:
        if self.figure is None:
            body = f'<div class="chart-empty">{escape(self.empty_message)}</div>'
        else:
            body = self.figure.to_html(
                full_html=False,
                include_plotlyjs=False,
                include_mathjax=False,
                div_id=f"chart-{self.name}",
                config=PLOTLY_CONFIG,
            )
        return (
            f'<section class="block" id="{self.name}" data-chart="{self.name}">'
            f"<h2>{escape(self.title)}</h2>"
            f'<p class="definition">{escape(self.definition)}</p>'
            f'<div class="row"><div class="chart">{body}</div>'
            f'<div class="side">{self.table.html()}'
            f'<p class="source">Source: {escape(self.source)}</p></div></div>'
            "</section>"
        )


@dataclass
class Tile:
    metric: str
    title: str
    value: Any
    shown: str
    note: str

    def html(self) -> str:
        return (
            f'<div class="tile" data-metric="{self.metric}" data-value="{_attr(self.value)}"'
            f' title="{escape(self.note)}">'
            f'<div class="tile-title">{escape(self.title)}</div>'
            f'<div class="tile-value">{escape(self.shown)}</div>'
            f'<div class="tile-note">{escape(self.note)}</div></div>'
        )


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
            "healthy_arr_share",
            "Healthy ARR",
            t.healthy_arr_share,
            percent(t.healthy_arr_share),
            "share of ARR held by paying accounts with health status green",
        ),
    ]


def _bridge(data: ReportData, settings: Settings) -> Chart:
    steps = charts.bridge_steps(data.bridge)
    first = data.bridge[0]["month_start"] if data.bridge else data.month
    return Chart(
        name="mrr_bridge",
        title=f"MRR bridge, last {len(data.bridge)} months",
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
        source=f"fct_mrr_bridge_monthly, {len(data.bridge)} months to {month_label(data.month)}",
    )


def _trend(data: ReportData, settings: Settings) -> Chart:
    return Chart(
        name="mrr_customers",
        title="MRR and customers over time",
        definition=(
            "MRR (bars) and active customers — accounts with MRR > 0 — (line) at the end of"
            f" each of the last {TREND_MONTHS} months."
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


def _renewals(data: ReportData, settings: Settings) -> Chart:
    statuses = charts.ordered(
        {"green", "yellow", "red", *(r["health_status"] for r in data.renewals)}, HEALTH_STATUSES
    )
    total_arr = sum((Decimal(r["arr"]) for r in data.renewals), Decimal(0))
    rows = []
    for status in statuses:
        selected = [r for r in data.renewals if r["health_status"] == status]
        arr = sum((Decimal(r["arr"]) for r in selected), Decimal(0))
        rows.append(
            [
                status,
                count(len(selected)),
                money(arr),
                percent(arr / total_arr if total_arr else None),
            ]
        )
    start = data.snapshot
    end = data.renewal_window_end
    return Chart(
        name="renewals",
        title=f"Renewals due in the next {RENEWAL_WINDOW_DAYS} days, by health",
        definition=(
            f"Accounts paying at the end of {month_label(data.month)} whose next contract renewal"
            " (next_renewal_at: the earliest renewal of a subscription with a term of 12 months"
            f" or more) falls in [{start:%Y-%m-%d}, {end:%Y-%m-%d}): the {RENEWAL_WINDOW_DAYS}"
            " days after the month's end, the window of the lifecycle stage 'renewal'; the"
            " account's ARR and health at the end of the month."
        ),
        figure=charts.renewals(data, settings),
        table=Table(
            ["health", "accounts", f"ARR ({settings.currency})", "share"],
            rows,
            total=[
                "all",
                count(len(data.renewals)),
                money(total_arr),
                percent(1 if total_arr else None),
            ],
        ),
        source="fct_account_months (next_renewal_at, arr, health_status), month M",
    )


def _movers_table(rows: list[dict[str, Any]], column: str, settings: Settings) -> Table:
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
    )


def movers_html(data: ReportData, settings: Settings) -> str:
    m = month_label(data.month)
    previous = month_label(add_months(data.month, -1))
    parts = []
    for title, rows, column in (
        (f"Top expansion, {m}", data.top_expansion, "expansion_mrr"),
        (f"Top churn, {m}", data.top_churn, "churned_mrr"),
    ):
        table = _movers_table(rows, column, settings).html()
        parts.append(f'<div class="mover"><h3>{escape(title)}</h3>{table}</div>')
    return (
        '<section class="block movers" id="top_accounts">'
        "<h2>Top expansion and churn accounts of the month</h2>"
        f'<p class="definition">Expansion = MRR of {m} − MRR of {previous} in constant currency'
        " when both are above 0; churn = the MRR of the month before lost when MRR reaches 0"
        f" ({settings.currency}); health at the end of {previous}.</p>"
        f'<div class="row">{"".join(parts)}</div>'
        '<p class="source">Source: fct_account_months (expansion_mrr, churned_mrr), dim_accounts'
        " (account_name)</p></section>"
    )


SECTIONS: list[tuple[str, list[Callable[[ReportData, Settings], Chart]]]] = [
    ("Revenue", [_bridge, _trend]),
    ("Retention", [_retention, _cohorts]),
    ("Customer health", [_tier_health, _value_health, _health_mix]),
    ("Customer success", [_touches, _renewals]),
]


def build_charts(data: ReportData, settings: Settings) -> list[tuple[str, list[Chart]]]:
    """Every section of the report with its charts (figures built, not yet rendered)."""
    return [(title, [make(data, settings) for make in makers]) for title, makers in SECTIONS]


# ------------------------------------------------------------------------------------ page
CSS = """
:root { --ink: #212529; --muted: #6c757d; --rule: #dee2e6; --accent: #1d3557; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f5f7; color: var(--ink);
  font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
.page { width: 1060px; margin: 0 auto; padding: 20px 20px 40px; background: #fff; }
header h1 { margin: 0 0 2px; font-size: 22px; color: var(--accent); }
header .meta { color: var(--muted); margin: 0 0 14px; }
h2 { font-size: 16px; margin: 0 0 2px; color: var(--accent); }
h3 { font-size: 13px; margin: 0 0 4px; }
.group-title { font-size: 12px; text-transform: uppercase; letter-spacing: .08em;
  color: var(--muted);
  border-bottom: 2px solid var(--accent); margin: 22px 0 8px; padding-bottom: 2px; }
.tiles { display: grid; grid-template-columns: repeat(7, 1fr); gap: 8px; }
.tile { border: 1px solid var(--rule); border-top: 3px solid var(--accent); border-radius: 4px;
  padding: 8px 8px 6px; }
.tile-title { font-size: 11px; text-transform: uppercase; letter-spacing: .04em;
  color: var(--muted); }
.tile-value { font-size: 18px; font-weight: 650; margin: 2px 0; white-space: nowrap;
  font-variant-numeric: tabular-nums; }
.tile-note { font-size: 10.5px; color: var(--muted); line-height: 1.25; }
.block { margin: 16px 0 8px; padding-top: 6px; border-top: 1px solid var(--rule); }
.definition { color: #495057; margin: 0 0 6px; font-size: 12px; }
.row { display: flex; gap: 14px; align-items: flex-start; }
.chart { flex: 0 0 620px; min-height: 60px; }
.chart-empty { width: 620px; padding: 40px 10px; text-align: center; color: var(--muted);
  border: 1px dashed var(--rule); }
.side { flex: 1 1 auto; min-width: 0; }
.movers .row > .mover { flex: 1 1 50%; min-width: 0; }
table.numbers { border-collapse: collapse; width: 100%; font-size: 11px;
  font-variant-numeric: tabular-nums; }
table.numbers th { text-align: right; border-bottom: 1px solid #adb5bd; padding: 2px 4px;
  font-weight: 600; color: #495057; }
table.numbers td { padding: 1px 4px; border-bottom: 1px solid #f1f3f5; }
table.numbers .txt { text-align: left; }
table.numbers .num { text-align: right; white-space: nowrap; }
table.numbers tr.total td { border-top: 1px solid #adb5bd; font-weight: 600; }
table.numbers td.empty { color: var(--muted); font-style: italic; }
.source { color: var(--muted); font-size: 10.5px; margin: 4px 0 0; }
footer { margin-top: 24px; border-top: 1px solid var(--rule); padding-top: 8px; color: var(--muted);
  font-size: 11px; }
/* Print: A4 portrait, the 1,020 px page scaled to the 190 mm between the margins. */
@page { size: A4 portrait; margin: 10mm; }
@media print {
  body { background: #fff; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .page { width: 1020px; margin: 0; padding: 0; zoom: 0.7; }
  .modebar, .modebar-container { display: none !important; }
  .block, .tiles, .tile, table.numbers tr { break-inside: avoid; page-break-inside: avoid; }
  .group-title { break-after: avoid; page-break-after: avoid; }
  .block h2, .definition { break-after: avoid; page-break-after: avoid; }
}
"""


def render_html(
    data: ReportData,
    settings: Settings,
    generated_at: dt.datetime,
    sections: list[tuple[str, list[Chart]]] | None = None,
) -> str:
    """The complete report page (sections: from build_charts, built here when not given)."""
    m = month_label(data.month)
    sections = sections if sections is not None else build_charts(data, settings)
    parts = [
        f'<div class="group-title">{escape(title)}</div>' + "".join(c.html() for c in group)
        for title, group in sections
    ]
    note = (
        ""
        if data.month == data.latest_complete_month
        else (f" (latest complete month: {month_label(data.latest_complete_month)})")
    )
    meta = (
        f"Month {m}{note} · snapshot {data.snapshot:%Y-%m-%d %H:%M} · reporting currency"
        f" {settings.currency} · data from {month_label(data.first_month)} · target"
        f" {data.target} ({data.engine}) · generated {generated_at:%Y-%m-%d %H:%M} UTC"
    )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>Customer-success metrics — {m}</title>",
            f"<style>{CSS}</style>",
            "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>",
            f"<script>{get_plotlyjs()}</script>",
            '</head><body><div class="page">',
            f"<header><h1>Customer-success metrics — {escape(m)}</h1>"
            f'<p class="meta" data-month="{m}">{escape(meta)}</p></header>',
            f'<div class="tiles">{"".join(t.html() for t in tiles(data, settings))}</div>',
            *parts,
            f'<div class="group-title">Accounts</div>{movers_html(data, settings)}',
            "<footer>Definitions: the cs_metrics dbt docs (metrics.md); every number comes from"
            " the public marts (schema marts). Money in"
            f" {escape(settings.currency)}, at each month's exchange rates unless stated."
            f" Renewal window: {RENEWAL_WINDOW_DAYS} days; bridge: {BRIDGE_MONTHS} months; trends:"
            f" {TREND_MONTHS} months.</footer>",
            "</div></body></html>",
        ]
    )
