"""MRR and retention recomputed independently in Python, compared with the marts.

The reference (tests/reference_metrics.py) reads the raw Parquet files of the small generated
data set with pyarrow and applies the written definitions (the dbt doc blocks) in plain Python: the
counted-item rule at t(M), item price overrides, discounts, billing intervals, stand-in
accounts for unmapped billing customers and as-of FX rates. Nothing of the project's SQL is
reused, so a wrong rule on either side shows up as a difference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import pytest

from reference_metrics import (
    MonthRetention,
    RevenueReference,
    add_months,
    cohort_retention,
    load_revenue,
    retention,
    tiers,
)

pytestmark = pytest.mark.slow

MONEY_TOLERANCE = 0.01
RATIO_TOLERANCE = 1e-6

# Lower bounds on what the comparisons cover, so an empty or truncated mart cannot pass.
MIN_ACCOUNT_MONTHS = 1_500
MIN_ACTIVE_ACCOUNT_MONTHS = 1_200
MIN_COMPLETE_MONTHS = 24
MIN_TTM_MONTHS = 12


@pytest.fixture(scope="module")
def reference(small_raw_dir: Path, small_vars: dict) -> RevenueReference:
    return load_revenue(small_raw_dir, dt.date.fromisoformat(small_vars["as_of_date"]))


@pytest.fixture(scope="module")
def reference_tiers(reference: RevenueReference) -> dict:
    return tiers(reference)


def _close(actual: object, expected: float | None, tolerance: float) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    return abs(float(actual) - expected) <= tolerance


def _differences(
    label: str, actual: dict, expected: dict, fields: Iterable[tuple[str, float]]
) -> list[str]:
    """Field-by-field differences between a mart row and a MonthRetention."""
    out = []
    for name, tolerance in fields:
        mart_value = actual[name]
        ref_value = getattr(expected, name)
        if not _close(mart_value, ref_value, tolerance):
            out.append(f"{label} {name}: mart {mart_value} != reference {ref_value}")
    return out


RETENTION_FIELDS = (
    ("active_customers", 0),
    ("starting_customers", 0),
    ("churned_customers", 0),
    ("logo_churn_rate", RATIO_TOLERANCE),
    ("starting_mrr_cc", MONEY_TOLERANCE),
    ("monthly_nrr", RATIO_TOLERANCE),
    ("monthly_grr", RATIO_TOLERANCE),
    ("cohort_customers_ttm", 0),
    ("cohort_base_mrr_ttm", MONEY_TOLERANCE),
    ("nrr_ttm", RATIO_TOLERANCE),
    ("grr_ttm", RATIO_TOLERANCE),
    ("logo_retention_ttm", RATIO_TOLERANCE),
)


def _mart_retention(db, segment_type: str) -> dict[tuple[dt.date, str], dict]:
    columns = ["month_start", "segment_value"] + [name for name, _ in RETENTION_FIELDS]
    rows = db.execute(
        f"select {', '.join(columns)} from marts.fct_retention_monthly where segment_type = ?",
        [segment_type],
    ).fetchall()
    return {(row[0], row[1]): dict(zip(columns, row, strict=True)) for row in rows}


def _compare_retention(
    mart: dict[tuple[dt.date, str], dict], expected: dict[tuple[dt.date, str], MonthRetention]
) -> list[str]:
    problems = []
    if set(mart) != set(expected):
        only_mart = sorted(set(mart) - set(expected))[:10]
        only_ref = sorted(set(expected) - set(mart))[:10]
        problems.append(f"rows differ: only in the mart {only_mart}, only in Python {only_ref}")
    for key in sorted(set(mart) & set(expected)):
        problems += _differences(str(key), mart[key], expected[key], RETENTION_FIELDS)
    return problems


def test_account_months_match_recomputed_mrr(
    db, reference: RevenueReference, reference_tiers: dict
) -> None:
    expected = reference.account_months()
    rows = db.execute("select account_id, month_start, mrr, tier from marts.fct_account_months")
    actual = {(account, month): (mrr, tier) for account, month, mrr, tier in rows.fetchall()}

    assert len(expected) >= MIN_ACCOUNT_MONTHS
    assert sum(1 for mrr in expected.values() if mrr > 0) >= MIN_ACTIVE_ACCOUNT_MONTHS
    assert any(account.startswith("billing:") for account, _ in expected), "no stand-in account"
    currencies = {currency for amounts in reference.local.values() for currency in amounts}
    assert len(currencies - {reference.reporting_currency}) >= 2, "FX is not exercised"
    assert set(actual) == set(expected), (
        f"only in the mart: {sorted(set(actual) - set(expected))[:10]}; "
        f"only in Python: {sorted(set(expected) - set(actual))[:10]}"
    )
    wrong_mrr = [
        f"{key}: mart {actual[key][0]} != reference {mrr:.6f}"
        for key, mrr in sorted(expected.items())
        if not _close(actual[key][0], mrr, MONEY_TOLERANCE)
    ]
    assert not wrong_mrr, f"{len(wrong_mrr)} account-months differ:\n" + "\n".join(wrong_mrr[:20])
    wrong_tier = [
        f"{key}: mart {actual[key][1]} != reference {reference_tiers[key]}"
        for key in sorted(expected)
        if actual[key][1] != reference_tiers[key]
    ]
    assert not wrong_tier, f"{len(wrong_tier)} tiers differ:\n" + "\n".join(wrong_tier[:20])


def test_retention_for_all_accounts_matches_recomputation(db, reference: RevenueReference) -> None:
    expected = retention(reference)
    mart = _mart_retention(db, "all")

    complete = reference.complete_months()
    assert len(complete) >= MIN_COMPLETE_MONTHS
    assert {month for month, _ in mart} == set(complete)
    with_ttm = [row for row in expected.values() if row.nrr_ttm is not None]
    assert len(with_ttm) >= MIN_TTM_MONTHS
    # the data must exercise the rules: churn, expansion beyond the base, FX-converted bases
    assert any(row.churned_customers > 0 for row in expected.values())
    assert any(row.nrr_ttm > row.grr_ttm for row in with_ttm)
    assert max(row.cohort_customers for row in with_ttm) >= 40

    problems = _compare_retention(mart, expected)
    assert not problems, "\n".join(problems[:30])


def test_retention_by_tier_matches_recomputation(
    db, reference: RevenueReference, reference_tiers: dict
) -> None:
    """Tier segments: movements at M−1's tier, TTM cohorts at M−12's tier (no survivor bias)."""
    expected = retention(reference, lambda account, month: reference_tiers.get((account, month)))
    mart = _mart_retention(db, "tier")

    assert {value for _, value in expected} >= {"smb", "mid_market"}
    moved = sum(
        1
        for (account, month), tier in reference_tiers.items()
        if (account, add_months(month, 12)) in reference_tiers
        and reference_tiers[(account, add_months(month, 12))] != tier
    )
    assert moved > 0, "no account changes tier within a year: the rule is not exercised"

    problems = _compare_retention(mart, expected)
    assert not problems, "\n".join(problems[:30])


@pytest.mark.parametrize("months_since_start", [0, 12])
def test_cohort_retention_matches_recomputation(
    db, reference: RevenueReference, months_since_start: int
) -> None:
    expected = cohort_retention(reference, months_since_start)
    rows = db.execute(
        """
        select cohort_month, cohort_customers, retained_customers, logo_retention,
               cohort_starting_mrr, cohort_mrr, revenue_retention
        from marts.fct_cohort_retention
        where months_since_start = ?
        """,
        [months_since_start],
    ).fetchall()
    mart = {row[0]: row for row in rows}

    assert len(expected) >= 12
    assert set(mart) == set(expected)
    problems = []
    for cohort, point in expected.items():
        _, customers, retained, logo, starting, current, revenue = mart[cohort]
        if (customers, retained) != (point.cohort_customers, point.retained_customers):
            problems.append(
                f"{cohort}: customers {customers}/{retained} != "
                f"{point.cohort_customers}/{point.retained_customers}"
            )
        checks = (
            ("logo_retention", logo, point.retained_customers / point.cohort_customers, 1e-6),
            ("cohort_starting_mrr", starting, point.cohort_starting_mrr, MONEY_TOLERANCE),
            ("cohort_mrr", current, point.cohort_mrr, MONEY_TOLERANCE),
            ("revenue_retention", revenue, point.revenue_retention, RATIO_TOLERANCE),
        )
        for name, actual, wanted, tolerance in checks:
            if not _close(actual, wanted, tolerance):
                problems.append(f"{cohort} {name}: mart {actual} != reference {wanted}")
    assert not problems, "\n".join(problems[:30])
