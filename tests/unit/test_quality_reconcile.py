"""The quality report's reconciliations on hand-made rows (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from cs_metrics.quality import reconcile

D = Decimal


def bridge_row(month: str, starting: str, ending: str, **movements: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "month_start": dt.date.fromisoformat(f"{month}-01"),
        "starting_mrr": D(starting),
        "ending_mrr": D(ending),
    }
    for name in reconcile.BRIDGE_MOVEMENTS:
        row[name] = D(movements.get(name, "0"))
    return row


def test_bridge_identity_to_the_cent() -> None:
    rows = [
        bridge_row("2025-01", "0", "100", new_mrr="100"),
        bridge_row("2025-02", "100", "95.004", churned_mrr="-5"),  # off by 0.004: passes
        bridge_row("2025-03", "95.004", "120", expansion_mrr="24.98"),  # off by 0.016: fails
    ]
    check = reconcile.bridge_identity(rows)
    assert [row.passed for row in check.rows] == [True, True, False]
    assert check.passed is False
    assert [row.key for row in check.failing] == ["2025-03"]
    assert check.failing[0].values["difference"] == D("0.016")


def test_bridge_continuity_needs_consecutive_months() -> None:
    rows = [
        bridge_row("2025-01", "0", "100", new_mrr="100"),
        bridge_row("2025-02", "100", "100"),
        bridge_row("2025-04", "100", "100"),  # March is missing
        bridge_row("2025-05", "99", "100", new_mrr="1"),  # starts below April's end
    ]
    check = reconcile.bridge_continuity(rows)
    assert [row.passed for row in check.rows] == [True, True, False, False]
    assert check.rows[2].values["previous_month"] == "2025-02 (gap)"


def test_mrr_totals_fail_a_month_missing_from_one_table() -> None:
    bridge = [bridge_row("2025-01", "0", "100"), bridge_row("2025-02", "100", "50")]
    accounts = [
        {"month_start": dt.date(2025, 1, 1), "account_months": 2, "mrr": D("100.001")},
        {"month_start": dt.date(2025, 2, 1), "account_months": 2, "mrr": D("50")},
    ]
    revrec = [{"month_start": dt.date(2025, 1, 1), "mrr": D("100")}]
    check = reconcile.mrr_totals(bridge, accounts, revrec)
    assert [row.passed for row in check.rows] == [True, False]


def test_mrr_by_currency_sums_converted_amounts_or_says_why_not() -> None:
    bridge = [bridge_row("2025-01", "0", "210", new_mrr="210")]
    items = [
        {"month_start": dt.date(2025, 1, 1), "currency": "EUR", "items": 1,
         "mrr_local": D("100"), "mrr": D("110")},
        {"month_start": dt.date(2025, 1, 1), "currency": "USD", "items": 2,
         "mrr_local": D("100"), "mrr": D("100")},
    ]  # fmt: skip
    check = reconcile.mrr_by_currency(bridge, items, "USD")
    assert check.passed is True and check.rows[0].values["difference"] == D("0")
    assert check.rows[0].values["currencies"] == "EUR, USD"
    check = reconcile.mrr_by_currency([bridge_row("2025-01", "0", "200")], items, "USD")
    assert check.passed is False and check.rows[0].values["difference"] == D("10")
    skipped = reconcile.mrr_by_currency(bridge, None, "USD", skipped="not on Spark")
    assert skipped.passed is None and skipped.skipped == "not on Spark"


def test_revenue_recognition_shows_the_warehouse_verdict() -> None:
    def month(day: str, reconciled: bool, complete: bool = True, **values: str | None) -> dict:
        row: dict[str, Any] = {
            "month_start": dt.date.fromisoformat(day),
            "is_month_complete": complete,
            "is_reconciled": reconciled,
            "mrr": D("1000"),
            "expected_revenue": D("950"),
            "recognised_revenue": D("950.004"),
            "unexplained_difference": D("0.004"),
            "accounts": 10,
            "accounts_over_tolerance": 0,
            "accounts_over_relative_tolerance": 0,
        }
        row.update({k: None if v is None else D(v) for k, v in values.items()})
        return row

    rows = [
        month("2025-01-01", True),
        # one account-month unexplained: the warehouse says not reconciled
        month("2025-02-01", False, recognised_revenue="900", unexplained_difference="-50"),
        # a missing rate: expected revenue unknown, not reconciled
        month("2025-03-01", False, expected_revenue=None, unexplained_difference=None),
        month("2025-04-01", True, complete=False),  # the as-of month is checked too
    ]
    reasons = [
        {"month_start": dt.date(2025, 1, 1), "reason": "day_count", "account_months": 3,
         "amount": D("-50")},
        {"month_start": dt.date(2025, 1, 1), "reason": "billed_in_advance", "account_months": 0,
         "amount": D("0")},
    ]  # fmt: skip
    check = reconcile.revenue_recognition(rows, reasons, D("0.05"), D("0.01"), "USD")
    assert [(row.key, row.passed) for row in check.rows] == [
        ("2025-01", True),
        ("2025-02", False),
        ("2025-03", False),
        ("2025-04", True),
    ]
    assert check.passed is False
    assert check.rows[0].values["explained"] == D("-50")  # expected − mrr
    assert check.rows[2].values["explained"] is None
    assert check.detail_rows == reasons[:1], "reasons that explain nothing are not listed"
    assert "1 incomplete month" in check.notes[0]
    assert "0.05 USD" in check.tolerance
    empty = reconcile.revenue_recognition([], [], D("0.05"), D("0.01"), "USD")
    assert empty.passed is None and empty.skipped
