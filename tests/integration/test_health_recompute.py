"""Health, usage, lifecycle and committed MRR recomputed independently in Python.

Every account-month of fct_account_months (small generated data set) is recomputed from the
raw Parquet files and the seeds with the written definitions (the dbt doc blocks): usage from the
de-duplicated events, the payment, NPS and support components, weights and re-weighting,
status, 3-month change, value-health quadrant, next renewal, lifecycle stage and committed
MRR. Only mrr / arr / cohort_month / tenure_months / seats are read from the mart: their
recomputation is test_revenue_recompute's job. None of the project's SQL is reused.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from reference_metrics import (
    MONTHS_PER_INTERVAL,
    RevenueReference,
    add_months,
    load_revenue,
    month_of,
    shift_months,
    snapshot_instant,
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SCORE_TOLERANCE = 1e-6
# health_change_3m is the difference of two scores, each stored to 6 decimals (each within
# SCORE_TOLERANCE of the exact value), so the two sides may differ by one unit more
CHANGE_TOLERANCE = 2 * SCORE_TOLERANCE + 1e-9
MONEY_TOLERANCE = 0.01

# dbt_project.yml defaults
WEIGHTS = {
    "utilization": 30,
    "usage_trend": 20,
    "feature_breadth": 15,
    "payment": 15,
    "nps": 10,
    "support": 10,
}
OUTCOME = ("utilization", "usage_trend", "feature_breadth", "payment")
EXPERIENCE = ("nps", "support")
GREEN_MIN, YELLOW_MIN = 70, 40
USAGE_TREND_MONTHS, PARITY = 3, 50
PAYMENT_GRACE_DAYS, PAYMENT_PARTIAL = 30, 50
NPS_WINDOW_DAYS, SUPPORT_WINDOW_DAYS = 365, 90
DEFAULT_PRIORITY = "normal"
CHANGE_MONTHS = 3
VALUE_HIGH_MIN_ARR = 10_000
ONBOARDING_MONTHS, ADOPTION_MONTHS, RENEWAL_WINDOW_DAYS = 3, 12, 90
RENEWAL_MIN_TERM = 12

# Lower bounds, so an empty or degenerate mart cannot pass.
MIN_ROWS = 1_500
MIN_SCORED = 1_200
MIN_PER_STATUS = {"green": 100, "yellow": 100, "red": 20}
MIN_COMPONENT_VALUES = {"nps": 300, "support": 300, "utilization": 500, "usage_trend": 1_000}


def _rows(raw_dir: Path, source: str, table: str) -> list[dict]:
    return pq.read_table(raw_dir / source / f"{table}.parquet").to_pylist()


def _text(value: object) -> str | None:
    return None if value is None else str(value).strip()


def _seed(name: str) -> list[dict]:
    with (ROOT / "seeds" / f"{name}.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


# ----------------------------------------------------------------------------- the recompute
@dataclass
class Expected:
    usage: dict = field(default_factory=dict)  # (account, month) -> (users, days, events, core)
    rows: dict = field(default_factory=dict)  # (account, month) -> {column: value}


def _valid_events(raw_dir: Path, core_features: dict[str, str]) -> list[tuple]:
    """(account, user, occurred_at, core feature or None) of each event's first-loaded copy,
    leaving out events that break the raw contract."""
    first_copy: dict[str, dict] = {}
    for row in _rows(raw_dir, "product", "events"):
        event_id = _text(row["event_id"])
        loaded = row.get("_loaded_at")
        kept = first_copy.get(event_id)
        if kept is None or (
            loaded is not None and (kept["_loaded_at"] is None or loaded < kept["_loaded_at"])
        ):
            first_copy[event_id] = row
    out = []
    for row in first_copy.values():
        account, user = _text(row["account_id"]), _text(row["user_id"])
        name, occurred = _text(row["event_name"]), row["occurred_at"]
        if account is None or user is None or name is None or occurred is None:
            continue  # breaks the raw contract: not usage
        out.append((account, user, occurred, core_features.get(name.lower())))
    return out


def _usage(events: list[tuple], period_of) -> dict:
    """Distinct users, days, events and core features per (account, period); period_of maps
    an event time to its period key (or None: counted nowhere)."""
    users, days, features = defaultdict(set), defaultdict(set), defaultdict(set)
    counts: dict = defaultdict(int)
    for account, user, occurred, feature in events:
        period = period_of(occurred)
        if period is None:
            continue
        key = (account, period)
        users[key].add(user)
        days[key].add(occurred.date())
        counts[key] += 1
        if feature is not None:
            features[key].add(feature)
    return {
        key: (len(users[key]), len(days[key]), counts[key], len(features[key])) for key in counts
    }


def _in_progress_windows(as_of: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The month in progress's usage windows k = 0..3: [t* - (k+1) months, t* - k months)."""
    t_star = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    return [
        (shift_months(t_star, -(k + 1)), shift_months(t_star, -k))
        for k in range(USAGE_TREND_MONTHS + 1)
    ]


