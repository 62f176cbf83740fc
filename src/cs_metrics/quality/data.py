"""What the quality report reads from the warehouse: data-quality issues with the money they
touch, and the reconciliations as the warehouse decided them.

All reads go through `cs_metrics.warehouse.Warehouse` in SQL that runs on DuckDB and PostgreSQL
(and on the Parquet files of a Spark build): no `::`, `qualify` or `group by all`; dates are
`date '…'` literals built from Python dates. Only public marts are read, except the amounts per
month and currency shown with the counted-items reconciliation, which need
`intermediate.int_subscription_items_counted_monthly` (left out with a note when the warehouse
does not expose it).

Each reconciliation is a mart with one row per month, the numbers it compares and its verdict
(`is_reconciled`): fct_mrr_bridge_identity_monthly, fct_mrr_bridge_continuity_monthly,
fct_mrr_totals_monthly, fct_mrr_counted_items_monthly (models/marts/reports/quality/) and
fct_revenue_recognition_monthly. The report reads their rows as they are.

Which issues changed a figure is the warehouse's call (fct_data_quality_issues.metric_effect:
left_out, assumed or none); the report only reads it. Money at stake ("MRR at stake"): for the
issue rows that name an account and changed or may have changed a figure (metric_effect left_out
or assumed), the MRR (fct_account_months.mrr, reporting currency) of those distinct accounts in
the latest complete month, and in the as-of month. Issues handled without effect (duplicate
event copies that de-duplication drops, ...) add nothing. Each account counts once per summary
line and once in the total, however many issue rows name it; accounts without a row in
fct_account_months (e.g. the unknown accounts of events) add 0. It is the revenue whose
attribution or treatment the issue concerns, not an amount missing from MRR: excluded
subscription items have no amount in any public mart (they are excluded because they cannot be
priced or counted), so their account's MRR is what is shown.

The revenue recognition check is decided in the warehouse too (fct_revenue_recognition_monthly
.is_reconciled; the reasons are the explained_<reason> columns): the report reads the verdict,
the amounts per reason and the account-months that are not reconciled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cs_metrics.project import INTERMEDIATE_SCHEMA, MARTS_SCHEMA
from cs_metrics.warehouse import Warehouse

M = MARTS_SCHEMA
COUNTED_ITEMS = "int_subscription_items_counted_monthly"
RECONCILIATIONS = (  # the marts of the reconciliations, one row per month
    "fct_mrr_bridge_identity_monthly",
    "fct_mrr_bridge_continuity_monthly",
    "fct_mrr_totals_monthly",
    "fct_mrr_counted_items_monthly",
)
REQUIRED_MARTS = (
    "fct_mrr_bridge_monthly",
    *RECONCILIATIONS,
    "fct_account_months",
    "fct_data_quality_issues",
    "fct_revenue_recognition_monthly",
    "fct_revenue_recognition_check",
    "dim_accounts",
)
DETAIL_ROWS = 25  # issue rows listed per source table and issue type
REVREC_ACCOUNT_ROWS = 25  # account-months listed for the revenue recognition check
# The columns of this report's marts that older builds lack: without them, rebuild.
NEEDED_COLUMNS = {
    "fct_data_quality_issues": ("metric_effect",),
    "fct_revenue_recognition_monthly": (
        "is_reconciled",
        "expected_revenue",
        "explained_difference",
    ),
    "fct_revenue_recognition_check": ("is_reconciled", "unexplained_difference"),
}
EFFECTS = ("left_out", "assumed", "none")  # fct_data_quality_issues.metric_effect


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
    bridge_identity: list[dict[str, Any]]
    bridge_continuity: list[dict[str, Any]]
    mrr_totals: list[dict[str, Any]]
    counted_items: list[dict[str, Any]]
    revrec_months: list[dict[str, Any]]
    revrec_reasons: list[dict[str, Any]]
    revrec_accounts: list[dict[str, Any]]
    revrec_unreconciled: int
    currency_items: list[dict[str, Any]] | None
    currency_note: str | None
    notes: list[str] = field(default_factory=list)


def check_marts(wh: Warehouse) -> None:
    """Raise QualityDataError naming the marts (or their columns) that are missing."""
    missing = [name for name in REQUIRED_MARTS if not wh.has_table(M, name)]
    if missing:
        raise QualityDataError(
            f"{', '.join(f'{M}.{name}' for name in missing)} not found on target {wh.target!r}:"
            " build the project first (`make build`, or `dbt build --profiles-dir profiles`)."
        )
    lacking = []
    for table, columns in NEEDED_COLUMNS.items():
        present = set(wh.query(f"select * from {M}.{table} where 1 = 0").column_names)
        lacking += [f"{M}.{table}.{column}" for column in columns if column not in present]
    if lacking:
        raise QualityDataError(
            f"{', '.join(lacking)} not found on target {wh.target!r}: the marts were built by an"
            " older version of cs_metrics; rebuild them (`make build`)."
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
    groups = "source_table, issue_type, affected_metric, is_excluded_from_metric, metric_effect"
    summary = wh.rows(
        f"""
        select {groups},
               count(*) as issue_rows, sum(affected_rows) as affected_rows,
               count(account_id) as rows_with_account,
               count(distinct account_id) as accounts
        from {M}.fct_data_quality_issues
        group by {groups}
        order by case metric_effect when 'left_out' then 0 when 'assumed' then 1 else 2 end,
                 source_table, issue_type, affected_metric, is_excluded_from_metric
        """
    )
    stakes = wh.rows(
        f"""
        with accounts as (
            select distinct {groups}, account_id
            from {M}.fct_data_quality_issues
            where account_id is not null and metric_effect <> 'none'
        )
        select a.source_table, a.issue_type, a.affected_metric, a.is_excluded_from_metric,
               a.metric_effect,
               sum(case when f.month_start = {latest_sql} then f.mrr end) as mrr_latest,
               sum(case when f.month_start = {_date(as_of_month)} then f.mrr end)
                   as mrr_as_of,
               count(distinct case when f.month_start = {latest_sql} and f.mrr > 0
                                   then f.account_id end) as paying_latest
        from accounts a
        left join {M}.fct_account_months f
          on f.account_id = a.account_id and f.month_start in {months}
        group by a.source_table, a.issue_type, a.affected_metric, a.is_excluded_from_metric,
                 a.metric_effect
        """
    )
    keys = ("source_table", "issue_type", "affected_metric", "is_excluded_from_metric")
    keyed = {(*(r[k] for k in keys), r["metric_effect"]): r for r in stakes}
    for row in summary:
        stake = keyed.get((*(row[k] for k in keys), row["metric_effect"]), {})
        row["mrr_latest"] = stake.get("mrr_latest")
        row["mrr_as_of"] = stake.get("mrr_as_of")
        row["paying_latest"] = stake.get("paying_latest") or 0
    total = wh.rows(
        f"""
        with accounts as (
            select distinct account_id
            from {M}.fct_data_quality_issues
            where account_id is not null and metric_effect <> 'none'
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
                   as excluded_affected_rows,
               sum(case when metric_effect <> 'none' then 1 else 0 end) as effect_rows,
               sum(case when metric_effect <> 'none' then affected_rows else 0 end)
                   as effect_affected_rows,
               sum(case when metric_effect = 'none' then 1 else 0 end) as no_effect_rows,
               sum(case when metric_effect = 'none' then affected_rows else 0 end)
                   as no_effect_affected_rows
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
               r.affected_metric, r.affected_rows, r.is_excluded_from_metric, r.metric_effect,
               r.rows_in_type, f.mrr as mrr_latest
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
            f"{INTERMEDIATE_SCHEMA}.{COUNTED_ITEMS} is not readable ({where}); the amounts per"
            " currency are intermediate data, so they are not shown. The months' totals and"
            f" verdicts are {M}.fct_mrr_counted_items_monthly's."
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


def _revrec(wh: Warehouse) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Per month and reason: the amount explained and the account-months it explains; the
    account-months that are not reconciled (the largest first) and how many there are."""
    # the reasons are the marts' explained_<reason> columns, in their order
    columns = wh.query(f"select * from {M}.fct_revenue_recognition_check where 1 = 0")
    reason_names = [
        name.removeprefix("explained_")
        for name in columns.column_names
        if name.startswith("explained_")
    ]
    counts = ", ".join(
        f"sum(case when explained_{r} <> 0 then 1 else 0 end) as {r}" for r in reason_names
    )
    per_month = wh.rows(
        f"select month_start, {counts} from {M}.fct_revenue_recognition_check"
        " group by month_start order by month_start"
    )
    amounts = {
        row["month_start"]: row
        for row in wh.rows(f"select * from {M}.fct_revenue_recognition_monthly")
    }
    reasons = [
        {
            "month_start": row["month_start"],
            "reason": reason,
            "account_months": int(row[reason] or 0),
            "amount": amounts.get(row["month_start"], {}).get(f"explained_{reason}"),
        }
        for row in per_month
        for reason in reason_names
    ]
    unreconciled = int(
        wh.scalar(f"select count(*) from {M}.fct_revenue_recognition_check where not is_reconciled")
        or 0
    )
    accounts = wh.rows(
        f"""
        select c.month_start, c.account_id, coalesce(d.account_name, c.account_id) as account_name,
               c.mrr, c.expected_revenue, c.recognised_revenue, c.unexplained_difference,
               c.invoice_lines, c.has_missing_fx_rate
        from {M}.fct_revenue_recognition_check c
        left join {M}.dim_accounts d on d.account_id = c.account_id
        where not c.is_reconciled
        order by case when c.has_missing_fx_rate then 0 else 1 end,
                 abs(c.unexplained_difference) desc nulls last, c.month_start, c.account_id
        limit {REVREC_ACCOUNT_ROWS}
        """
    )
    return reasons, accounts, unreconciled


def _as_of_date(wh: Warehouse) -> dt.date | None:
    return wh.scalar(f"select max(as_of_date) from {M}.fct_data_quality_issues")


def load_quality_data(wh: Warehouse) -> QualityData:
    """Read every number of the quality report from the warehouse."""
    check_marts(wh)
    first, as_of_month, latest = _months(wh)
    summary, total, details = _issues(wh, as_of_month, latest)
    months = {
        name: wh.rows(f"select * from {M}.{name} order by month_start")
        for name in (*RECONCILIATIONS, "fct_revenue_recognition_monthly")
    }
    revrec_reasons, revrec_accounts, unreconciled = _revrec(wh)
    items, currency_note = _currency_items(wh)
    endings = {
        row["month_start"]: row["ending_mrr"]
        for row in wh.rows(f"select month_start, ending_mrr from {M}.fct_mrr_bridge_monthly")
    }
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
        bridge_identity=months["fct_mrr_bridge_identity_monthly"],
        bridge_continuity=months["fct_mrr_bridge_continuity_monthly"],
        mrr_totals=months["fct_mrr_totals_monthly"],
        counted_items=months["fct_mrr_counted_items_monthly"],
        revrec_months=months["fct_revenue_recognition_monthly"],
        revrec_reasons=revrec_reasons,
        revrec_accounts=revrec_accounts,
        revrec_unreconciled=unreconciled,
        currency_items=items,
        currency_note=currency_note,
        notes=notes,
    )
