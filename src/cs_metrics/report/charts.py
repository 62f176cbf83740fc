"""Plotly figures of the visual report, one function per chart (numbers from `ReportData`).

Figures have a fixed size so the screen and the print layout (A4 landscape) agree, use the
system font stack (no web fonts) and plain Python lists (readable JSON in the HTML file).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cs_metrics.report.data import (
    HEALTH_STATUSES,
    LIFECYCLE_STAGES,
    QUADRANTS,
    SERVICE_MODELS,
    TIERS,
    ReportData,
    Settings,
)

MONEY_TICKS = ",.2~f"  # 12,500 and 0.5: whole amounts without decimals, small ones distinct
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
CHART_WIDTH = 620
TALL = 470  # charts beside a table of 24 months
HEALTH_COLORS = {"green": "#2b9348", "yellow": "#e9b300", "red": "#d62828", "unknown": "#adb5bd"}
SERVICE_COLORS = {
    "high_touch": "#1d3557",
    "mid_touch": "#457b9d",
    "tech_touch": "#a8dadc",
    "unknown": "#adb5bd",
}
QUADRANT_COLORS = {
    "expand": "#2b9348",
    "rescue": "#d62828",
    "nurture": "#457b9d",
    "monitor": "#e9b300",
}
POSITIVE, NEGATIVE, TOTAL = "#2b9348", "#d62828", "#1d3557"


def num(value: Any) -> float | None:
    """A JSON-friendly float (None stays None)."""
    return None if value is None else float(value)


def pct(value: Any) -> float | None:
    return None if value is None else round(100 * float(value), 4)


def month_label(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def label(value: str) -> str:
    """'mid_market' -> 'mid market'."""
    return value.replace("_", " ")


def last_months(count: int) -> str:
    """'last month', 'last 12 months'."""
    return "last month" if count == 1 else f"last {count} months"


def integer_step(high: float, low: float = 0.0, ticks: int = 6) -> int:
    """A tick step for a count axis: 1, 2 or 5 × 10^k, at least 1, about `ticks` ticks.

    Plotly's own steps on a short range (28 to 30 customers) are fractions, which a whole-number
    format prints twice ("29, 29"); a whole step never does.
    """
    raw = max(high - low, 1.0) / ticks
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if factor * magnitude >= raw:
                return factor * magnitude
        magnitude *= 10


def count_axis(values: Iterable[float | None], *, bars: bool = True) -> dict[str, Any]:
    """Axis settings for counts (customers, accounts): whole-number ticks, none repeated.

    bars: the axis starts at 0 (bars); else it spans the values only (a line).
    """
    present = [float(v) for v in values if v is not None] or [0.0]
    high = max(present)
    low = min(0.0, *present) if bars else min(present)
    return {"tickformat": ",d", "tick0": 0, "dtick": integer_step(high, low)}


def month_axis(months: list[str]) -> dict[str, Any]:
    """Axis settings for months (YYYY-MM): one category per month.

    A date axis would zoom into milliseconds around a single month ("23:59:59.9996") and give
    bars of one millisecond; categories show the months as they are, however few.
    """
    return {"type": "category", "categoryorder": "array", "categoryarray": months}


def ordered(values: Iterable[str], known: tuple[str, ...]) -> list[str]:
    """The known values first in their order, then any others (e.g. 'unknown') sorted."""
    present = set(values)
    return [v for v in known if v in present] + sorted(present - set(known))


def _layout(fig: go.Figure, *, height: int, currency: str | None = None, **extra: Any) -> None:
    fig.update_layout(
        template="plotly_white",
        width=CHART_WIDTH,
        height=height,
        margin={"l": 60, "r": 20, "t": 30, "b": 40},
        font={"family": FONT, "size": 12, "color": "#212529"},
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "x": 0,
            "traceorder": "normal",
        },
        separators=".,",
        **extra,
    )
    if currency:
        fig.update_yaxes(tickformat=MONEY_TICKS)


def mrr_bridge(data: ReportData, settings: Settings) -> go.Figure:
    """Waterfall: MRR at the start of the period shown, the summed movements, MRR at its end."""
    return waterfall(bridge_steps(data.bridge), settings)


def month_bridge(data: ReportData, settings: Settings) -> go.Figure:
    """Waterfall of the report month: MRR at the end of the month before, the month's
    movements, MRR at the end of the month.

    A month's movements are small beside MRR: the axis spans the levels the bridge passes
    through (from 0 when they come near it), so each movement is visible.
    """
    steps = bridge_steps(data.bridge[-1:])
    fig = waterfall(steps, settings)
    levels = [float(steps[0][1])]
    for _, amount in steps[1:-1]:
        levels.append(levels[-1] + float(amount))
    low, high = min(levels), max(levels)
    pad = (high - low) or abs(high) * 0.01 or 1.0
    bottom = low - 0.6 * pad
    fig.update_yaxes(range=[bottom if bottom > 0 else 0, high + 0.4 * pad])
    return fig


def waterfall(steps: list[tuple[str, Decimal]], settings: Settings) -> go.Figure:
    """A start, the movements, an end (bridge_steps) as a waterfall."""
    measures = ["absolute"] + ["relative"] * (len(steps) - 2) + ["total"]
    fig = go.Figure(
        go.Waterfall(
            x=[name for name, _ in steps],
            y=[num(value) for _, value in steps],
            measure=measures,
            increasing={"marker": {"color": POSITIVE}},
            decreasing={"marker": {"color": NEGATIVE}},
            totals={"marker": {"color": TOTAL}},
            connector={"line": {"color": "#868e96", "width": 1}},
            hovertemplate="%{x}: %{y:,.0f} " + settings.currency + "<extra></extra>",
        )
    )
    _layout(fig, height=360, currency=settings.currency, showlegend=False)
    fig.update_yaxes(title_text=f"MRR ({settings.currency})")
    return fig


def bridge_steps(rows: list[dict[str, Any]]) -> list[tuple[str, Decimal]]:
    """(label, amount) of the waterfall: start, the six movements summed, end."""
    if not rows:
        return []

    def total(column: str) -> Decimal:
        return sum((Decimal(row[column]) for row in rows), Decimal(0))

    return [
        (f"start {_previous_label(rows[0]['month_start'])}", Decimal(rows[0]["starting_mrr"])),
        ("new", total("new_mrr")),
        ("reactivation", total("reactivation_mrr")),
        ("expansion", total("expansion_mrr")),
        ("contraction", total("contraction_mrr")),
        ("churned", total("churned_mrr")),
        ("fx", total("fx_impact_mrr")),
        (f"end {month_label(rows[-1]['month_start'])}", Decimal(rows[-1]["ending_mrr"])),
    ]


def _previous_label(month: dt.date) -> str:
    previous = month.replace(day=1) - dt.timedelta(days=1)
    return month_label(previous)


def mrr_and_customers(data: ReportData, settings: Settings) -> go.Figure:
    """MRR bars and active customers (line, right axis) per month."""
    months = [month_label(row["month_start"]) for row in data.trend]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Bar(
            x=months,
            y=[num(row["ending_mrr"]) for row in data.trend],
            name=f"MRR ({settings.currency})",
            marker_color="#457b9d",
            hovertemplate="%{x}: %{y:,.0f} " + settings.currency + "<extra>MRR</extra>",
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=months,
            y=[int(row["ending_customers"]) for row in data.trend],
            name="active customers",
            mode="lines+markers",
            line={"color": "#e76f51", "width": 2},
            hovertemplate="%{x}: %{y:,} customers<extra></extra>",
        ),
        secondary_y=True,
    )
    _layout(fig, height=TALL)
    fig.update_xaxes(**month_axis(months))
    fig.update_yaxes(
        title_text=f"MRR ({settings.currency})", tickformat=MONEY_TICKS, secondary_y=False
    )
    fig.update_yaxes(
        title_text="customers",
        secondary_y=True,
        showgrid=False,
        **count_axis((row["ending_customers"] for row in data.trend), bars=False),
    )
    fig.update_layout(margin={"l": 70, "r": 60, "t": 30, "b": 60})
    return fig


def retention_trend(data: ReportData, settings: Settings) -> go.Figure:
    """NRR, GRR and logo retention, trailing twelve months, per month."""
    months = [month_label(row["month_start"]) for row in data.retention_trend]
    fig = go.Figure()
    for column, name, color in (
        ("nrr_ttm", "NRR TTM", "#1d3557"),
        ("grr_ttm", "GRR TTM", "#457b9d"),
        ("logo_retention_ttm", "logo retention TTM", "#e76f51"),
    ):
        fig.add_trace(
            go.Scatter(
                x=months,
                y=[pct(row[column]) for row in data.retention_trend],
                name=name,
                mode="lines+markers",
                line={"color": color, "width": 2},
                hovertemplate="%{x}: %{y:.1f}%<extra>" + name + "</extra>",
            )
        )
    _layout(fig, height=TALL)
    fig.update_xaxes(**month_axis(months))
    fig.update_yaxes(title_text="% of the cohort 12 months earlier", ticksuffix="%")
    fig.update_layout(margin={"l": 60, "r": 20, "t": 30, "b": 60})
    return fig


def cohort_matrix(data: ReportData) -> tuple[list[str], list[int], list[list[float | None]]]:
    """(cohort labels, months since start, revenue retention in % per cohort and month)."""
    cohorts = sorted({row["cohort_month"] for row in data.cohorts})
    ks = sorted({int(row["months_since_start"]) for row in data.cohorts})
    cells = {
        (row["cohort_month"], int(row["months_since_start"])): pct(row["revenue_retention"])
        for row in data.cohorts
    }
    z = [[cells.get((cohort, k)) for k in ks] for cohort in cohorts]
    return [month_label(c) for c in cohorts], ks, z


def cohort_heatmap(data: ReportData, settings: Settings) -> go.Figure:
    """Revenue retention per cohort (rows) and months since the cohort month (columns)."""
    cohorts, ks, z = cohort_matrix(data)
    fig = go.Figure(
        go.Heatmap(
            x=ks,
            y=cohorts,
            z=z,
            colorscale="RdYlGn",
            zmid=100,
            zmin=50,
            zmax=150,
            colorbar={"title": {"text": "%"}, "ticksuffix": "%", "thickness": 12},
            hoverongaps=False,
            xgap=1,
            ygap=1,
            hovertemplate="cohort %{y}, month %{x}: %{z:.1f}%<extra></extra>",
        )
    )
    _layout(fig, height=max(300, 120 + 16 * len(cohorts)))
    fig.update_xaxes(title_text="months since the cohort's first paid month", dtick=3)
    fig.update_yaxes(title_text="cohort", autorange="reversed", type="category")
    fig.update_layout(margin={"l": 70, "r": 20, "t": 20, "b": 50})
    return fig


def tier_health(data: ReportData, settings: Settings) -> go.Figure:
    """Customers and ARR by tier, stacked by health status (two panels)."""
    tiers = ordered((row["tier"] for row in data.tier_health), TIERS)
    statuses = ordered((row["health_status"] for row in data.tier_health), HEALTH_STATUSES)
    cells = {(row["tier"], row["health_status"]): row for row in data.tier_health}
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("customers", f"ARR ({settings.currency})"),
        horizontal_spacing=0.14,
    )
    for status in statuses:
        for col, column in ((1, "customers"), (2, "arr")):
            values = [num(cells.get((tier, status), {}).get(column) or 0) for tier in tiers]
            fig.add_trace(
                go.Bar(
                    x=[label(t) for t in tiers],
                    y=values,
                    name=status,
                    legendgroup=status,
                    showlegend=col == 1,
                    marker_color=HEALTH_COLORS.get(status, "#6c757d"),
                    hovertemplate="%{x}, " + status + ": %{y:,.0f}<extra></extra>",
                ),
                row=1,
                col=col,
            )
    _layout(fig, height=380, barmode="stack")
    customers = [
        sum(int(cells.get((tier, status), {}).get("customers") or 0) for status in statuses)
        for tier in tiers
    ]
    fig.update_yaxes(**count_axis(customers), row=1, col=1)
    fig.update_yaxes(tickformat=MONEY_TICKS, row=1, col=2)
    fig.update_layout(
        margin={"l": 50, "r": 20, "t": 80, "b": 40},
        legend={"y": 1.12, "yanchor": "bottom"},
    )
    return fig


def value_health(data: ReportData, settings: Settings) -> go.Figure:
    """Each paying account with a health score: ARR (log) against health score, by quadrant."""
    fig = go.Figure()
    scored = [row for row in data.accounts if row["health_score"] is not None]
    for quadrant in ordered((row["value_health_quadrant"] or "none" for row in scored), QUADRANTS):
        rows = [row for row in scored if (row["value_health_quadrant"] or "none") == quadrant]
        fig.add_trace(
            go.Scatter(
                x=[num(row["arr"]) for row in rows],
                y=[round(float(row["health_score"]), 2) for row in rows],
                text=[row["account_name"] for row in rows],
                mode="markers",
                name=quadrant,
                marker={
                    "color": QUADRANT_COLORS.get(quadrant, "#6c757d"),
                    "size": 6,
                    "opacity": 0.75,
                    "line": {"width": 0},
                },
                hovertemplate=(
                    "%{text}<br>ARR %{x:,.0f} "
                    + settings.currency
                    + "<br>health %{y:.1f}<extra>"
                    + quadrant
                    + "</extra>"
                ),
            )
        )
    threshold = float(settings.value_high_min_arr)
    green = float(settings.health_green_min)
    _layout(fig, height=400)
    fig.add_vline(x=threshold, line={"color": "#495057", "width": 1, "dash": "dash"})
    fig.add_hline(y=green, line={"color": "#495057", "width": 1, "dash": "dash"})
    fig.update_xaxes(
        type="log", title_text=f"ARR ({settings.currency}, log scale)", tickformat="~s", dtick="D2"
    )
    fig.update_yaxes(title_text="health score", range=[0, 101])
    fig.update_layout(margin={"l": 60, "r": 20, "t": 30, "b": 50})
    return fig


def health_mix(data: ReportData, settings: Settings) -> go.Figure:
    """Paying accounts by health status, stacked, per month."""
    months = sorted({row["month_start"] for row in data.health_mix})
    statuses = ordered((row["health_status"] for row in data.health_mix), HEALTH_STATUSES)
    cells = {(row["month_start"], row["health_status"]): row for row in data.health_mix}
    fig = go.Figure()
    for status in statuses:
        fig.add_trace(
            go.Bar(
                x=[month_label(m) for m in months],
                y=[int(cells.get((m, status), {}).get("customers") or 0) for m in months],
                name=status,
                marker_color=HEALTH_COLORS.get(status, "#6c757d"),
                hovertemplate="%{x}, " + status + ": %{y:,} customers<extra></extra>",
            )
        )
    _layout(fig, height=TALL, barmode="stack")
    fig.update_xaxes(**month_axis([month_label(m) for m in months]))
    totals = [
        sum(int(cells.get((m, status), {}).get("customers") or 0) for status in statuses)
        for m in months
    ]
    fig.update_yaxes(title_text="paying accounts", **count_axis(totals))
    fig.update_layout(margin={"l": 60, "r": 20, "t": 30, "b": 60})
    return fig


def touch_matrix(data: ReportData) -> tuple[list[str], list[str], dict[tuple[str, str], Any]]:
    """(stages, service models, {(stage, model): row}) of the touches table and chart."""
    stages = ordered((row["lifecycle_stage"] for row in data.touches), LIFECYCLE_STAGES)
    models = ordered((row["service_model"] for row in data.touches), SERVICE_MODELS)
    cells = {(row["lifecycle_stage"], row["service_model"]): row for row in data.touches}
    return stages, models, cells


def touches_per_account(row: dict[str, Any] | None) -> float | None:
    """Σ touches ÷ Σ account-months (None for an empty group)."""
    if not row or not row["account_months"]:
        return None
    return float(row["touches"]) / float(row["account_months"])


def lifecycle_touches(data: ReportData, settings: Settings) -> go.Figure:
    """Touches per account-month by lifecycle stage, one bar per service model."""
    stages, models, cells = touch_matrix(data)
    fig = go.Figure()
    for model in models:
        values = [touches_per_account(cells.get((stage, model))) for stage in stages]
        fig.add_trace(
            go.Bar(
                x=[label(s) for s in stages],
                y=[0 if v is None else round(v, 4) for v in values],
                name=label(model),
                marker_color=SERVICE_COLORS.get(model, "#6c757d"),
                hovertemplate="%{x}, " + label(model) + ": %{y:.2f}<extra></extra>",
            )
        )
    _layout(fig, height=360, barmode="group")
    fig.update_yaxes(title_text="touches per account-month", tickformat=".2f")
    return fig


def north_star_trend(data: ReportData, settings: Settings) -> go.Figure:
    """North star per month (bars), ARR-weighted outcome and experience scores (right axis)."""
    rows = data.north_star
    months = [month_label(row["month_start"]) for row in rows]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Bar(
            x=months,
            y=[pct(row["north_star"]) for row in rows],
            name="north star (% of ARR)",
            marker_color="#74c69d",
            hovertemplate="%{x}: %{y:.1f}% of ARR<extra>north star</extra>",
        ),
        secondary_y=False,
    )
    for column, name, color in (
        ("arr_weighted_outcome_score", "outcome score", "#1d3557"),
        ("arr_weighted_experience_score", "experience score", "#e76f51"),
    ):
        fig.add_trace(
            go.Scatter(
                x=months,
                y=[None if row[column] is None else round(float(row[column]), 4) for row in rows],
                name=name,
                mode="lines+markers",
                line={"color": color, "width": 2},
                hovertemplate="%{x}: %{y:.1f}<extra>" + name + "</extra>",
            ),
            secondary_y=True,
        )
    _layout(fig, height=TALL)
    fig.update_xaxes(**month_axis(months))
    fig.update_yaxes(
        title_text="north star (% of ARR)", ticksuffix="%", range=[0, 100], secondary_y=False
    )
    fig.update_yaxes(
        title_text="ARR-weighted score (0–100)",
        range=[0, 100],
        secondary_y=True,
        showgrid=False,
    )
    fig.update_layout(margin={"l": 60, "r": 60, "t": 30, "b": 60})
    return fig


def driver_label(row: dict[str, Any]) -> str:
    """'3. Acme Inc.' for an account, 'other accounts (226)' for the rest."""
    if row["account_id"] is None:
        return f"other accounts ({int(row['account_count']):,})"
    return f"{int(row['driver_rank'])}. {row['account_name'] or row['account_id']}"


def change_drivers(rows: list[dict[str, Any]], settings: Settings) -> go.Figure:
    """Horizontal bars: each driver's contribution to the change, in points, and the change."""
    labels = [driver_label(row) for row in rows]
    values = [round(100 * float(row["contribution"]), 6) for row in rows]
    change = round(100 * float(rows[0]["metric_change"]), 6) if rows else 0.0
    labels.append("change")
    values.append(change)
    colors = [POSITIVE if v >= 0 else NEGATIVE for v in values[:-1]] + [TOTAL]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker_color=colors,
            text=[f"{v:+.2f}" for v in values],
            textposition="outside",
            cliponaxis=False,
            customdata=[row["driver"] for row in rows] + ["sum of the rows"],
            hovertemplate="%{y} (%{customdata}): %{x:+.3f} points<extra></extra>",
        )
    )
    _layout(fig, height=max(260, 70 + 24 * len(labels)), showlegend=False)
    fig.update_yaxes(autorange="reversed", type="category", automargin=True)
    low, high = min(0.0, *values), max(0.0, *values)
    pad = 0.18 * ((high - low) or 1.0)  # room for the labels outside the bars
    fig.update_xaxes(
        title_text="contribution (percentage points)",
        zeroline=True,
        range=[low - (pad if low < 0 else 0), high + pad],
    )
    fig.update_layout(margin={"l": 10, "r": 40, "t": 10, "b": 50})
    return fig