def _payment_scores(raw_dir: Path, account_of_customer, snapshots: dict) -> dict:
    """(account, month) -> payment component at t(M), for every mart account-month.

    A void invoice is void at t when its voided_at is null (or the column is absent) or
    before t; voided later, it still counts at t.
    """
    by_account = defaultdict(list)
    for row in _rows(raw_dir, "billing", "invoices"):
        status = (_text(row["status"]) or "").lower()
        if status == "draft" or row["due_at"] is None:
            continue
        voided_at = row.get("voided_at") if status == "void" else None
        if status == "void" and voided_at is None:
            continue  # void in every month
        account = account_of_customer(_text(row["customer_id"]))
        by_account[account].append({**row, "voided": voided_at})
    out = {}
    for (account, month), t in snapshots.items():
        overdue = [
            invoice["due_at"]
            for invoice in by_account.get(account, [])
            if invoice["due_at"] < t
            and (invoice["paid_at"] is None or invoice["paid_at"] >= t)
            and (invoice["voided"] is None or invoice["voided"] >= t)
        ]
        if not overdue:
            out[(account, month)] = 100.0
        elif t - min(overdue) <= dt.timedelta(days=PAYMENT_GRACE_DAYS):
            out[(account, month)] = float(PAYMENT_PARTIAL)
        else:
            out[(account, month)] = 0.0
    return out


def _nps_scores(raw_dir: Path, snapshots: dict) -> dict:
    by_account = defaultdict(list)
    for row in _rows(raw_dir, "crm", "nps_responses"):
        score, account = row["score"], _text(row["account_id"])
        if score is None or not 0 <= int(score) <= 10 or account is None:
            continue  # outside 0-10: left out
        respondent = _text(row["contact_id"]) or f"anonymous {_text(row['response_id'])}"
        by_account[account].append(
            (row["responded_at"], _text(row["response_id"]), respondent, int(score))
        )
    out = {}
    for (account, month), t in snapshots.items():
        start = t - dt.timedelta(days=NPS_WINDOW_DAYS)
        latest: dict[str, tuple] = {}
        for response in by_account.get(account, []):
            responded_at, response_id, respondent, _ = response
            if start <= responded_at < t and (
                respondent not in latest or (responded_at, response_id) > latest[respondent][:2]
            ):
                latest[respondent] = response
        if latest:
            out[(account, month)] = 10 * sum(r[3] for r in latest.values()) / len(latest)
    return out


def _support_scores(raw_dir: Path, snapshots: dict) -> dict:
    sla = {row["priority"]: int(row["sla_hours"]) for row in _seed("support_sla_hours")}
    by_account = defaultdict(list)
    for row in _rows(raw_dir, "support", "tickets"):
        account = _text(row["account_id"])
        if account is None or row["opened_at"] is None:
            continue
        priority = (_text(row["priority"]) or "").lower()
        hours = sla.get(priority, sla[DEFAULT_PRIORITY])
        due = row["opened_at"] + dt.timedelta(hours=hours)
        by_account[account].append((row["opened_at"], row["first_response_at"], due))
    out = {}
    for (account, month), t in snapshots.items():
        start = t - dt.timedelta(days=SUPPORT_WINDOW_DAYS)
        met = missed = 0
        for opened, responded, due in by_account.get(account, []):
            if not start <= opened < t:
                continue
            if responded is not None and responded < t:
                if responded <= due:
                    met += 1
                else:
                    missed += 1
            elif due < t:
                missed += 1
        if met + missed:
            out[(account, month)] = 100 * met / (met + missed)
    return out


