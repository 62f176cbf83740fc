"""Print a short summary of the latest complete month from the marts (DuckDB target)."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from cs_metrics.warehouse import MARTS_SCHEMA

MARTS = MARTS_SCHEMA


def _money(value: float | None, currency: str = "") -> str:
    if value is None:
        return "n/a"
    return f"{value:,.2f}{(' ' + currency) if currency else ''}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [MARTS, name],
    ).fetchone()
    return bool(row and row[0])


def _counts(con: duckdb.DuckDBPyConnection, column: str, month: object) -> list[tuple[str, int]]:
    rows = con.execute(
        f"""
        select coalesce(cast({column} as varchar), 'unknown') as label, count(*) as accounts
        from {MARTS}.fct_account_months
        where month_start = ? and is_active
        group by 1
        order by accounts desc, label
        """,
        [month],
    ).fetchall()
    return [(str(label), int(n)) for label, n in rows]


def _north_star_lines(con: duckdb.DuckDBPyConnection, month: object) -> list[str]:
    if not _table_exists(con, "fct_north_star_monthly"):
        return []
    row = con.execute(
        f"""
        select north_star, arr_weighted_outcome_score, arr_weighted_experience_score
        from {MARTS}.fct_north_star_monthly
        where segment_type = 'all' and month_start = ?
        """,
        [month],
    ).fetchone()
    if row is None:
        return []
    north_star, outcome, experience = row

    def score(value: object) -> str:
        return "n/a" if value is None else f"{float(value):.1f}"

    return [
        f"  North star     {_pct(north_star)} of ARR held by accounts in good health  "
        f"(ARR-weighted outcome score {score(outcome)}, experience {score(experience)})"
    ]


def _nrr_change_lines(con: duckdb.DuckDBPyConnection, month: object) -> list[str]:
    """The trailing-twelve-month NRR change against last month and its largest driver."""
    if not _table_exists(con, "fct_retention_change_drivers"):
        return []
    row = con.execute(
        f"""
        select metric_change, account_id, account_name, driver, contribution
        from {MARTS}.fct_retention_change_drivers
        where segment_type = 'all' and metric = 'nrr_ttm' and month_start = ?
        order by driver_rank
        limit 1
        """,
        [month],
    ).fetchone()
    if row is None:
        return []
    change, account_id, name, driver, contribution = row
    line = f"  NRR change     {100 * float(change):+.2f} pts against last month"
    if account_id is not None:
        line += (
            f"; largest driver {name or account_id} ({driver}, "
            f"{100 * float(contribution):+.2f} pts)"
        )
    return [line, "                 (why: marts.fct_retention_change_drivers)"]


def _renewal_risk_lines(con: duckdb.DuckDBPyConnection, currency: str) -> list[str]:
    """Renewals due after the as-of date per window (fct_renewal_risk_by_segment, all)."""
    if not _table_exists(con, "fct_renewal_risk_by_segment"):
        return []
    rows = con.execute(
        f"""
        select window_days, renewals, arr_due, expected_arr_at_risk, renewals_needing_attention
        from {MARTS}.fct_renewal_risk_by_segment
        where segment_type = 'all'
        order by window_days
        """
    ).fetchall()
    if not rows:
        return []
    lines = ["", f"  Renewals ahead of the as-of date ({currency}):"]
    for days, renewals, due, at_risk, attention in rows:
        lines.append(
            f"    next {days:>3} days  {renewals:>5,} renewals  ARR due {_money(due):>14}"
            f"  expected at risk {_money(at_risk):>13}  {attention:>4,} need attention"
        )
    return lines


def summary_lines(con: duckdb.DuckDBPyConnection, currency: str = "USD") -> list[str]:
    """The summary as lines of text (the latest complete month)."""
    if not _table_exists(con, "fct_mrr_bridge_monthly"):
        return ["No marts found: run `make build` (dbt build) first."]
    row = con.execute(
        f"""
        select month_start, ending_mrr, starting_mrr, new_mrr, reactivation_mrr,
               expansion_mrr, contraction_mrr, churned_mrr, fx_impact_mrr,
               ending_customers, starting_customers, new_customers, churned_customers
        from {MARTS}.fct_mrr_bridge_monthly
        where is_month_complete
        order by month_start desc
        limit 1
        """
    ).fetchone()
    if row is None:
        return ["No complete month yet in fct_mrr_bridge_monthly."]
    (month, ending, starting, new, react, exp, contr, churn, fx, cust, start_cust, new_cust,
     churned_cust) = row  # fmt: skip
    lines = [
        f"cs_metrics — latest complete month: {month:%Y-%m}",
        "",
        f"  MRR            {_money(ending, currency)}  "
        f"(ARR {_money(12 * float(ending), currency)})",
        f"  MRR bridge     start {_money(starting)}  new {_money(new)}  "
        f"reactivation {_money(react)}",
        f"                 expansion {_money(exp)}  contraction {_money(contr)}  "
        f"churned {_money(churn)}  fx {_money(fx)}",
        f"  Customers      {cust:,} active  ({start_cust:,} at start, +{new_cust:,} new, "
        f"-{churned_cust:,} churned)",
    ]
    if _table_exists(con, "fct_retention_monthly"):
        ret = con.execute(
            f"""
            select logo_churn_rate, monthly_nrr, monthly_grr, nrr_ttm, grr_ttm,
                   logo_retention_ttm
            from {MARTS}.fct_retention_monthly
            where segment_type = 'all' and month_start = ?
            """,
            [month],
        ).fetchone()
        if ret is not None:
            logo_churn, nrr_m, grr_m, nrr_ttm, grr_ttm, logo_ttm = ret
            lines += [
                f"  NRR            {_pct(nrr_ttm)} trailing 12 months  ({_pct(nrr_m)} this month)",
                f"  GRR            {_pct(grr_ttm)} trailing 12 months  ({_pct(grr_m)} this month)",
                f"  Logo churn     {_pct(logo_churn)} this month  "
                f"(logo retention {_pct(logo_ttm)} trailing 12 months)",
            ]
    lines += _north_star_lines(con, month)
    lines += _nrr_change_lines(con, month)
    lines += _renewal_risk_lines(con, currency)
    for title, column in (
        ("Customers by tier", "tier"),
        ("Customers by health status", "health_status"),
        ("Customers by lifecycle stage", "lifecycle_stage"),
    ):
        counts = _counts(con, column, month)
        if counts and not (len(counts) == 1 and counts[0][0] == "unknown" and column != "tier"):
            lines += ["", f"  {title}:"]
            lines += [f"    {label:<14} {n:>6,}" for label, n in counts]
    return lines


def print_summary(db_path: Path, currency: str = "USD") -> int:
    """Print the summary; returns a process exit code."""
    if not db_path.exists():
        print(f"{db_path} does not exist: run `make demo` first.", file=sys.stderr)
        return 1
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        print("\n".join(summary_lines(con, currency)))
    finally:
        con.close()
    return 0
