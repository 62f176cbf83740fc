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


def test_revenue_recognition_relative_tolerance_per_month() -> None:
    def month(day: str, mrr: str, difference: str | None, complete: bool = True) -> dict:
        return {
            "month_start": dt.date.fromisoformat(day),
            "is_month_complete": complete,
            "mrr": D(mrr),
            "difference": None if difference is None else D(difference),
            "relative_difference": None,
        }

    rows = [
        month("2025-01-01", "1000", "-20"),  # exactly 2 %: passes
        month("2025-02-01", "1000", "20.01"),  # over
        month("2025-03-01", "0", "0"),  # nothing to compare: passes
        month("2025-04-01", "0", "5"),  # MRR 0 and a difference: over
        month("2025-05-01", "1000", None),  # a missing rate: unknown, fails
        month("2025-06-01", "1000", "500", complete=False),  # not checked
    ]
    check = reconcile.revenue_recognition(rows, D("0.02"), D("1.00"), "USD")
    assert [(row.key, row.passed) for row in check.rows] == [
        ("2025-01", True),
        ("2025-02", False),
        ("2025-03", True),
        ("2025-04", False),
        ("2025-05", False),
    ]
    assert check.rows[0].values["relative_difference"] == D("-0.02")
    assert "1 incomplete month" in check.notes[0]