def _contracts(raw_dir: Path, ref: RevenueReference, account_of_customer, months: list) -> tuple:
    """next renewal, scheduled churn and signed-not-live MRR per account-month."""
    subscriptions = {
        _text(s["subscription_id"]): s for s in _rows(raw_dir, "billing", "subscriptions")
    }
    plans = {_text(p["plan_id"]): p for p in _rows(raw_dir, "billing", "plans")}
    renewal: dict = {}
    scheduled: dict = defaultdict(float)
    signed: dict = defaultdict(float)
    first_versions: dict = {}
    for version in _rows(raw_dir, "billing", "subscription_items"):
        subscription = subscriptions[_text(version["subscription_id"])]
        plan = plans[_text(version["plan_id"])]
        account = account_of_customer(_text(subscription["customer_id"]))
        unit = version["unit_amount"]
        unit = float(plan["unit_amount"]) if unit is None else float(unit)
        amount = (
            int(version["quantity"])
            * unit
            * (1 - float(version["discount_percent"] or 0) / 100)
            / (int(plan["interval_count"]) * MONTHS_PER_INTERVAL[_text(plan["billing_interval"])])
        )
        currency = _text(plan["currency"]).upper()
        item = _text(version["subscription_item_id"])
        if item not in first_versions or version["valid_from"] < first_versions[item][0]:
            first_versions[item] = (version["valid_from"], subscription, account, amount, currency)
        for month in months:
            t = snapshot_instant(month, ref.as_of_date)
            counted = (
                version["valid_from"] < t
                and (version["valid_to"] is None or version["valid_to"] >= t)
                and subscription["started_at"] < t
                and (subscription["trial_end_at"] is None or subscription["trial_end_at"] < t)
                and (subscription["ended_at"] is None or subscription["ended_at"] >= t)
            )
            if not counted:
                continue
            key = (account, month)
            if subscription["canceled_at"] is not None and subscription["canceled_at"] < t:
                scheduled[key] += amount * ref.rate(month, currency)
            term = int(subscription["term_months"])
            if term >= RENEWAL_MIN_TERM:
                k = 1
                while shift_months(subscription["started_at"], k * term) < t:
                    k += 1
                at = shift_months(subscription["started_at"], k * term)
                renewal[key] = min(renewal.get(key, at), at)
    for _, subscription, account, amount, currency in first_versions.values():
        for month in months:
            t = snapshot_instant(month, ref.as_of_date)
            if subscription["created_at"] < t <= subscription["started_at"]:
                signed[(account, month)] += amount * ref.rate(month, currency)
    return renewal, scheduled, signed


def _weighted(components: dict, names: tuple) -> float | None:
    present = [name for name in names if components[name] is not None]
    total = sum(WEIGHTS[name] for name in present)
    if not present or total == 0:
        return None
    return sum(WEIGHTS[name] * components[name] for name in present) / total