def health_drivers(data: ReportData, settings: Settings) -> go.Figure:
    """Accounts per main driver of their health change, split by direction."""
    rows = [row for row in data.health_drivers if row["main_driver"] != "none"]
    names = [label(row["main_driver"]) for row in rows]
    fig = go.Figure()
    for column, name, color in (("fell", "score fell", NEGATIVE), ("rose", "score rose", POSITIVE)):
        fig.add_trace(
            go.Bar(
                x=names,
                y=[int(row[column]) for row in rows],
                name=name,
                marker_color=color,
                hovertemplate="%{x}: %{y:,} accounts<extra>" + name + "</extra>",
            )
        )
    _layout(fig, height=320, barmode="group")
    fig.update_yaxes(
        title_text="paying accounts",
        **count_axis(max(int(row["fell"]), int(row["rose"])) for row in rows),
    )
    return fig


def window_label(days: int) -> str:
    return f"next {days} days"


def renewal_health_matrix(data: ReportData) -> dict[tuple[int, str], dict[str, float]]:
    """{(window, health status): {renewals, arr_due, at_risk}}, windows cumulative."""
    cells: dict[tuple[int, str], dict[str, float]] = {}
    for window in data.windows:
        for row in data.renewal_health:
            if int(row["window_days"]) > window:
                continue
            cell = cells.setdefault(
                (window, row["health_status"]), {"renewals": 0, "arr_due": 0.0, "at_risk": 0.0}
            )
            cell["renewals"] += int(row["renewals"])
            cell["arr_due"] += float(row["arr_due"] or 0)
            cell["at_risk"] += float(row["expected_arr_at_risk"] or 0)
    return cells


