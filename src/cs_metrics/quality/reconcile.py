"""The reconciliations of the quality report, as the warehouse decided them.

Each reconciliation is a model of the marts (models/marts/reports/quality/, and
fct_revenue_recognition_monthly) holding, per month, the numbers it compares and its verdict
(`is_reconciled`); the dbt tests that list the failing months read the same models. This module
only presents them: each function turns the model's rows into a `Check` (its rule in words, its
tolerance, one `CheckRow` per month with the numbers shown, and whether the month passes) and
computes nothing the warehouse has not. The money tolerance is var reconciliation_tolerance
(0.01: metrics.md, "where this page says '=', the marts must agree to 0.01").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

NO_BRIDGE = "fct_mrr_bridge_monthly has no rows."


@dataclass(frozen=True)
class Column:
    """A column of a check's table: its key in the row values, header and kind of number."""

    key: str
    label: str
    kind: str = "money"  # money, ratio, count, text, month


@dataclass
class CheckRow:
    key: str  # the month (YYYY-MM), or month/currency
    values: dict[str, Any]
    passed: bool


@dataclass
class Check:
    """One reconciliation: what is compared, with which tolerance, and every row's outcome."""

    key: str
    title: str
    rule: str
    tolerance: str
    columns: list[Column]
    rows: list[CheckRow] = field(default_factory=list)
    skipped: str | None = None  # why the check could not run
    notes: list[str] = field(default_factory=list)
    detail_title: str | None = None  # an extra table shown collapsed (e.g. per currency)
    detail_columns: list[Column] = field(default_factory=list)
    detail_rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool | None:
        """True when every row passes, False when one fails, None when not checked."""
        if self.skipped is not None:
            return None
        return all(row.passed for row in self.rows)

    @property
    def failing(self) -> list[CheckRow]:
        return [row for row in self.rows if not row.passed]


def _month_rows(check: Check, rows: Iterable[dict[str, Any]]) -> Check:
    """One CheckRow per model row: its values as read, the warehouse's verdict."""
    check.rows = [
        CheckRow(key=f"{row['month_start']:%Y-%m}", values=row, passed=bool(row["is_reconciled"]))
        for row in rows
    ]
    return check


def bridge_identity(rows: list[dict[str, Any]], tolerance: Decimal) -> Check:
    """fct_mrr_bridge_identity_monthly: ending_mrr = starting_mrr + the six movements."""
    check = Check(
        key="bridge_identity",
        title="MRR bridge identity",
        rule=(
            "Every month of fct_mrr_bridge_monthly: ending_mrr = starting_mrr + new_mrr +"
            " reactivation_mrr + expansion_mrr + contraction_mrr + churned_mrr + fx_impact_mrr."
        ),
        tolerance=f"|ending − computed| ≤ {tolerance}",
        columns=[
            Column("month_start", "month", "month"),
            Column("starting_mrr", "starting"),
            Column("movements_mrr", "Σ movements"),
            Column("computed_ending_mrr", "computed ending"),
            Column("ending_mrr", "ending_mrr"),
            Column("difference", "difference"),
        ],
    )
    if not rows:
        check.skipped = NO_BRIDGE
    return _month_rows(check, rows)


def _previous_month(row: dict[str, Any]) -> str:
    """The continuity table's 'previous month': YYYY-MM, '(gap)' after it when months are
    missing in between, '(none)' in the first month."""
    previous = row["previous_month_start"]
    if previous is None:
        return "(none)"
    return f"{previous:%Y-%m}" + (" (gap)" if row["has_month_gap"] else "")


def bridge_continuity(rows: list[dict[str, Any]], tolerance: Decimal) -> Check:
    """fct_mrr_bridge_continuity_monthly: starting_mrr(M) = ending_mrr(M−1), no gap."""
    check = Check(
        key="bridge_continuity",
        title="MRR bridge continuity",
        rule=(
            "Each month starts where the previous one ended: starting_mrr(M) = ending_mrr(M−1)"
            " (0 in the first month), and no month is missing between the first and the last."
        ),
        tolerance=f"|starting − previous ending| ≤ {tolerance}",
        columns=[
            Column("month_start", "month", "month"),
            Column("previous_month", "previous month", "text"),
            Column("previous_ending_mrr", "previous ending_mrr"),
            Column("starting_mrr", "starting_mrr"),
            Column("difference", "difference"),
        ],
    )
    if not rows:
        check.skipped = NO_BRIDGE
    return _month_rows(check, ({**row, "previous_month": _previous_month(row)} for row in rows))


def mrr_totals(rows: list[dict[str, Any]], tolerance: Decimal) -> Check:
    """fct_mrr_totals_monthly: Σ account-month mrr = bridge ending_mrr = revrec mrr."""
    check = Check(
        key="mrr_totals",
        title="MRR total equals the account-months",
        rule=(
            "Per month: Σ mrr of fct_account_months = ending_mrr of fct_mrr_bridge_monthly ="
            " mrr of fct_revenue_recognition_monthly (its Σ over the same account-months). A month"
            " present in one table and missing from another fails."
        ),
        tolerance=f"each |difference| ≤ {tolerance}",
        columns=[
            Column("month_start", "month", "month"),
            Column("account_months", "account-months", "count"),
            Column("account_mrr", "Σ account mrr"),
            Column("ending_mrr", "bridge ending_mrr"),
            Column("revenue_recognition_mrr", "revrec mrr"),
            Column("difference", "largest difference"),
        ],
    )
    if not rows:
        check.skipped = "the marts hold no month."
    return _month_rows(check, rows)