def recompute(raw_dir: Path, as_of: dt.date, mart: dict) -> Expected:
    """Expected health, usage and lifecycle columns for every mart account-month."""
    catalog = _seed("feature_catalog")
    core_features = {
        row["event_name"].strip().lower(): row["feature"]
        for row in catalog
        if row["is_core"].strip().lower() == "true"
    }
    core_count = len(set(core_features.values()))
    customers = {
        _text(row["customer_id"]): _text(row["account_id"])
        for row in _rows(raw_dir, "billing", "customers")
    }

    def account_of_customer(customer_id: str) -> str:
        return customers.get(customer_id) or f"billing:{customer_id}"

    snapshots = {key: snapshot_instant(key[1], as_of) for key in mart}
    months = sorted({month for _, month in mart})
    events = _valid_events(raw_dir, core_features)
    as_of_end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    # complete months: calendar months; the month in progress: one-month windows ending at t*
    usage = _usage(events, lambda at: month_of(at) if at < as_of_end else None)
    windows = _in_progress_windows(as_of)
    window_usage = _usage(
        events,
        lambda at: next((k for k, (start, end) in enumerate(windows) if start <= at < end), None),
    )
    in_progress = month_of(as_of)
    payment = _payment_scores(raw_dir, account_of_customer, snapshots)
    nps = _nps_scores(raw_dir, snapshots)
    support = _support_scores(raw_dir, snapshots)
    ref = load_revenue(raw_dir, as_of)
    renewal, scheduled, signed = _contracts(raw_dir, ref, account_of_customer, months)

    expected = Expected(usage=usage)
    for (account, month), row in sorted(mart.items()):
        if month == in_progress:
            users, days, event_count, core = window_usage.get((account, 0), (0, 0, 0, 0))
        else:
            users, days, event_count, core = usage.get((account, month), (0, 0, 0, 0))
        out = {
            "active_users": users,
            "active_days": days,
            "event_count": event_count,
            "core_features_used": core,
        }
        active = row["mrr"] > 0
        components = dict.fromkeys(WEIGHTS)
        if active:
            seats = row["seats"]
            if seats > 0:
                components["utilization"] = 100 * min(1.0, users / seats)
            if month == in_progress:
                cohort_start = dt.datetime.combine(row["cohort_month"], dt.time())
                prior_users = [
                    window_usage.get((account, k), (0,))[0]
                    for k in range(1, USAGE_TREND_MONTHS + 1)
                    if windows[k][1] > cohort_start
                ]
            else:
                prior_users = [
                    usage.get((account, add_months(month, -lag)), (0,))[0]
                    for lag in range(1, USAGE_TREND_MONTHS + 1)
                    if add_months(month, -lag) >= row["cohort_month"]
                ]
            if prior_users:
                prior = sum(prior_users) / len(prior_users)
                if prior == 0:
                    components["usage_trend"] = 100.0 if users > 0 else 0.0
                else:
                    components["usage_trend"] = min(100.0, PARITY * users / prior)
            if core_count:
                components["feature_breadth"] = 100 * core / core_count
            components["payment"] = payment[(account, month)]
            components["nps"] = nps.get((account, month))
            components["support"] = support.get((account, month))
        score = _weighted(components, OUTCOME + EXPERIENCE)
        stored_score = None if score is None else round(score, 6)
        if not active:
            status = None
        elif score is None:
            status = "unknown"
        elif stored_score >= GREEN_MIN:
            status = "green"
        elif stored_score >= YELLOW_MIN:
            status = "yellow"
        else:
            status = "red"
        quadrant = None
        if status not in (None, "unknown"):
            high = row["arr"] >= VALUE_HIGH_MIN_ARR
            quadrant = {
                (True, True): "expand",
                (True, False): "rescue",
                (False, True): "nurture",
                (False, False): "monitor",
            }[(high, status == "green")]
        t = snapshots[(account, month)]
        next_renewal = renewal.get((account, month))
        if not active:
            stage = "churned"
        elif row["tenure_months"] < ONBOARDING_MONTHS:
            stage = "onboarding"
        elif next_renewal is not None and next_renewal < t + dt.timedelta(days=RENEWAL_WINDOW_DAYS):
            stage = "renewal"
        elif row["tenure_months"] < ADOPTION_MONTHS:
            stage = "adoption"
        else:
            stage = "mature"
        out.update({f"{name}_score": value for name, value in components.items()})
        out.update(
            {
                "outcome_score": _weighted(components, OUTCOME),
                "experience_score": _weighted(components, EXPERIENCE),
                "health_score": score,
                "health_status": status,
                "value_health_quadrant": quadrant,
                "lifecycle_stage": stage,
                "next_renewal_at": next_renewal,
                "cmrr": row["mrr"]
                - scheduled.get((account, month), 0.0)
                + signed.get((account, month), 0.0),
            }
        )
        expected.rows[(account, month)] = out
    for (account, month), out in expected.rows.items():
        earlier = expected.rows.get((account, add_months(month, -CHANGE_MONTHS)))
        if out["health_score"] is None or earlier is None or earlier["health_score"] is None:
            out["health_change_3m"] = None
        else:
            out["health_change_3m"] = out["health_score"] - earlier["health_score"]
    return expected


