"""`cs-metrics summary`: the latest complete month from the marts, and the accounts as of the
build's as-of date (the month in progress), as text on the terminal.

Reads the marts of any dbt target through `cs_metrics.warehouse` (so a missing, locked,
damaged or unbuilt database is answered in one line), and prints every line through
`cs_metrics.console.echo`, so text from the data (an account name) cannot drive the terminal.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from cs_metrics.project import MARTS_SCHEMA
from cs_metrics.report.data import ReportError, build_as_of_date, sql_date
from cs_metrics.warehouse import Warehouse

MARTS = MARTS_SCHEMA
REQUIRED_MARTS = ("fct_mrr_bridge_monthly", "fct_account_months")


def _money(value: Any, currency: str = "") -> str:
    if value is None:
        return "n/a"
    return f"{value:,.2f}{(' ' + currency) if currency else ''}"


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _counts(wh: Warehouse, column: str) -> list[tuple[str, int]]:
    """Active accounts per value of a column in the month in progress (as of today: the same
    accounts and values as dim_accounts' current columns)."""
    rows = wh.rows(
        f"""
        select coalesce(cast({column} as varchar), 'unknown') as label, count(*) as accounts
        from {MARTS}.fct_account_months
        where not is_month_complete and is_active
        group by coalesce(cast({column} as varchar), 'unknown')
        order by accounts desc, label
        """
    )
    return [(str(row["label"]), int(row["accounts"])) for row in rows]


def _first(wh: Warehouse, table: str, sql: str) -> dict[str, Any] | None:
    """The first row of a query on an optional mart (None when the mart or the row is absent)."""
    if not wh.has_table(MARTS, table):
        return None
    rows = wh.rows(sql)
    return rows[0] if rows else None


def _north_star_lines(wh: Warehouse, month: dt.date) -> list[str]:
    row = _first(
        wh,
        "fct_north_star_monthly",
        f"""
        select north_star, arr_weighted_outcome_score, arr_weighted_experience_score
        from {MARTS}.fct_north_star_monthly
        where segment_type = 'all' and month_start = {sql_date(month)}
        """,
    )
    if row is None:
        return []

    def score(value: Any) -> str:
        return "n/a" if value is None else f"{float(value):.1f}"

    return [
        f"  North star     {_pct(row['north_star'])} of ARR held by accounts in good health  "
        f"(ARR-weighted outcome score {score(row['arr_weighted_outcome_score'])}, experience"
        f" {score(row['arr_weighted_experience_score'])})"
    ]


def _nrr_change_lines(wh: Warehouse, month: dt.date) -> list[str]:
    """The trailing-twelve-month NRR change against last month and its largest driver."""
    row = _first(
        wh,
        "fct_retention_change_drivers",
        f"""
        select metric_change, account_id, account_name, driver, contribution
        from {MARTS}.fct_retention_change_drivers
        where segment_type = 'all' and metric = 'nrr_ttm' and month_start = {sql_date(month)}
        order by driver_rank
        limit 1
        """,
    )
    if row is None:
        return []
    line = f"  NRR change     {100 * float(row['metric_change']):+.2f} pts against last month"
    if row["account_id"] is not None:
        line += (
            f"; largest driver {row['account_name'] or row['account_id']} ({row['driver']}, "
            f"{100 * float(row['contribution']):+.2f} pts)"
        )
    return [line, "                 (why: marts.fct_retention_change_drivers)"]


def _renewal_risk_lines(wh: Warehouse, currency: str) -> list[str]:
    """Renewals due after the as-of date per window (fct_renewal_risk_by_segment, all)."""
    if not wh.has_table(MARTS, "fct_renewal_risk_by_segment"):
        return []
    rows = wh.rows(
        f"""
        select window_days, renewals, arr_due, expected_arr_at_risk, renewals_needing_attention
        from {MARTS}.fct_renewal_risk_by_segment
        where segment_type = 'all'
        order by window_days
        """
    )
    if not rows:
        return []
    lines = ["", f"  Renewals ahead of the as-of date ({currency}):"]
    for r in rows:
        lines.append(
            f"    next {r['window_days']:>3} days  {r['renewals']:>5,} renewals"
            f"  ARR due {_money(r['arr_due']):>14}"
            f"  expected at risk {_money(r['expected_arr_at_risk']):>13}"
            f"  {r['renewals_needing_attention']:>4,} need attention"
        )
    return lines


def customers_line(row: dict[str, Any]) -> str:
    """Active customers and how they came to be: start + new + reactivated − churned."""
    return (
        f"  Customers      {row['ending_customers']:,} active  ="
        f" {row['starting_customers']:,} at start + {row['new_customers']:,} new"
        f" + {row['reactivated_customers']:,} reactivated"
        f" − {row['churned_customers']:,} churned"
    )


def summary_lines(wh: Warehouse, currency: str = "USD") -> list[str]:
    """The summary as lines of text (the latest complete month).

    Raises ReportError when the marts hold no complete month yet.
    """
    wh.require(REQUIRED_MARTS)
    rows = wh.rows(
        f"""
        select month_start, ending_mrr, starting_mrr, new_mrr, reactivation_mrr,
               expansion_mrr, contraction_mrr, churned_mrr, fx_impact_mrr,
               ending_customers, starting_customers, new_customers, reactivated_customers,
               churned_customers
        from {MARTS}.fct_mrr_bridge_monthly
        where is_month_complete
        order by month_start desc
        limit 1
        """
    )
    if not rows:
        raise ReportError(
            f"{MARTS}.fct_mrr_bridge_monthly holds no complete month yet (a month is complete"
            " when its last day is before as_of_date): build with a later as_of_date or more"
            " data."
        )
    row = rows[0]
    month = row["month_start"]
    lines = [
        f"cs_metrics — latest complete month: {month:%Y-%m}",
        "",
        f"  MRR            {_money(row['ending_mrr'], currency)}  "
        f"(ARR {_money(12 * row['ending_mrr'], currency)})",
        f"  MRR bridge     start {_money(row['starting_mrr'])}  new {_money(row['new_mrr'])}  "
        f"reactivation {_money(row['reactivation_mrr'])}",
        f"                 expansion {_money(row['expansion_mrr'])}  contraction"
        f" {_money(row['contraction_mrr'])}  churned {_money(row['churned_mrr'])}"
        f"  fx {_money(row['fx_impact_mrr'])}",
        customers_line(row),
    ]
    retention = _first(
        wh,
        "fct_retention_monthly",
        f"""
        select logo_churn_rate, monthly_nrr, monthly_grr, nrr_ttm, grr_ttm, logo_retention_ttm
        from {MARTS}.fct_retention_monthly
        where segment_type = 'all' and month_start = {sql_date(month)}
        """,
    )
    if retention is not None:
        r = retention
        lines += [
            f"  NRR            {_pct(r['nrr_ttm'])} trailing 12 months"
            f"  ({_pct(r['monthly_nrr'])} this month)",
            f"  GRR            {_pct(r['grr_ttm'])} trailing 12 months"
            f"  ({_pct(r['monthly_grr'])} this month)",
            f"  Logo churn     {_pct(r['logo_churn_rate'])} this month  "
            f"(logo retention {_pct(r['logo_retention_ttm'])} trailing 12 months)",
        ]
    lines += _north_star_lines(wh, month)
    lines += _nrr_change_lines(wh, month)
    lines += _renewal_risk_lines(wh, currency)
    as_of = build_as_of_date(wh) if wh.has_table(MARTS, "fct_cs_coverage_monthly") else None
    today = f"as of {as_of:%Y-%m-%d}" if as_of is not None else "month in progress"
    for title, column in (
        ("Customers by tier", "tier"),
        ("Customers by health status", "health_status"),
        ("Customers by lifecycle stage", "lifecycle_stage"),
    ):
        counts = _counts(wh, column)
        if counts and not (len(counts) == 1 and counts[0][0] == "unknown" and column != "tier"):
            lines += ["", f"  {title} ({today}):"]
            lines += [f"    {label:<14} {n:>6,}" for label, n in counts]
    return lines


def print_summary(
    db_path: Path | None = None, *, target: str | None = None, currency: str | None = None
) -> int:
    """Print the summary; returns a process exit code (1 with one line when nothing shows)."""
    from cs_metrics.console import echo, fail
    from cs_metrics.project import ProjectError, find_project_dir
    from cs_metrics.report.data import read_settings
    from cs_metrics.warehouse import WarehouseError, open_warehouse

    try:
        currency = currency or read_settings(find_project_dir()).currency
        wh = open_warehouse(target, duckdb_path=db_path, required=REQUIRED_MARTS)
        try:
            lines = summary_lines(wh, currency)
        finally:
            wh.close()
    except (WarehouseError, ReportError, ProjectError) as exc:
        return fail("summary", exc)
    echo("\n".join(lines))
    return 0