def renewal_risk(data: ReportData, settings: Settings) -> go.Figure:
    """ARR due and expected ARR at risk per window after the as-of date, stacked by health."""
    windows = data.windows
    cells = renewal_health_matrix(data)
    statuses = ordered({status for _, status in cells}, HEALTH_STATUSES)
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(
            f"ARR due ({settings.currency})",
            f"expected ARR at risk ({settings.currency})",
        ),
        horizontal_spacing=0.14,
    )
    for status in statuses:
        for col, column in ((1, "arr_due"), (2, "at_risk")):
            fig.add_trace(
                go.Bar(
                    x=[window_label(w) for w in windows],
                    y=[round(cells.get((w, status), {}).get(column, 0.0), 2) for w in windows],
                    name=status,
                    legendgroup=status,
                    showlegend=col == 1,
                    marker_color=HEALTH_COLORS.get(status, "#6c757d"),
                    hovertemplate="%{x}, "
                    + status
                    + ": %{y:,.0f} "
                    + settings.currency
                    + "<extra></extra>",
                ),
                row=1,
                col=col,
            )
    _layout(fig, height=360, barmode="stack")
    fig.update_yaxes(tickformat=MONEY_TICKS)
    fig.update_layout(
        margin={"l": 70, "r": 20, "t": 80, "b": 40},
        legend={"y": 1.12, "yanchor": "bottom"},
    )
    return fig
