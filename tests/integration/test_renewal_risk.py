"""Renewal risk ahead (fct_renewal_rates, fct_renewal_risk, fct_renewal_risk_by_segment)
recomputed independently in Python and compared with the marts.

The expected side reads the raw Parquet files of the small generated data set (subscriptions,
billing customers, items, plans, FX rates, CRM activities) and, for the account context and
the renewal history, the public marts fct_renewals and fct_account_months. Renewal dates are
computed with Python's calendar (started_at + k x term months, clamped to the month's last
day), subscription MRR with the counted-item rule at t(as-of month), the windows, the expected
rate with its fallback, the priority order and the per-segment sums with pandas. Nothing of
the project's SQL is reused.

A second, models-only build with var renewal_min_term_months 1 puts monthly subscriptions on
the schedule, so several renewals of one subscription fall into the windows.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from conftest import run_dbt
from reference_metrics import (
    RevenueReference,
    add_months,
    load_revenue,
    month_of,
    snapshot_instant,
)

pytestmark = pytest.mark.slow

WINDOWS = (30, 90, 180)
TOUCH_DAYS = 30
MIN_RENEWALS = 20
ACTIVITY_TYPES = {
    "call",
    "email",
    "meeting",
    "qbr",
    "onboarding",
    "training",
    "escalation",
    "other",
}
MONEY_TOLERANCE = 0.01
RATIO_TOLERANCE = 1e-6


# ------------------------------------------------------------------------------ helpers
def _rows(raw_dir: Path, source: str, table: str) -> list[dict]:
    return pq.read_table(raw_dir / source / f"{table}.parquet").to_pylist()


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """Naive UTC, whether the raw timestamp carries a zone or not."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _text(value: object) -> str | None:
    return None if value is None else str(value).strip()


def add_months_clamped(start: dt.datetime, months: int) -> dt.datetime:
    """start + months calendar months, the day clamped to the target month's last day."""
    index = start.year * 12 + start.month - 1 + months
    year, month = index // 12, index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def _frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return con.execute(sql).fetchdf()


def _none(value: object) -> object:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def _close(actual: object, expected: object, tolerance: float) -> bool:
    actual, expected = _none(actual), _none(expected)
    if actual is None or expected is None:
        return actual is None and expected is None
    return abs(float(actual) - float(expected)) <= tolerance


# ------------------------------------------------------------------------------ reference
def expected_renewals_ahead(
    raw_dir: Path, as_of: dt.date, min_term: int
) -> dict[tuple[str, int], dict]:
    """Every renewal with as_of < date <= as_of + longest window, of a subscription that
    starts by the end of the as-of month and is still running: not ended by the as-of date,
    and running at the previous renewal."""
    customers = {
        _text(row["customer_id"]): _text(row["account_id"])
        for row in _rows(raw_dir, "billing", "customers")
    }
    horizon = as_of + dt.timedelta(days=max(WINDOWS))
    out = {}
    for row in _rows(raw_dir, "billing", "subscriptions"):
        started = _utc(row["started_at"])
        term = row["term_months"]
        if started is None or term is None or int(term) < min_term:
            continue
        # contracts starting after the as-of month are not on the schedule yet
        if month_of(started) > month_of(as_of):
            continue
        term = int(term)
        customer = _text(row["customer_id"])
        account = customers.get(customer) or f"billing:{customer}"
        ended = _utc(row["ended_at"])
        canceled = _utc(row["canceled_at"])
        k = 1
        while True:
            renewal_at = add_months_clamped(started, k * term)
            if renewal_at.date() > horizon:
                break
            previous_at = add_months_clamped(started, (k - 1) * term)
            running = ended is None or (ended > previous_at and ended.date() > as_of)
            if renewal_at.date() > as_of and running:
                days = (renewal_at.date() - as_of).days
                out[(_text(row["subscription_id"]), k)] = {
                    "account_id": account,
                    "renewal_at": renewal_at,
                    "days_until_renewal": days,
                    "window_days": min(w for w in WINDOWS if days <= w),
                    "is_cancellation_on_file": (canceled is not None and canceled.date() <= as_of)
                    or ended is not None,
                }
            k += 1
    return out


