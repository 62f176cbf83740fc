"""The reconciliations of the quality report, as pure functions over rows read from the marts.

Each check returns a `Check`: its rule in words, its tolerance, one `CheckRow` per month (or
month and currency) with the numbers compared, and whether each row passes. Money is compared as
`Decimal`, exactly as the marts store it, with the spec's tolerance of 0.01 (metrics.md: "where
this page says '=', the marts must agree to 0.01").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cs_metrics.report import add_months

MONEY_TOLERANCE = Decimal("0.01")
BRIDGE_MOVEMENTS = (
    "new_mrr",
    "reactivation_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churned_mrr",
    "fx_impact_mrr",
)


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


def _dec(value: Any) -> Decimal:
    return Decimal(0) if value is None else Decimal(str(value))


def _month(value: dt.date) -> str:
    return f"{value:%Y-%m}"


def bridge_identity(bridge: list[dict[str, Any]], tolerance: Decimal = MONEY_TOLERANCE) -> Check:
    """ending_mrr = starting_mrr + new + reactivation + expansion + contraction + churned + fx."""
    check = Check(
        key="bridge_identity",
        title="MRR bridge identity",
        rule=(
            "Every month of fct_mrr_bridge_monthly: ending_mrr = starting_mrr + new_mrr +"
            " reactivation_mrr + expansion_mrr + contraction_mrr + churned_mrr + fx_impact_mrr."
        ),
        tolerance=f"|ending − computed| ≤ {tolerance}",
        columns=[
            Column("month", "month", "month"),
            Column("starting_mrr", "starting"),
            Column("movements", "Σ movements"),
            Column("computed", "computed ending"),
            Column("ending_mrr", "ending_mrr"),
            Column("difference", "difference"),
        ],
    )
    for row in bridge:
        movements = sum((_dec(row[name]) for name in BRIDGE_MOVEMENTS), Decimal(0))
        computed = _dec(row["starting_mrr"]) + movements
        difference = _dec(row["ending_mrr"]) - computed
        check.rows.append(
            CheckRow(
                key=_month(row["month_start"]),
                values={
                    "month": row["month_start"],
                    "starting_mrr": _dec(row["starting_mrr"]),
                    "movements": movements,
                    "computed": computed,
                    "ending_mrr": _dec(row["ending_mrr"]),
                    "difference": difference,
                },
                passed=abs(difference) <= tolerance,
            )
        )
    if not bridge:
        check.skipped = "fct_mrr_bridge_monthly has no rows."
    return check


def bridge_continuity(bridge: list[dict[str, Any]], tolerance: Decimal = MONEY_TOLERANCE) -> Check:
    """starting_mrr(M) = ending_mrr(M−1), months consecutive; 0 before the first month."""
    check = Check(
        key="bridge_continuity",
        title="MRR bridge continuity",
        rule=(
            "Each month starts where the previous one ended: starting_mrr(M) = ending_mrr(M−1)"
            " (0 in the first month), and no month is missing between the first and the last."
        ),
        tolerance=f"|starting − previous ending| ≤ {tolerance}",
        columns=[
            Column("month", "month", "month"),
            Column("previous_month", "previous month", "text"),
            Column("previous_ending", "previous ending_mrr"),
            Column("starting_mrr", "starting_mrr"),
            Column("difference", "difference"),
        ],
    )
    previous: dict[str, Any] | None = None
    for row in bridge:
        month = row["month_start"]
        if previous is None:
            previous_label, previous_ending, consecutive = "(none)", Decimal(0), True
        else:
            previous_label = _month(previous["month_start"])
            previous_ending = _dec(previous["ending_mrr"])
            consecutive = add_months(previous["month_start"], 1) == month
            if not consecutive:
                previous_label += " (gap)"
        difference = _dec(row["starting_mrr"]) - previous_ending
        check.rows.append(
            CheckRow(
                key=_month(month),
                values={
                    "month": month,
                    "previous_month": previous_label,
                    "previous_ending": previous_ending,
                    "starting_mrr": _dec(row["starting_mrr"]),
                    "difference": difference,
                },
                passed=consecutive and abs(difference) <= tolerance,
            )
        )
        previous = row
    if not bridge:
        check.skipped = "fct_mrr_bridge_monthly has no rows."
    return check


def mrr_totals(
    bridge: list[dict[str, Any]],
    account_months: list[dict[str, Any]],
    revrec_months: list[dict[str, Any]],
    tolerance: Decimal = MONEY_TOLERANCE,
) -> Check:
    """Σ fct_account_months.mrr and fct_revenue_recognition_monthly.mrr = the bridge's ending."""
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
            Column("month", "month", "month"),
            Column("account_months", "account-months", "count"),
            Column("account_mrr", "Σ account mrr"),
            Column("ending_mrr", "bridge ending_mrr"),
            Column("revrec_mrr", "revrec mrr"),
            Column("difference", "largest difference"),
        ],
    )
    accounts = {row["month_start"]: row for row in account_months}
    revrec = {row["month_start"]: row for row in revrec_months}
    bridge_by_month = {row["month_start"]: row for row in bridge}
    for month in sorted(set(accounts) | set(bridge_by_month) | set(revrec)):
        account_mrr = _dec(accounts[month]["mrr"]) if month in accounts else None
        ending = _dec(bridge_by_month[month]["ending_mrr"]) if month in bridge_by_month else None
        revrec_mrr = _dec(revrec[month]["mrr"]) if month in revrec else None
        present = [value for value in (account_mrr, ending, revrec_mrr) if value is not None]
        difference = max(present) - min(present)
        check.rows.append(
            CheckRow(
                key=_month(month),
                values={
                    "month": month,
                    "account_months": accounts[month]["account_months"]
                    if month in accounts
                    else None,
                    "account_mrr": account_mrr,
                    "ending_mrr": ending,
                    "revrec_mrr": revrec_mrr,
                    "difference": difference,
                },
                passed=len(present) == 3 and difference <= tolerance,
            )
        )
    if not check.rows:
        check.skipped = "the marts hold no month."
    return check


