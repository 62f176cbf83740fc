"""The health-change and MRR/NRR-change explanations, recomputed independently.

Health: each change over `health_change_months` is re-derived in exact fractions from the
component values of fct_account_months and the configured weights (a component with a value
gets its var weight, others 0) - not from the mart's stored weights or SQL.

Retention: for the `all` segment and each tier, every account's term of ending MRR, monthly
NRR and TTM NRR is re-derived from the account-months following the written definitions
(the dbt doc blocks; segments read from the tier of the right month's row, bases summed
here), and the top accounts, their contributions, the metric values and the "other accounts"
remainder are compared.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import duckdb
import pytest
import yaml

from conftest import ROOT

pytestmark = pytest.mark.slow

VARS = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]
COMPONENTS = ["utilization", "usage_trend", "feature_breadth", "payment", "nps", "support"]
WEIGHTS = {component: Fraction(VARS[f"health_weight_{component}"]) for component in COMPONENTS}
CHANGE_MONTHS = int(VARS["health_change_months"])
TOP = int(VARS["explanation_top_accounts"])


def _add_months(month, months: int):
    index = month.year * 12 + month.month - 1 + months
    return month.replace(year=index // 12, month=index % 12 + 1)


def _frac(value) -> Fraction:
    return Fraction(str(value))


@pytest.fixture(scope="module")
def account_months(built_db) -> dict:
    columns = [
        "account_id",
        "month_start",
        "is_month_complete",
        "mrr",
        "prev_mrr_cc",
        "year_ago_mrr_cc",
        "expansion_mrr",
        "contraction_mrr",
        "churned_mrr",
        "tier",
        "health_score",
        *[f"{component}_score" for component in COMPONENTS],
    ]
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        rows = con.execute(f"select {', '.join(columns)} from marts.fct_account_months").fetchall()
    finally:
        con.close()
    return {(row[0], row[1]): dict(zip(columns, row, strict=True)) for row in rows}


# ------------------------------------------------------------------------------- health


def _health_contributions(previous: dict, current: dict) -> dict[str, Fraction]:
    def shares(row: dict) -> dict[str, Fraction]:
        weights = {
            component: WEIGHTS[component] if row[f"{component}_score"] is not None else 0
            for component in COMPONENTS
        }
        total = sum(weights.values())
        return {component: Fraction(weights[component]) / total for component in COMPONENTS}

    base = _frac(previous["health_score"])
    a0, a1 = shares(previous), shares(current)

    def value(row, component):
        return _frac(row[f"{component}_score"]) if row[f"{component}_score"] is not None else 0

    return {
        component: a1[component] * (value(current, component) - base)
        - a0[component] * (value(previous, component) - base)
        for component in COMPONENTS
    }


def test_health_changes_are_explained_exactly(db, account_months) -> None:
    mart = {
        (row[0], row[1]): row[2:]
        for row in db.execute(
            "select account_id, month_start, health_change, main_driver, "
            + ", ".join(f"{component}_contribution" for component in COMPONENTS)
            + " from marts.fct_health_score_changes"
        ).fetchall()
    }
    expected_keys = set()
    checked_drivers = 0
    for (account_id, month), row in account_months.items():
        if row["health_score"] is None:
            continue
        previous = account_months.get((account_id, _add_months(month, -CHANGE_MONTHS)))
        if previous is None or previous["health_score"] is None:
            continue
        expected_keys.add((account_id, month))
        change, main_driver, *contributions = mart[(account_id, month)]
        exact = _health_contributions(previous, row)
        assert change == row["health_score"] - previous["health_score"]
        # the stored change is the sum of the stored contributions, to the last decimal
        assert sum(contributions) == change
        for component, stored in zip(COMPONENTS, contributions, strict=True):
            assert abs(_frac(stored) - exact[component]) <= Fraction(5, 1_000_000), (
                account_id,
                month,
                component,
            )
        ranked = sorted(exact.values(), key=abs, reverse=True)
        if ranked[0] != 0 and abs(ranked[0]) - abs(ranked[1]) > Fraction(1, 10**9):
            biggest = max(COMPONENTS, key=lambda component: abs(exact[component]))
            assert main_driver == biggest
            checked_drivers += 1
    assert expected_keys == set(mart)
    assert checked_drivers > 100


def test_health_explanation_covers_appearing_components(db) -> None:
    """The demo-like data has components appearing and disappearing, so re-weighting is tested."""
    effects = dict(
        db.execute(
            "select main_driver_effect, count(*) from marts.fct_health_score_changes"
            " group by main_driver_effect"
        ).fetchall()
    )
    assert effects.get("changed", 0) > 0
    assert effects.get("appeared", 0) + effects.get("disappeared", 0) > 0


# ---------------------------------------------------------------------------- retention


def _retention_terms(account_months: dict) -> dict:
    """{(month, segment, metric): {account: (term at M, term at M - 1)}} and the metric values."""
    complete = {key: row for key, row in account_months.items() if row["is_month_complete"]}

    def tier_at(account_id, month, offset):
        row = complete.get((account_id, _add_months(month, -offset)))
        return (row["tier"] if row else None) or "unknown"

    # each account-month's term per metric and segment: {(month, segment, metric): {acct: v}}
    terms = defaultdict(lambda: defaultdict(Fraction))
    bases = defaultdict(Fraction)  # (month, segment, metric) -> S or B
    ending = defaultdict(Fraction)
    for (account_id, month), row in complete.items():
        for segment_type in ("all", "tier"):

            def seg(tier, segment_type=segment_type):
                return ("all", "all") if segment_type == "all" else ("tier", tier)

            ending_segment = seg(row["tier"] or "unknown")
            ending[(month, ending_segment)] += _frac(row["mrr"])
            terms[(month, ending_segment, "ending_mrr")][account_id] += _frac(row["mrr"])
            was_active = row["prev_mrr_cc"] > 0
            movement_tier = tier_at(account_id, month, 1) if was_active else row["tier"]
            movement_segment = seg(movement_tier or "unknown")
            if was_active:
                bases[(month, movement_segment, "monthly_nrr")] += _frac(row["prev_mrr_cc"])
            retained = (
                _frac(row["expansion_mrr"])
                + _frac(row["contraction_mrr"])
                + _frac(row["churned_mrr"])
            )
            if retained:
                terms[(month, movement_segment, "monthly_nrr")][account_id] += retained
            if row["year_ago_mrr_cc"] > 0:
                cohort_segment = seg(tier_at(account_id, month, 12))
                bases[(month, cohort_segment, "nrr_ttm")] += _frac(row["year_ago_mrr_cc"])
                deviation = _frac(row["mrr"]) - _frac(row["year_ago_mrr_cc"])
                if deviation:
                    terms[(month, cohort_segment, "nrr_ttm")][account_id] += deviation
    return terms, bases


def test_retention_changes_are_explained_by_the_right_accounts(db, account_months) -> None:
    terms, bases = _retention_terms(account_months)
    rows = db.execute(
        "select month_start, segment_type, segment_value, metric, driver_rank, account_id,"
        " contribution, current_value, previous_value, metric_change"
        " from marts.fct_retention_change_drivers"
        " where segment_type in ('all', 'tier')"
        " order by month_start, segment_type, segment_value, metric, driver_rank"
    ).fetchall()
    groups = defaultdict(list)
    for month, segment_type, segment_value, metric, rank, account_id, contribution, *values in rows:
        groups[(month, (segment_type, segment_value), metric)].append(
            (rank, account_id, contribution, values)
        )
    assert groups, "no explained changes"

    def share(month, segment, metric, account_id):
        value = terms[(month, segment, metric)].get(account_id, Fraction(0))
        if metric == "ending_mrr":
            return value
        return value / bases[(month, segment, metric)]

    checked = 0
    for (month, segment, metric), drivers in groups.items():
        previous_month = _add_months(month, -1)
        current_value, previous_value, metric_change = drivers[0][3]
        for value, at in ((current_value, month), (previous_value, previous_month)):
            if metric == "ending_mrr":
                expected_value = sum(terms[(at, segment, metric)].values(), Fraction(0))
            else:
                expected_value = 1 + sum(
                    share(at, segment, metric, account) for account in terms[(at, segment, metric)]
                )
            assert abs(_frac(value) - expected_value) <= Fraction(1, 10**9), (at, segment, metric)

        accounts = set(terms[(month, segment, metric)]) | set(
            terms[(previous_month, segment, metric)]
        )
        expected = {
            account: share(month, segment, metric, account)
            - share(previous_month, segment, metric, account)
            for account in accounts
        }
        # the mart keeps 10 decimals: smaller contributions round to 0 and are not named
        expected = {
            account: value
            for account, value in expected.items()
            if abs(value) >= Fraction(1, 2 * 10**10)
        }
        ordered = sorted(expected.items(), key=lambda item: (-abs(item[1]), item[0]))[:TOP]
        named = [(account, contribution) for _, account, contribution, _ in drivers[:-1]]
        assert [account for account, _ in named] == [
            account for account, _ in ordered
        ] or _only_ties_differ(named, ordered), (month, segment, metric)
        for account, contribution in named:
            assert abs(_frac(contribution) - expected[account]) <= Fraction(1, 10**9)
        # the last row is everyone else, and the rows add up to the change
        assert drivers[-1][1] is None
        assert sum(Decimal(contribution) for _, _, contribution, _ in drivers) == metric_change
        checked += 1
    assert checked > 50


def _only_ties_differ(named, ordered) -> bool:
    """Accounts with contributions equal to within rounding may be ordered either way."""
    if len(named) != len(ordered):
        return False
    return all(
        abs(abs(_frac(stored)) - abs(value)) <= Fraction(1, 10**9)
        for (_, stored), (_, value) in zip(named, ordered, strict=True)
    )
