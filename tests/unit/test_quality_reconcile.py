"""The quality report's reconciliations on hand-made model rows (no database).

The warehouse decides every reconciliation (models/marts/reports/quality/ and
fct_revenue_recognition_monthly: the numbers and `is_reconciled`); these tests check that the
report shows the model's rows and verdicts as they are, labels them, and that every column it
shows is a column of the model (the models' YAML).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from cs_metrics.quality import reconcile

D = Decimal
ROOT = Path(__file__).resolve().parents[2]
TOLERANCE = D("0.01")
PRESENTATION = {"previous_month", "currencies"}  # labels the report builds from model columns


def month(value: str) -> dt.date:
    return dt.date.fromisoformat(f"{value}-01")


def model_columns(name: str) -> list[str]:
    """The columns of a mart as its YAML declares them (the enforced contract)."""
    for path in (ROOT / "models" / "marts").rglob(f"{name}.yml"):
        for model in yaml.safe_load(path.read_text())["models"]:
            if model["name"] == name:
                return [column["name"] for column in model["columns"]]
    raise AssertionError(f"{name}.yml not found under models/marts")


def identity_row(value: str, ending: str, difference: str, reconciled: bool) -> dict[str, Any]:
    return {
        "month_start": month(value),
        "starting_mrr": D("100"),
        "movements_mrr": D("-5"),
        "computed_ending_mrr": D("95"),
        "ending_mrr": D(ending),
        "difference": D(difference),
        "is_reconciled": reconciled,
    }


@pytest.mark.parametrize(
    ("check", "model"),
    [
        (reconcile.bridge_identity([], TOLERANCE), "fct_mrr_bridge_identity_monthly"),
        (reconcile.bridge_continuity([], TOLERANCE), "fct_mrr_bridge_continuity_monthly"),
        (reconcile.mrr_totals([], TOLERANCE), "fct_mrr_totals_monthly"),
        (
            reconcile.mrr_by_currency([], [], "USD", TOLERANCE),
            "fct_mrr_counted_items_monthly",
        ),
        (
            reconcile.revenue_recognition([], [], D("0.05"), D("0.01"), "USD"),
            "fct_revenue_recognition_monthly",
        ),
    ],
    ids=lambda value: getattr(value, "key", value),
)
def test_every_column_shown_is_a_column_of_the_model(check: reconcile.Check, model: str) -> None:
    columns = model_columns(model)
    assert "is_reconciled" in columns, f"{model} holds no verdict"
    shown = [column.key for column in check.columns if column.key not in PRESENTATION]
    assert not set(shown) - set(columns), f"{check.key} shows what {model} lacks"


def test_the_verdict_is_the_warehouse_s_not_recomputed() -> None:
    rows = [
        identity_row("2025-01", "95", "0", True),
        identity_row("2025-02", "95.004", "0.004", True),
        # numbers that look reconciled, but the model says no: the model's verdict is shown
        identity_row("2025-03", "95", "0", False),
    ]
    check = reconcile.bridge_identity(rows, TOLERANCE)
    assert [row.passed for row in check.rows] == [True, True, False]
    assert check.passed is False
    assert [row.key for row in check.failing] == ["2025-03"]
    assert check.rows[1].values["difference"] == D("0.004"), "values shown as read"
    assert check.tolerance == "|ending − computed| ≤ 0.01"
    assert reconcile.bridge_identity(rows, D("0.5")).tolerance == "|ending − computed| ≤ 0.5"


def test_bridge_continuity_labels_the_previous_month() -> None:
    def row(value: str, previous: str | None, gap: bool, reconciled: bool) -> dict[str, Any]:
        return {
            "month_start": month(value),
            "previous_ending_mrr": D("100"),
            "starting_mrr": D("100"),
            "difference": D("0"),
            "has_month_gap": gap,
            "is_reconciled": reconciled,
            "previous_month_start": None if previous is None else month(previous),
        }

    check = reconcile.bridge_continuity(
        [
            row("2025-01", None, False, True),
            row("2025-02", "2025-01", False, True),
            row("2025-04", "2025-02", True, False),  # March is missing
        ],
        TOLERANCE,
    )
    labels = [r.values["previous_month"] for r in check.rows]
    assert labels == ["(none)", "2025-01", "2025-02 (gap)"]
    assert [r.passed for r in check.rows] == [True, True, False]


def test_mrr_totals_show_a_month_missing_from_one_mart() -> None:
    rows = [
        {"month_start": month("2025-01"), "account_months": 2, "account_mrr": D("100.001"),
         "ending_mrr": D("100"), "revenue_recognition_mrr": D("100"),
         "difference": D("0.001"), "is_reconciled": True},
        {"month_start": month("2025-02"), "account_months": 2, "account_mrr": D("50"),
         "ending_mrr": D("50"), "revenue_recognition_mrr": None,
         "difference": D("0"), "is_reconciled": False},
    ]  # fmt: skip
    check = reconcile.mrr_totals(rows, TOLERANCE)
    assert [row.passed for row in check.rows] == [True, False]
    assert check.rows[1].values["revenue_recognition_mrr"] is None
    assert reconcile.mrr_totals([], TOLERANCE).skipped == "the marts hold no month."


def test_mrr_by_currency_lists_the_currencies_of_each_month() -> None:
    rows = [
        {"month_start": month("2025-01"), "item_versions": 3, "converted_mrr": D("210"),
         "ending_mrr": D("210"), "difference": D("0"), "is_reconciled": True},
        {"month_start": month("2025-02"), "item_versions": 0, "converted_mrr": D("0"),
         "ending_mrr": D("0"), "difference": D("0"), "is_reconciled": True},
    ]  # fmt: skip
    items = [
        {"month_start": month("2025-01"), "currency": "USD", "items": 2,
         "mrr_local": D("100"), "mrr": D("100")},
        {"month_start": month("2025-01"), "currency": "EUR", "items": 1,
         "mrr_local": D("100"), "mrr": D("110")},
    ]  # fmt: skip
    check = reconcile.mrr_by_currency(rows, items, "USD", TOLERANCE)
    assert check.passed is True and check.detail_rows == items and not check.notes
    assert [r.values["currencies"] for r in check.rows] == ["EUR, USD", "—"]
    # the per-currency rows not readable: the months and verdicts still shown, with the note
    unread = reconcile.mrr_by_currency(rows, None, "USD", TOLERANCE, "not on Spark")
    assert unread.passed is True and unread.notes == ["not on Spark"]
    assert unread.detail_rows == [] and unread.rows[0].values["currencies"] is None


def test_revenue_recognition_shows_the_warehouse_verdict() -> None:
    def row(day: str, reconciled: bool, complete: bool = True, **values: str | None) -> dict:
        out: dict[str, Any] = {
            "month_start": dt.date.fromisoformat(day),
            "is_month_complete": complete,
            "is_reconciled": reconciled,
            "mrr": D("1000"),
            "explained_difference": D("-50"),
            "expected_revenue": D("950"),
            "recognised_revenue": D("950.004"),
            "unexplained_difference": D("0.004"),
            "accounts": 10,
            "accounts_over_tolerance": 0,
            "accounts_over_relative_tolerance": 0,
        }
        out.update({k: None if v is None else D(v) for k, v in values.items()})
        return out

    rows = [
        row("2025-01-01", True),
        # one account-month unexplained: the warehouse says not reconciled
        row("2025-02-01", False, recognised_revenue="900", unexplained_difference="-50"),
        # a missing rate: expected revenue unknown, not reconciled
        row(
            "2025-03-01",
            False,
            expected_revenue=None,
            explained_difference=None,
            unexplained_difference=None,
        ),
        row("2025-04-01", True, complete=False),  # the as-of month is checked too
    ]
    reasons = [
        {"month_start": dt.date(2025, 1, 1), "reason": "day_count", "account_months": 3,
         "amount": D("-50")},
        {"month_start": dt.date(2025, 1, 1), "reason": "billed_in_advance", "account_months": 0,
         "amount": D("0")},
    ]  # fmt: skip
    check = reconcile.revenue_recognition(rows, reasons, D("0.05"), D("0.01"), "USD")
    assert [(r.key, r.passed) for r in check.rows] == [
        ("2025-01", True),
        ("2025-02", False),
        ("2025-03", False),
        ("2025-04", True),
    ]
    assert check.passed is False
    assert check.rows[0].values["explained_difference"] == D("-50")
    assert check.rows[2].values["explained_difference"] is None
    assert check.detail_rows == reasons[:1], "reasons that explain nothing are not listed"
    assert "1 incomplete month" in check.notes[0]
    assert "0.05 USD" in check.tolerance
    empty = reconcile.revenue_recognition([], [], D("0.05"), D("0.01"), "USD")
    assert empty.passed is None and empty.skipped


def test_an_empty_bridge_is_not_checked() -> None:
    for check in (
        reconcile.bridge_identity([], TOLERANCE),
        reconcile.bridge_continuity([], TOLERANCE),
    ):
        assert check.passed is None and check.skipped == "fct_mrr_bridge_monthly has no rows."