def subscription_mrr(raw_dir: Path, ref: RevenueReference, month: dt.date) -> dict[str, float]:
    """Each subscription's MRR at month's evaluation instant (t(M); t* for the month in
    progress) in the reporting currency (counted-item rule)."""
    t = snapshot_instant(month, ref.as_of_date)
    plans = {_text(p["plan_id"]): p for p in _rows(raw_dir, "billing", "plans")}
    interval = {"month": 1, "quarter": 3, "year": 12}
    subscriptions = {
        _text(s["subscription_id"]): s for s in _rows(raw_dir, "billing", "subscriptions")
    }
    out: dict[str, float] = defaultdict(float)
    for version in _rows(raw_dir, "billing", "subscription_items"):
        subscription_id = _text(version["subscription_id"])
        sub = subscriptions[subscription_id]
        started, trial_end, ended = (
            _utc(sub["started_at"]),
            _utc(sub["trial_end_at"]),
            _utc(sub["ended_at"]),
        )
        valid_from, valid_to = _utc(version["valid_from"]), _utc(version["valid_to"])
        counted = (
            valid_from < t
            and (valid_to is None or valid_to >= t)
            and started < t
            and (trial_end is None or trial_end < t)
            and (ended is None or ended >= t)
        )
        if not counted:
            continue
        plan = plans[_text(version["plan_id"])]
        unit = version["unit_amount"]
        unit = float(plan["unit_amount"]) if unit is None else float(unit)
        months = int(plan["interval_count"]) * interval[_text(plan["billing_interval"]).lower()]
        amount = (
            int(version["quantity"])
            * unit
            * (1 - float(version["discount_percent"] or 0) / 100)
            / months
        )
        out[subscription_id] += amount * ref.rate(month, _text(plan["currency"]).upper())
    return dict(out)


def last_touches(raw_dir: Path, as_of: dt.date) -> dict[str, dt.datetime]:
    """The latest valid CS activity per account strictly before the as-of date's start."""
    start = dt.datetime.combine(as_of, dt.time())
    out: dict[str, dt.datetime] = {}
    for row in _rows(raw_dir, "crm", "activities"):
        account, occurred = _text(row["account_id"]), _utc(row["occurred_at"])
        kind = (_text(row["activity_type"]) or "").lower()
        if account is None or occurred is None or kind not in ACTIVITY_TYPES:
            continue
        if occurred < start and (account not in out or occurred > out[account]):
            out[account] = occurred
    return out


