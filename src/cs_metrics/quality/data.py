"""What the quality report reads from the warehouse: data-quality issues with the money they
touch, and the rows the reconciliations compare.

All reads go through `cs_metrics.warehouse.Warehouse` in SQL that runs on DuckDB and PostgreSQL
(and on the Parquet files of a Spark build): no `::`, `qualify` or `group by all`; dates are
`date '…'` literals built from Python dates. Only public marts are read, except the per-currency
reconciliation, which needs `intermediate.int_subscription_items_counted_monthly` (skipped with
a note when the warehouse does not expose it).

Money affected by the data-quality issues ("MRR at stake"): for the issue rows that name an
account, the MRR (fct_account_months.mrr, reporting currency) of those distinct accounts in the
latest complete month, and in the as-of month. Each account counts once per summary line and
once in the total, however many issue rows name it; accounts without a row in
fct_account_months (e.g. the unknown accounts of events) add 0. It is the revenue whose
attribution or treatment the issue concerns, not an amount missing from MRR: excluded
subscription items have no amount in any public mart (they are excluded because they cannot be
priced or counted), so their account's MRR is what is shown.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cs_metrics.warehouse import MARTS_SCHEMA, Warehouse

M = MARTS_SCHEMA
INTERMEDIATE_SCHEMA = os.environ.get("CS_METRICS_SCHEMA_PREFIX", "") + "intermediate"
COUNTED_ITEMS = "int_subscription_items_counted_monthly"
REQUIRED_MARTS = (
    "fct_mrr_bridge_monthly",
    "fct_account_months",
    "fct_data_quality_issues",
    "fct_revenue_recognition_monthly",
    "fct_revenue_recognition_check",
    "dim_accounts",
)
DETAIL_ROWS = 25  # issue rows listed per source table and issue type
REVREC_ACCOUNT_ROWS = 25  # account-months listed for the revenue recognition check


class QualityDataError(Exception):
    """The marts cannot support the report (shown to the user without a traceback)."""


def _date(value: dt.date) -> str:
    return f"date '{value.isoformat()}'"


@dataclass
class QualityData:
    """Everything the report reads from the warehouse."""

    target: str
    engine: str
    as_of_date: dt.date | None
    as_of_month: dt.date
    latest_complete_month: dt.date | None
    first_month: dt.date
    mrr_as_of: Decimal
    mrr_latest: Decimal | None
    issue_summary: list[dict[str, Any]]
    issue_total: dict[str, Any]
    issue_details: list[dict[str, Any]]
    bridge: list[dict[str, Any]]
    account_months: list[dict[str, Any]]
    revrec_months: list[dict[str, Any]]
    revrec_accounts: list[dict[str, Any]]
    revrec_accounts_month: dt.date | None
    revrec_accounts_over_both: int
    currency_items: list[dict[str, Any]] | None
    currency_note: str | None
    notes: list[str] = field(default_factory=list)


def check_marts(wh: Warehouse) -> None:
    """Raise QualityDataError naming the marts that are missing."""
    missing = [name for name in REQUIRED_MARTS if not wh.has_table(M, name)]
    if missing:
        raise QualityDataError(
            f"{', '.join(f'{M}.{name}' for name in missing)} not found on target {wh.target!r}:"
            " build the project first (`make build`, or `dbt build --profiles-dir profiles`)."
        )


def _months(wh: Warehouse) -> tuple[dt.date, dt.date, dt.date | None]:
    row = wh.rows(
        f"""
        select min(month_start) as first_month, max(month_start) as as_of_month,
               max(case when is_month_complete then month_start end) as latest_complete
        from {M}.fct_mrr_bridge_monthly
        """
    )[0]
    if row["as_of_month"] is None:
        raise QualityDataError(
            f"{M}.fct_mrr_bridge_monthly is empty on target {wh.target!r}: the raw data holds no"
            " subscription revenue up to as_of_date; check raw_data_dir and as_of_date."
        )
    return row["first_month"], row["as_of_month"], row["latest_complete"]


def _issues(
    wh: Warehouse, as_of_month: dt.date, latest: dt.date | None
) -> tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]]:
    latest_sql = _date(latest) if latest else "null"
    months = f"({_date(as_of_month)}{', ' + latest_sql if latest else ''})"
    groups = "source_table, issue_type, affected_metric, is_excluded_from_metric"
    summary = wh.rows(
        f"""
        select {groups},
               count(*) as issue_rows, sum(affected_rows) as affected_rows,
               count(account_id) as rows_with_account,
               count(distinct account_id) as accounts
        from {M}.fct_data_quality_issues
        group by {groups}
        order by source_table, issue_type, affected_metric, is_excluded_from_metric
        """
    )
    stakes = wh.rows(
        f"""
        with accounts as (
            select distinct {groups}, account_id
            from {M}.fct_data_quality_issues
            where account_id is not null
        )
        select a.source_table, a.issue_type, a.affected_metric, a.is_excluded_from_metric,
               sum(case when f.month_start = {latest_sql} then f.mrr end) as mrr_latest,
               sum(case when f.month_start = {_date(as_of_month)} then f.mrr end)
                   as mrr_as_of,
               count(distinct case when f.month_start = {latest_sql} and f.mrr > 0
                                   then f.account_id end) as paying_latest
        from accounts a
        left join {M}.fct_account_months f
          on f.account_id = a.account_id and f.month_start in {months}
        group by a.source_table, a.issue_type, a.affected_metric, a.is_excluded_from_metric
        """
    )
    keyed = {
        (r["source_table"], r["issue_type"], r["affected_metric"], r["is_excluded_from_metric"]): r
        for r in stakes
    }
    for row in summary:
        stake = keyed.get(
            (
                row["source_table"],
                row["issue_type"],
                row["affected_metric"],
                row["is_excluded_from_metric"],
            ),
            {},
        )
        row["mrr_latest"] = stake.get("mrr_latest")
        row["mrr_as_of"] = stake.get("mrr_as_of")
        row["paying_latest"] = stake.get("paying_latest") or 0
    total = wh.rows(
        f"""
        with accounts as (
            select distinct account_id
            from {M}.fct_data_quality_issues
            where account_id is not null
        )
        select count(distinct a.account_id) as accounts,
               sum(case when f.month_start = {latest_sql} then f.mrr end) as mrr_latest,
               sum(case when f.month_start = {_date(as_of_month)} then f.mrr end)
                   as mrr_as_of,
               count(distinct case when f.month_start = {latest_sql} and f.mrr > 0
                                   then f.account_id end) as paying_latest
        from accounts a
        left join {M}.fct_account_months f
          on f.account_id = a.account_id and f.month_start in {months}
        """
    )[0]
    totals = wh.rows(
        f"""
        select count(*) as issue_rows, sum(affected_rows) as affected_rows,
               sum(case when is_excluded_from_metric then 1 else 0 end) as excluded_rows,
               sum(case when is_excluded_from_metric then affected_rows else 0 end)
                   as excluded_affected_rows
        from {M}.fct_data_quality_issues
        """
    )[0]
    total.update(totals)
    details = wh.rows(
        f"""
        with ranked as (
            select i.*,
                   row_number() over (
                       partition by i.source_table, i.issue_type order by i.record_id
                   ) as rank_in_type,
                   count(*) over (partition by i.source_table, i.issue_type) as rows_in_type
            from {M}.fct_data_quality_issues i
        )
        select r.source_table, r.issue_type, r.record_id, r.account_id, r.issue_description,
               r.affected_metric, r.affected_rows, r.is_excluded_from_metric, r.rows_in_type,
               f.mrr as mrr_latest
        from ranked r
        left join {M}.fct_account_months f
          on f.account_id = r.account_id and f.month_start = {latest_sql}
        where r.rank_in_type <= {DETAIL_ROWS}
        order by r.source_table, r.issue_type, r.record_id
        """
    )
    return summary, total, details


def _currency_items(wh: Warehouse) -> tuple[list[dict[str, Any]] | None, str | None]:
    if not wh.has_table(INTERMEDIATE_SCHEMA, COUNTED_ITEMS):
        where = (
            "its Parquet files were not found in the Spark warehouse folder"
            if wh.engine == "spark"
            else f"target {wh.target!r} has no such table"
        )
        return None, (
            f"{INTERMEDIATE_SCHEMA}.{COUNTED_ITEMS} is not readable ({where}); the per-currency"
            " totals are intermediate data, so this check is skipped. The MRR total check"
            " above still compares the public marts."
        )
    rows = wh.rows(
        f"""
        select month_start, currency, count(*) as items,
               sum(mrr_local) as mrr_local, sum(mrr) as mrr
        from {INTERMEDIATE_SCHEMA}.{COUNTED_ITEMS}
        group by month_start, currency
        order by month_start, currency
        """
    )
    return rows, None


def _as_of_date(wh: Warehouse) -> dt.date | None:
    return wh.scalar(f"select max(as_of_date) from {M}.fct_data_quality_issues")


def load_quality_data(wh: Warehouse) -> QualityData:
    """Read every number of the quality report from the warehouse."""
    check_marts(wh)
    first, as_of_month, latest = _months(wh)
    summary, total, details = _issues(wh, as_of_month, latest)
    bridge = wh.rows(
        f"""
        select month_start, is_month_complete, starting_mrr, new_mrr, reactivation_mrr,
               expansion_mrr, contraction_mrr, churned_mrr, fx_impact_mrr, ending_mrr
        from {M}.fct_mrr_bridge_monthly
        order by month_start
        """
    )
    account_months = wh.rows(
        f"""
        select month_start, count(*) as account_months, sum(mrr) as mrr
        from {M}.fct_account_months
        group by month_start
        order by month_start
        """
    )
    revrec_months = wh.rows(
        f"select * from {M}.fct_revenue_recognition_monthly order by month_start"
    )
    revrec_accounts: list[dict[str, Any]] = []
    over_both = 0
    if latest is not None:
        has_relative = any("accounts_over_relative_tolerance" in r for r in revrec_months)
        both = (
            "c.is_over_tolerance and c.is_over_relative_tolerance"
            if has_relative
            else "c.is_over_tolerance"
        )
        over_both = int(
            wh.scalar(
                f"select count(*) from {M}.fct_revenue_recognition_check c"
                f" where c.month_start = {_date(latest)} and {both}"
            )
            or 0
        )
        revrec_accounts = wh.rows(
            f"""
            select c.account_id, coalesce(d.account_name, c.account_id) as account_name,
                   c.mrr, c.recognised_revenue, c.difference, c.invoice_lines,
                   c.has_missing_fx_rate
            from {M}.fct_revenue_recognition_check c
            left join {M}.dim_accounts d on d.account_id = c.account_id
            where c.month_start = {_date(latest)} and ({both} or c.has_missing_fx_rate)
            order by case when c.has_missing_fx_rate then 0 else 1 end,
                     abs(c.difference) desc, c.account_id
            limit {REVREC_ACCOUNT_ROWS}
            """
        )
    items, currency_note = _currency_items(wh)
    endings = {row["month_start"]: row["ending_mrr"] for row in bridge}
    notes = []
    as_of_date = _as_of_date(wh)
    if as_of_date is None:
        notes.append(
            "fct_data_quality_issues is empty, so the as-of date is shown as the as-of month."
        )
    return QualityData(
        target=wh.target,
        engine=wh.engine,
        as_of_date=as_of_date,
        as_of_month=as_of_month,
        latest_complete_month=latest,
        first_month=first,
        mrr_as_of=Decimal(endings[as_of_month]),
        mrr_latest=None if latest is None else Decimal(endings[latest]),
        issue_summary=summary,
        issue_total=total,
        issue_details=details,
        bridge=bridge,
        account_months=account_months,
        revrec_months=revrec_months,
        revrec_accounts=revrec_accounts,
        revrec_accounts_month=latest,
        revrec_accounts_over_both=over_both,
        currency_items=items,
        currency_note=currency_note,
        notes=notes,
    )