# ----------------------------------------------------------------------------- the tests
SCORE_COLUMNS = (
    "utilization_score",
    "usage_trend_score",
    "feature_breadth_score",
    "payment_score",
    "nps_score",
    "support_score",
    "outcome_score",
    "experience_score",
    "health_score",
    "health_change_3m",
)
EXACT_COLUMNS = (
    "active_users",
    "active_days",
    "event_count",
    "core_features_used",
    "health_status",
    "value_health_quadrant",
    "lifecycle_stage",
    "next_renewal_at",
)
MART_INPUTS = ("mrr", "arr", "cohort_month", "tenure_months", "seats")


@pytest.fixture(scope="module")
def mart(built_db: Path) -> dict:
    columns = ["account_id", "month_start", *MART_INPUTS, *SCORE_COLUMNS, *EXACT_COLUMNS, "cmrr"]
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        rows = con.execute(f"select {', '.join(columns)} from marts.fct_account_months").fetchall()
    finally:
        con.close()
    out = {}
    for row in rows:
        record = dict(zip(columns, row, strict=True))
        for name in ("mrr", "arr", "cmrr", *SCORE_COLUMNS):
            if record[name] is not None:
                record[name] = float(record[name])
        out[(record["account_id"], record["month_start"])] = record
    return out


@pytest.fixture(scope="module")
def expected(small_raw_dir: Path, small_vars: dict, mart: dict) -> Expected:
    return recompute(small_raw_dir, dt.date.fromisoformat(small_vars["as_of_date"]), mart)


def _differs(actual: object, wanted: object, tolerance: float) -> bool:
    if actual is None or wanted is None:
        return actual is not wanted
    if isinstance(wanted, float):
        return not math.isclose(float(actual), wanted, rel_tol=0, abs_tol=tolerance)
    return actual != wanted


def test_health_matches_independent_recomputation(mart: dict, expected: Expected) -> None:
    assert len(mart) >= MIN_ROWS
    scored = [row for row in expected.rows.values() if row["health_score"] is not None]
    assert len(scored) >= MIN_SCORED
    for status, minimum in MIN_PER_STATUS.items():
        count = sum(1 for row in expected.rows.values() if row["health_status"] == status)
        assert count >= minimum, f"only {count} {status} account-months"
    for name, minimum in MIN_COMPONENT_VALUES.items():
        count = sum(1 for row in expected.rows.values() if row[f"{name}_score"] is not None)
        assert count >= minimum, f"only {count} account-months with a {name} score"
    # the rules are exercised: partial and zero payment, re-weighting, churned months
    payments = {row["payment_score"] for row in expected.rows.values()}
    assert {0.0, 50.0, 100.0} <= payments
    assert any(row["nps_score"] is None for row in scored)
    assert any(row["lifecycle_stage"] == "churned" for row in expected.rows.values())
    assert {row["lifecycle_stage"] for row in expected.rows.values()} == {
        "churned",
        "onboarding",
        "renewal",
        "adoption",
        "mature",
    }

    assert set(mart) == set(expected.rows)
    problems = []
    for key, wanted in sorted(expected.rows.items()):
        actual = mart[key]
        for name in SCORE_COLUMNS:
            tolerance = CHANGE_TOLERANCE if name == "health_change_3m" else SCORE_TOLERANCE
            if _differs(actual[name], wanted[name], tolerance):
                problems.append(f"{key} {name}: mart {actual[name]} != Python {wanted[name]}")
        for name in EXACT_COLUMNS:
            if _differs(actual[name], wanted[name], 0):
                problems.append(f"{key} {name}: mart {actual[name]} != Python {wanted[name]}")
        if _differs(actual["cmrr"], wanted["cmrr"], MONEY_TOLERANCE):
            problems.append(f"{key} cmrr: mart {actual['cmrr']} != Python {wanted['cmrr']}")
    assert not problems, f"{len(problems)} differences:\n" + "\n".join(problems[:30])


def test_usage_of_accounts_outside_the_spine_is_kept(db, expected: Expected) -> None:
    """int_account_months_usage_summed keeps every account-month with events."""
    rows = db.execute(
        "select account_id, month_start, active_users, active_days, event_count,"
        " core_features_used from intermediate.int_account_months_usage_summed"
    ).fetchall()
    actual = {(row[0], row[1]): tuple(row[2:]) for row in rows}
    assert len(actual) >= 1_500
    assert actual == expected.usage
