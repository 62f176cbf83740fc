"""The revenue recognition check: clean generated data reconciles, a real discrepancy does not.

Recognised revenue comes from the invoices the generator writes (its own Python billing code);
the expected revenue is rebuilt by the warehouse from the subscriptions alone
(int_billing_periods_scheduled, int_invoice_lines_expected). Two independent implementations
of one billing policy meeting to the cent on every account-month is the test of both; the
recognised side is also recomputed here in plain Python from the raw invoice lines
(tests/reference_metrics.py).

- On the small data set (`built_db`) every account-month is reconciled, the reasons add up to
  the expectation, each reason appears only where its cause is, and the dbt test
  assert_recognised_revenue_is_explained passed.
- On the demo build (`make build`, run before pytest by `make check`) every month is
  reconciled; skipped when no demo build is there.
- A copy of the small data with one invoice line billed 50.00 too much and one monthly invoice
  deleted is built: exactly the account-months those lines touch fail, each by the amount the
  change spreads into it; the dbt test warns and stores them; the quality report fails the
  reconciliation and names the accounts and months.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import ROOT, SMALL_AS_OF, run_dbt
from cs_metrics.quality.command import write_quality_report
from reference_metrics import (
    AccountMonth,
    RevenueReference,
    add_months,
    load_revenue,
    month_of,
    recognised_revenue,
)

pytestmark = pytest.mark.slow

AS_OF = dt.date.fromisoformat(SMALL_AS_OF)
TEST_NODE = "test.cs_metrics.assert_recognised_revenue_is_explained"
REASONS = (
    "partial_month",
    "day_count",
    "first_payment_failed",
    "billed_in_advance",
    "invoice_currency",
)
MONEY_TOLERANCE = Decimal("0.01")
IDENTITY_TOLERANCE = Decimal("0.0001")  # each reason is rounded to 6 decimals
MIN_ACCOUNT_MONTHS = 1_500
OVERBILLED = Decimal("50.00")


def _query(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _check_rows(db_path: Path) -> list[dict]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        cursor = con.execute("select * from marts.fct_revenue_recognition_check")
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def _test_result(run_results: Path) -> dict | None:
    results = json.loads(run_results.read_text())["results"]
    return next((r for r in results if r["unique_id"] == TEST_NODE), None)


# ---------------------------------------------------------------------------- clean data
@pytest.fixture(scope="module")
def reference(small_raw_dir: Path) -> RevenueReference:
    return load_revenue(small_raw_dir, AS_OF)


@pytest.fixture(scope="module")
def checks(built_db: Path) -> list[dict]:
    return _check_rows(built_db)


def test_recognised_revenue_equals_the_raw_lines_spread_over_days(
    checks: list[dict], small_raw_dir: Path, reference: RevenueReference
) -> None:
    expected = recognised_revenue(small_raw_dir, reference)
    shown = {(r["account_id"], r["month_start"]): r["recognised_revenue"] for r in checks}
    assert len(expected) > MIN_ACCOUNT_MONTHS
    missing = sorted(set(expected) - set(shown))[:5]
    assert not missing, f"account-months with invoiced revenue but no row: {missing}"
    wrong = [
        (key, float(value), expected.get(key, 0.0))
        for key, value in shown.items()
        if abs(float(value) - expected.get(key, 0.0)) > float(MONEY_TOLERANCE)
    ]
    assert not wrong, wrong[:5]


def test_clean_data_reconciles_every_account_month(checks: list[dict], built_db: Path) -> None:
    assert len(checks) > MIN_ACCOUNT_MONTHS
    unreconciled = [
        (r["account_id"], r["month_start"], r["unexplained_difference"])
        for r in checks
        if not r["is_reconciled"]
    ]
    assert not unreconciled, unreconciled[:5]
    assert max(abs(r["unexplained_difference"]) for r in checks) < MONEY_TOLERANCE
    # by design, recognised revenue and MRR differ on most account-months
    assert sum(1 for r in checks if abs(r["difference"]) > 1) > len(checks) // 2
    months = _query(built_db, "select is_reconciled from marts.fct_revenue_recognition_monthly")
    assert len(months) > 24 and all(ok for (ok,) in months)
    result = _test_result(built_db.parent / "target" / "run_results.json")
    assert result is not None and result["status"] == "pass"


def test_reasons_add_up_to_the_expectation(checks: list[dict]) -> None:
    for row in checks:
        explained = sum(row[f"explained_{reason}"] for reason in REASONS)
        key = (row["account_id"], row["month_start"])
        assert abs(row["mrr"] + explained - row["expected_revenue"]) <= IDENTITY_TOLERANCE, key
        assert (
            abs(row["difference"] - explained - row["unexplained_difference"]) <= IDENTITY_TOLERANCE
        ), key


def test_each_reason_appears_only_where_its_cause_is(
    checks: list[dict], small_raw_dir: Path, built_db: Path
) -> None:
    by_reason: dict[str, set[AccountMonth]] = defaultdict(set)
    for row in checks:
        for reason in REASONS:
            if row[f"explained_{reason}"] != 0:
                by_reason[reason].add((row["account_id"], row["month_start"]))
    for reason in ("partial_month", "day_count", "billed_in_advance"):
        assert by_reason[reason], f"the small data set has no {reason} difference"
    customers = {
        r["customer_id"]: r["account_id"] or f"billing:{r['customer_id']}"
        for r in pq.read_table(small_raw_dir / "billing" / "customers.parquet").to_pylist()
    }
    incomplete = {
        customers[s["customer_id"]]
        for s in pq.read_table(small_raw_dir / "billing" / "subscriptions.parquet").to_pylist()
        if s["status"] in ("incomplete", "incomplete_expired")
    }
    assert {account for account, _ in by_reason["first_payment_failed"]} <= incomplete
    mismatched = {
        account
        for (account,) in _query(
            built_db,
            "select account_id from marts.fct_data_quality_issues"
            " where issue_type = 'plan_currency_differs_from_customer'",
        )
    }
    assert {account for account, _ in by_reason["invoice_currency"]} <= mismatched


def test_the_demo_build_reconciles_every_month() -> None:
    """The demo of `make build` (data/demo, 1,000 accounts): skipped when it is not built."""
    run_results = ROOT / "target" / "last_build" / "run_results.json"
    database = ROOT / "target" / "cs_metrics.duckdb"
    if not run_results.exists() or not database.exists():
        pytest.skip("no demo build: run `make build` (make check does)")
    result = _test_result(run_results)
    if result is None:
        pytest.skip("the demo build predates the revenue recognition test: run `make build`")
    assert result["status"] == "pass", result.get("message")
    months = _query(
        database,
        "select strftime(month_start, '%Y-%m'), is_reconciled, accounts"
        " from marts.fct_revenue_recognition_monthly order by 1",
    )
    assert len(months) >= 12
    assert [m for m, ok, _ in months if not ok] == []


# ----------------------------------------------------------------- injected discrepancies
@dataclass
class Tampered:
    db_path: Path
    target: Path
    expected: dict[AccountMonth, Decimal]  # account-month -> its unexplained difference


def _spread(amount: Decimal, start: dt.date, end: dt.date) -> dict[dt.date, Decimal]:
    """An amount spread over the days of [start, end), per month."""
    days = (end - start).days
    out: dict[dt.date, Decimal] = defaultdict(Decimal)
    day = start
    while day < end:
        following = add_months(month_of(day), 1)
        out[month_of(day)] += amount * (min(end, following) - day).days / days
        day = following
    return dict(out)


def _single_line_invoices(raw: Path) -> list[tuple[dict, dict, str]]:
    """Paid USD invoices of one monthly subscription line whose period straddles two months
    well inside the history: (invoice, line, account), by invoice id."""
    customers = {
        r["customer_id"]: r["account_id"] or f"billing:{r['customer_id']}"
        for r in pq.read_table(raw / "billing" / "customers.parquet").to_pylist()
    }
    lines_of: dict[str, list[dict]] = defaultdict(list)
    for line in pq.read_table(raw / "billing" / "invoice_lines.parquet").to_pylist():
        lines_of[line["invoice_id"]].append(line)
    out = []
    for invoice in pq.read_table(raw / "billing" / "invoices.parquet").to_pylist():
        lines = lines_of[invoice["invoice_id"]]
        if invoice["status"] != "paid" or invoice["currency"] != "USD" or len(lines) != 1:
            continue
        line = lines[0]
        start, end = line["period_start"], line["period_end"]
        if (
            line["line_type"] == "subscription"
            and 28 <= (end - start).days <= 31
            and start.day > 1
            and dt.date(2024, 1, 1) <= start
            and end < dt.date(2025, 4, 1)
        ):
            out.append((invoice, line, customers[invoice["customer_id"]]))
    return sorted(out, key=lambda found: found[0]["invoice_id"])


def _save(raw: Path, table: str, rows: list[dict], schema: pa.Schema) -> None:
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), raw / "billing" / f"{table}.parquet")


@pytest.fixture(scope="module")
def tampered(small_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Tampered:
    """One line billed 50.00 too much, one monthly invoice missing; built with dbt."""
    work = tmp_path_factory.mktemp("revrec_tampered")
    raw = work / "raw"
    shutil.copytree(small_raw_dir, raw)
    candidates = _single_line_invoices(raw)
    _, overbilled_line, overbilled_account = candidates[0]
    missing_invoice, missing_line, missing_account = next(
        found for found in candidates if found[2] != overbilled_account
    )
    expected: dict[AccountMonth, Decimal] = {}
    for month, amount in _spread(
        OVERBILLED, overbilled_line["period_start"], overbilled_line["period_end"]
    ).items():
        expected[(overbilled_account, month)] = amount
    for month, amount in _spread(
        -missing_line["amount"], missing_line["period_start"], missing_line["period_end"]
    ).items():
        expected[(missing_account, month)] = amount

    lines_table = pq.read_table(raw / "billing" / "invoice_lines.parquet")
    lines = lines_table.to_pylist()
    for line in lines:
        if line["invoice_line_id"] == overbilled_line["invoice_line_id"]:
            line["amount"] += OVERBILLED
    lines = [line for line in lines if line["invoice_id"] != missing_invoice["invoice_id"]]
    _save(raw, "invoice_lines", lines, lines_table.schema)
    invoices_table = pq.read_table(raw / "billing" / "invoices.parquet")
    invoices = [
        i for i in invoices_table.to_pylist() if i["invoice_id"] != missing_invoice["invoice_id"]
    ]
    _save(raw, "invoices", invoices, invoices_table.schema)

    db_path, target = work / "tampered.duckdb", work / "target"
    run_dbt(
        ["build", "--exclude-resource-type", "unit_test"],
        db_path=db_path,
        target_path=target,
        vars_={"raw_data_dir": str(raw), "as_of_date": SMALL_AS_OF},
    )
    return Tampered(db_path, target, expected)


def test_a_discrepancy_fails_exactly_its_account_months(tampered: Tampered) -> None:
    failing = {
        (r["account_id"], r["month_start"]): r["unexplained_difference"]
        for r in _check_rows(tampered.db_path)
        if not r["is_reconciled"]
    }
    assert set(failing) == set(tampered.expected)
    for key, amount in tampered.expected.items():
        assert abs(failing[key] - amount) < MONEY_TOLERANCE, (key, failing[key], amount)
    months = dict(
        _query(
            tampered.db_path,
            "select month_start, is_reconciled from marts.fct_revenue_recognition_monthly",
        )
    )
    assert {m for m, ok in months.items() if not ok} == {m for _, m in tampered.expected}


def test_the_dbt_test_warns_and_stores_the_account_months(tampered: Tampered) -> None:
    result = _test_result(tampered.target / "run_results.json")
    assert result is not None
    assert result["status"] == "warn" and result["failures"] == len(tampered.expected)
    stored = _query(
        tampered.db_path,
        "select account_id, month_start from audit.assert_recognised_revenue_is_explained",
    )
    assert set(stored) == set(tampered.expected)


def test_the_quality_report_names_the_accounts_and_months(
    tampered: Tampered, tmp_path: Path
) -> None:
    result = write_quality_report(
        tmp_path / "quality.html",
        target="duckdb",
        duckdb_path=tampered.db_path,
        artifacts=tampered.target,
        validation=tmp_path / "no-validation",
    )
    assert "Recognised revenue versus MRR" in result.failing_checks
    html = result.path.read_text(encoding="utf-8")
    named = set(re.findall(r'data-account="([^"]+)" data-month="(\d{4}-\d{2})"', html))
    assert named == {(account, f"{month:%Y-%m}") for account, month in tampered.expected}
    failing_months = set(
        re.findall(r'data-check="revenue_recognition" data-key="([^"]+)" data-pass="false"', html)
    )
    assert failing_months == {f"{month:%Y-%m}" for _, month in tampered.expected}