def mrr_by_currency(
    rows: list[dict[str, Any]],
    items: list[dict[str, Any]] | None,
    reporting_currency: str,
    tolerance: Decimal,
    note: str | None = None,
) -> Check:
    """fct_mrr_counted_items_monthly: Σ converted MRR of the counted items = ending_mrr; the
    amounts per month and currency (`items`; None when not readable, `note` says why) shown
    as the detail."""
    check = Check(
        key="mrr_by_currency",
        title="MRR per currency: counted subscription items",
        rule=(
            "Per month and plan currency, the subscription item versions counted in MRR"
            " (intermediate.int_subscription_items_counted_monthly): Σ mrr_local in the currency"
            f" and Σ mrr converted to {reporting_currency} at rate(M). Per month, Σ converted over"
            " the currencies = ending_mrr of fct_mrr_bridge_monthly (account-month MRR is rounded"
            " to 6 decimals, far below the tolerance)."
        ),
        tolerance=f"|Σ converted − ending_mrr| ≤ {tolerance}",
        columns=[
            Column("month_start", "month", "month"),
            Column("currencies", "currencies", "text"),
            Column("item_versions", "item versions", "count"),
            Column("converted_mrr", f"Σ converted ({reporting_currency})"),
            Column("ending_mrr", "bridge ending_mrr"),
            Column("difference", "difference"),
        ],
        detail_title="Per month and currency",
        detail_columns=[
            Column("month_start", "month", "month"),
            Column("currency", "currency", "text"),
            Column("items", "item versions", "count"),
            Column("mrr_local", "Σ mrr_local (local)"),
            Column("mrr", f"Σ mrr ({reporting_currency})"),
        ],
    )
    if note:
        check.notes.append(note)
    currencies: dict[Any, list[str]] = {}
    for item in items or []:
        currencies.setdefault(item["month_start"], []).append(str(item["currency"]))
    check.detail_rows = items or []

    def label(month: Any) -> str | None:
        if items is None:
            return None  # shown as n/a: the per-currency rows were not readable
        return ", ".join(sorted(currencies.get(month, []))) or "—"

    return _month_rows(check, ({**row, "currencies": label(row["month_start"])} for row in rows))


def revenue_recognition(
    months: list[dict[str, Any]],
    reasons: list[dict[str, Any]],
    absolute_tolerance: Decimal,
    relative_tolerance: Decimal,
    reporting_currency: str,
) -> Check:
    """Per month, the warehouse's verdict (fct_revenue_recognition_monthly.is_reconciled)."""
    check = Check(
        key="revenue_recognition",
        title="Recognised revenue versus MRR",
        rule=(
            "Per month of fct_revenue_recognition_monthly: revenue recognised from invoices"
            " (spread over the service days, at rate(M)) against MRR. The difference is explained"
            " by named reasons computed from the subscriptions alone (services for part of the"
            " month, billing periods spread over their own days, first payments that failed,"
            " billing in advance, invoices in another currency than the plan): expected = mrr"
            " + Σ explained. What is left, unexplained = recognised − expected, is compared"
            " per account-month with revrec_tolerance"
            f" ({absolute_tolerance:.2f} {reporting_currency}: line amounts are rounded to the"
            " cent). The month passes when every account-month is within it and no rate is"
            " missing (is_reconciled, decided in the warehouse; the dbt test"
            " assert_recognised_revenue_is_explained lists the failing account-months)."
            " Account-months whose unexplained difference is also above"
            f" revrec_relative_tolerance ({relative_tolerance}) of their expected revenue are"
            " counted as material."
        ),
        tolerance=(
            f"per account-month |unexplained| ≤ {absolute_tolerance:.2f} {reporting_currency}"
            " (revrec_tolerance)"
        ),
        columns=[
            Column("month_start", "month", "month"),
            Column("mrr", "mrr"),
            Column("explained_difference", "Σ explained"),
            Column("expected_revenue", "expected"),
            Column("recognised_revenue", "recognised"),
            Column("unexplained_difference", "unexplained"),
            Column("accounts", "account-months", "count"),
            Column("accounts_over_tolerance", "unexplained acc.", "count"),
            Column("accounts_over_relative_tolerance", "material acc.", "count"),
        ],
        detail_title="Explained per month and reason",
        detail_columns=[
            Column("month_start", "month", "month"),
            Column("reason", "reason", "text"),
            Column("account_months", "account-months", "count"),
            Column("amount", f"explained ({reporting_currency})"),
        ],
    )
    check.detail_rows = [row for row in reasons if row["account_months"]]
    incomplete = sum(1 for row in months if not row["is_month_complete"])
    if incomplete:
        check.notes.append(
            f"{incomplete} incomplete month{'s' if incomplete != 1 else ''} (the month in"
            " progress) checked too: its revenue counts through the as-of date, and the rest"
            " of the month is explained as partial_month."
        )
    if not months:
        check.skipped = "fct_revenue_recognition_monthly has no month."
    return _month_rows(check, months)