def mrr_by_currency(
    bridge: list[dict[str, Any]],
    items: list[dict[str, Any]] | None,
    reporting_currency: str,
    tolerance: Decimal = MONEY_TOLERANCE,
    skipped: str | None = None,
) -> Check:
    """Σ over currencies of the counted items' converted MRR = the bridge's ending MRR."""
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
            Column("month", "month", "month"),
            Column("currencies", "currencies", "text"),
            Column("items", "item versions", "count"),
            Column("converted", f"Σ converted ({reporting_currency})"),
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
    if items is None:
        check.skipped = skipped or "the intermediate table was not found."
        return check
    check.detail_rows = items
    by_month: dict[dt.date, list[dict[str, Any]]] = {}
    for row in items:
        by_month.setdefault(row["month_start"], []).append(row)
    endings = {row["month_start"]: _dec(row["ending_mrr"]) for row in bridge}
    for month in sorted(set(by_month) | set(endings)):
        rows = by_month.get(month, [])
        converted = sum((_dec(row["mrr"]) for row in rows), Decimal(0))
        ending = endings.get(month)
        difference = converted - (ending or Decimal(0))
        check.rows.append(
            CheckRow(
                key=_month(month),
                values={
                    "month": month,
                    "currencies": ", ".join(sorted(str(row["currency"]) for row in rows)) or "—",
                    "items": sum(int(row["items"]) for row in rows),
                    "converted": converted,
                    "ending_mrr": ending,
                    "difference": difference,
                },
                passed=ending is not None and abs(difference) <= tolerance,
            )
        )
    return check


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
            Column("month", "month", "month"),
            Column("mrr", "mrr"),
            Column("explained", "Σ explained"),
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
    for row in months:
        expected = row.get("expected_revenue")
        explained = None if expected is None else _dec(expected) - _dec(row["mrr"])
        check.rows.append(
            CheckRow(
                key=_month(row["month_start"]),
                values={
                    "month": row["month_start"],
                    "mrr": _dec(row["mrr"]),
                    "explained": explained,
                    "expected_revenue": expected,
                    "recognised_revenue": row.get("recognised_revenue"),
                    "unexplained_difference": row.get("unexplained_difference"),
                    "accounts": row.get("accounts"),
                    "accounts_over_tolerance": row.get("accounts_over_tolerance"),
                    "accounts_over_relative_tolerance": row.get("accounts_over_relative_tolerance"),
                },
                passed=bool(row.get("is_reconciled")),
            )
        )
    incomplete = sum(1 for row in months if not row.get("is_month_complete"))
    if incomplete:
        check.notes.append(
            f"{incomplete} incomplete month{'s' if incomplete != 1 else ''} (the month in"
            " progress) checked too: its revenue counts through the as-of date, and the rest"
            " of the month is explained as partial_month."
        )
    if not months:
        check.skipped = "fct_revenue_recognition_monthly has no month."
    return check