def expected_rates(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> pd.DataFrame:
    """fct_renewal_rates from fct_renewals and fct_account_months, with pandas."""
    latest_complete = add_months(month_of(as_of), -1)
    renewals = _frame(con, "select * from marts.fct_renewals")
    renewals = renewals[pd.to_datetime(renewals["renewal_month"]).dt.date <= latest_complete]
    months = _frame(
        con, "select account_id, month_start, health_status, tier from marts.fct_account_months"
    )
    renewals = renewals.assign(
        month_before=[add_months(m, -1) for m in pd.to_datetime(renewals["renewal_month"]).dt.date]
    )
    months = months.assign(month_before=pd.to_datetime(months["month_start"]).dt.date)
    history = renewals.merge(months, on=["account_id", "month_before"], how="left")
    history["health_status"] = history["health_status"].fillna("unknown")
    history["tier"] = history["tier"].fillna("unknown")
    history["arr_before"] = history["arr_before"].astype(float)
    history["arr_renewed"] = history["arr_before"].where(history["is_renewed"], 0.0)
    history["renewed"] = history["is_renewed"].astype(int)
    rows = []
    groups = [
        (["health_status", "tier"], lambda key: key),
        (["health_status"], lambda key: (key[0], "all")),
    ]
    for columns, keyer in groups:
        for key, part in history.groupby(columns):
            rows.append((*keyer(key), part))
    rows.append(("all", "all", history))
    out = []
    for health, tier, part in rows:
        due = len(part)
        renewed = int(part["renewed"].sum())
        before = float(part["arr_before"].sum())
        kept = float(part["arr_renewed"].sum())
        out.append(
            {
                "health_status": health,
                "tier": tier,
                "renewals_due": due,
                "renewals_renewed": renewed,
                "arr_before": before,
                "arr_renewed": kept,
                "renewal_rate": renewed / due if due else None,
                "arr_renewal_rate": kept / before if before else None,
                "has_min_renewals": due >= MIN_RENEWALS,
            }
        )
    return pd.DataFrame(out)


# ------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def as_of(small_vars: dict) -> dt.date:
    return dt.date.fromisoformat(small_vars["as_of_date"])


@pytest.fixture(scope="module")
def reference(small_raw_dir: Path, as_of: dt.date) -> RevenueReference:
    return load_revenue(small_raw_dir, as_of)


@pytest.fixture(scope="module")
def monthly_terms_db(small_vars: dict, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The renewal marts (models only) with renewals for every term from 1 month."""
    work = tmp_path_factory.mktemp("risk_monthly")
    db_path = work / "monthly.duckdb"
    run_dbt(
        [
            "build",
            "--select",
            "+fct_renewal_risk_by_segment",
            "--exclude-resource-type",
            "test",
            "--exclude-resource-type",
            "unit_test",
        ],
        db_path=db_path,
        target_path=work / "target",
        vars_={**small_vars, "renewal_min_term_months": 1},
    )
    return db_path


def _risk(db_path: Path) -> pd.DataFrame:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return _frame(con, "select * from marts.fct_renewal_risk")
    finally:
        con.close()


# ------------------------------------------------------------------------------ tests
@pytest.mark.parametrize("min_term", [12, 1], ids=["annual_terms", "monthly_terms"])
def test_renewals_in_each_window_and_arr_due(
    request: pytest.FixtureRequest,
    built_db: Path,
    small_raw_dir: Path,
    reference: RevenueReference,
    as_of: dt.date,
    min_term: int,
) -> None:
    db_path = built_db if min_term == 12 else request.getfixturevalue("monthly_terms_db")
    risk = _risk(db_path)
    expected = expected_renewals_ahead(small_raw_dir, as_of, min_term)
    actual = {(row.subscription_id, int(row.renewal_number)): row for row in risk.itertuples()}

    assert set(actual) == set(expected), (
        f"missing {sorted(set(expected) - set(actual))[:5]}, "
        f"extra {sorted(set(actual) - set(expected))[:5]}"
    )
    # the data set must exercise the windows
    assert len(expected) >= 10
    assert {e["window_days"] for e in expected.values()} == set(WINDOWS)
    if min_term == 1:
        per_subscription = defaultdict(int)
        for subscription_id, _ in expected:
            per_subscription[subscription_id] += 1
        assert max(per_subscription.values()) >= 5, "monthly terms renew several times"

    mrr = subscription_mrr(small_raw_dir, reference, month_of(as_of))
    problems = []
    for key, want in expected.items():
        row = actual[key]
        got = {
            "account_id": row.account_id,
            "renewal_at": pd.Timestamp(row.renewal_at).to_pydatetime(),
            "days_until_renewal": int(row.days_until_renewal),
            "window_days": int(row.window_days),
            "is_cancellation_on_file": bool(row.is_cancellation_on_file),
        }
        for name, value in want.items():
            if got[name] != value:
                problems.append(f"{key} {name}: mart {got[name]} != reference {value}")
        if not _close(row.arr_due, 12 * mrr.get(key[0], 0.0), MONEY_TOLERANCE):
            problems.append(f"{key} arr_due: mart {row.arr_due} != {12 * mrr.get(key[0], 0.0)}")
    assert not problems, "\n".join(problems[:20])
    assert sum(1 for k in expected if mrr.get(k[0], 0) > 0) >= 5, "some ARR is due"


def test_renewal_rates_recomputed_from_the_history(db: duckdb.DuckDBPyConnection, as_of) -> None:
    expected = expected_rates(db, as_of).set_index(["health_status", "tier"])
    actual = _frame(db, "select * from marts.fct_renewal_rates").set_index(
        ["health_status", "tier"]
    )
    assert set(actual.index) == set(expected.index)
    assert expected.loc[("all", "all"), "renewals_due"] >= 30
    problems = []
    for key, want in expected.iterrows():
        got = actual.loc[key]
        for name, tolerance in (
            ("renewals_due", 0),
            ("renewals_renewed", 0),
            ("arr_before", MONEY_TOLERANCE),
            ("arr_renewed", MONEY_TOLERANCE),
            ("renewal_rate", RATIO_TOLERANCE),
            ("arr_renewal_rate", RATIO_TOLERANCE),
        ):
            if not _close(got[name], want[name], tolerance):
                problems.append(f"{key} {name}: mart {got[name]} != reference {want[name]}")
        if bool(got["has_min_renewals"]) != want["has_min_renewals"]:
            problems.append(f"{key} has_min_renewals")
    assert not problems, "\n".join(problems)


def test_expected_rate_attention_and_priority(
    db: duckdb.DuckDBPyConnection, small_raw_dir: Path, as_of: dt.date
) -> None:
    risk = _frame(db, "select * from marts.fct_renewal_risk")
    rates = expected_rates(db, as_of).set_index(["health_status", "tier"])
    state = _frame(
        db,
        f"""
        select account_id, health_status, tier
        from marts.fct_account_months
        where month_start = date '{month_of(as_of)}'
        """,
    ).set_index("account_id")
    touches = last_touches(small_raw_dir, as_of)

    levels_seen = set()
    problems = []
    for row in risk.itertuples():
        health = tier = None
        if row.account_id in state.index:
            health = _none(state.loc[row.account_id, "health_status"])
            tier = _none(state.loc[row.account_id, "tier"])
        cell = (health or "unknown", tier or "unknown")
        status = (health or "unknown", "all")
        if cell in rates.index and rates.loc[cell, "renewals_due"] >= MIN_RENEWALS:
            level, rate = "health_status_tier", rates.loc[cell, "renewal_rate"]
        elif status in rates.index and rates.loc[status, "renewals_due"] >= MIN_RENEWALS:
            level, rate = "health_status", rates.loc[status, "renewal_rate"]
        else:
            level, rate = "overall", rates.loc[("all", "all"), "renewal_rate"]
        levels_seen.add(level)
        last = touches.get(row.account_id)
        untouched = last is None or (as_of - last.date()).days > TOUCH_DAYS
        attention = health in ("red", "yellow") and untouched
        key = (row.subscription_id, row.renewal_number)
        if row.expected_rate_level != level:
            problems.append(f"{key} level {row.expected_rate_level} != {level}")
        if not _close(row.expected_renewal_rate, rate, RATIO_TOLERANCE):
            problems.append(f"{key} rate {row.expected_renewal_rate} != {rate}")
        if not _close(
            row.expected_arr_at_risk, float(row.arr_due) * (1 - float(rate)), MONEY_TOLERANCE
        ):
            problems.append(f"{key} expected_arr_at_risk {row.expected_arr_at_risk}")
        if bool(row.is_untouched) != untouched or bool(row.needs_attention) != attention:
            problems.append(f"{key} untouched/attention {row.is_untouched}/{row.needs_attention}")
    assert not problems, "\n".join(problems[:20])
    assert len(levels_seen) >= 2, f"the fallback is exercised: {levels_seen}"

    ordered = sorted(
        risk.itertuples(),
        key=lambda r: (
            not r.needs_attention,
            pd.Timestamp(r.renewal_at),
            -float(r.arr_due),
            r.account_id,
            r.subscription_id,
            r.renewal_number,
        ),
    )
    assert [int(r.priority_rank) for r in ordered] == list(range(1, len(ordered) + 1))


def test_segments_sum_the_detail_rows(db: duckdb.DuckDBPyConnection) -> None:
    risk = _frame(db, "select * from marts.fct_renewal_risk")
    actual = _frame(db, "select * from marts.fct_renewal_risk_by_segment").set_index(
        ["window_days", "segment_type", "segment_value"]
    )
    risk["arr_due"] = risk["arr_due"].astype(float)
    risk["expected_arr_at_risk"] = risk["expected_arr_at_risk"].astype(float)
    expected = {}
    for window in WINDOWS:
        due = risk[risk["days_until_renewal"] <= window]
        segments = {
            "all": pd.Series("all", index=due.index),
            "tier": due["tier"].fillna("unknown"),
            "csm_owner": due["csm_owner_id"].fillna("unknown"),
            "service_model": due["service_model"].fillna("unknown"),
        }
        for segment_type, values in segments.items():
            for value, part in due.groupby(values):
                expected[(window, segment_type, value)] = {
                    "renewals": len(part),
                    "accounts": part["account_id"].nunique(),
                    "arr_due": part["arr_due"].sum(),
                    "expected_arr_at_risk": part["expected_arr_at_risk"].sum(),
                    "arr_due_red": part.loc[part["health_status"] == "red", "arr_due"].sum(),
                    "arr_due_yellow": part.loc[part["health_status"] == "yellow", "arr_due"].sum(),
                    "arr_due_needing_attention": part.loc[part["needs_attention"], "arr_due"].sum(),
                    "renewals_needing_attention": int(part["needs_attention"].sum()),
                }
    assert set(actual.index) == set(expected)
    problems = []
    for key, want in expected.items():
        for name, value in want.items():
            tolerance = MONEY_TOLERANCE if "arr" in name else 0
            if not _close(actual.loc[key, name], value, tolerance):
                problems.append(f"{key} {name}: mart {actual.loc[key, name]} != {value}")
    assert not problems, "\n".join(problems[:20])
    # cumulative: a longer window never holds less
    totals = actual.xs("all", level="segment_type").sort_index()["arr_due"].astype(float).tolist()
    assert totals == sorted(totals)


def test_summary_prints_the_renewals_ahead(db: duckdb.DuckDBPyConnection) -> None:
    from cs_metrics.report.summary import summary_lines
    from cs_metrics.warehouse import Warehouse

    lines = summary_lines(Warehouse("duckdb", "duckdb", db))
    assert "  Renewals ahead of the as-of date (USD):" in lines
    due, at_risk, attention = db.execute(
        """
        select arr_due, expected_arr_at_risk, renewals_needing_attention
        from marts.fct_renewal_risk_by_segment
        where segment_type = 'all' and window_days = 90
        """
    ).fetchone()
    line = next(line for line in lines if line.startswith("    next  90 days"))
    assert f"ARR due {float(due):,.2f}" in " ".join(line.split())
    assert f"expected at risk {float(at_risk):,.2f}" in " ".join(line.split())
    assert f"{attention:,} need attention" in " ".join(line.split())
