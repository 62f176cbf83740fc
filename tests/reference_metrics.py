"""An independent, plain-Python reading of the metric definitions (dbt doc blocks, models/marts).

Used by the integration tests to recompute MRR and retention from the raw Parquet files and
compare with the marts. Nothing here reuses the project's SQL: every rule is re-implemented
from the written definitions, on purpose, so that a mistake in either place shows up as a
difference.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyarrow.parquet as pq

MONTHS_PER_INTERVAL = {"month": 1, "quarter": 3, "year": 12}

Month = dt.date  # always the first day of a month
AccountMonth = tuple[str, Month]


# ----------------------------------------------------------------------------- calendar
def month_of(value: dt.date | dt.datetime) -> Month:
    return dt.date(value.year, value.month, 1)


def add_months(month: Month, n: int) -> Month:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: Month, last: Month) -> list[Month]:
    out = []
    month = first
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def snapshot_instant(month: Month, as_of_date: dt.date | None = None) -> dt.datetime:
    """The evaluation instant of M: t(M), the first instant of the following month; for the
    month in progress (the one holding as_of_date, when given) t* = the first instant after
    as_of_date."""
    if as_of_date is not None and month == month_of(as_of_date):
        return dt.datetime.combine(as_of_date + dt.timedelta(days=1), dt.time())
    nxt = add_months(month, 1)
    return dt.datetime(nxt.year, nxt.month, 1)


def shift_months(value: dt.datetime, months: int) -> dt.datetime:
    """value + months calendar months, keeping the day clamped to the month's last day."""
    index = value.year * 12 + value.month - 1 + months
    year, month = divmod(index, 12)
    last = (add_months(dt.date(year, month + 1, 1), 1) - dt.timedelta(days=1)).day
    return value.replace(year=year, month=month + 1, day=min(value.day, last))


def last_day(month: Month) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


# ------------------------------------------------------------------------------ raw data
def _rows(raw_dir: Path, source: str, table: str) -> list[dict]:
    return pq.read_table(raw_dir / source / f"{table}.parquet").to_pylist()


def _text(value: object) -> str | None:
    return None if value is None else str(value).strip()


@dataclass
class RevenueReference:
    """MRR per account-month recomputed from the raw files."""

    as_of_date: dt.date
    reporting_currency: str = "USD"
    # (account, month) -> currency -> local monthly amount
    local: dict[AccountMonth, dict[str, float]] = field(default_factory=dict)
    # currency -> sorted [(rate_date, rate)]
    fx: dict[str, list[tuple[dt.date, float]]] = field(default_factory=dict)
    months: list[Month] = field(default_factory=list)
    accounts: set[str] = field(default_factory=set)
    _mrr: dict[AccountMonth, float] = field(default_factory=dict)

    # -------------------------------------------------------------- fx
    def rate(self, month: Month, currency: str) -> float:
        if currency == self.reporting_currency:
            return 1.0
        series = self.fx.get(currency, [])
        dates = [d for d, _ in series]
        pos = bisect.bisect_right(dates, last_day(month))
        if pos == 0:
            raise LookupError(f"no {currency} rate on or before {last_day(month)}")
        return series[pos - 1][1]

    # ------------------------------------------------------------- mrr
    def local_mrr(self, account: str, month: Month) -> dict[str, float]:
        return self.local.get((account, month), {})

    def mrr(self, account: str, month: Month) -> float:
        """mrr(A, M) in the reporting currency (0 when nothing counts)."""
        key = (account, month)
        if key not in self._mrr:
            self._mrr[key] = self.at_rates(account, month, month)
        return self._mrr[key]

    def at_rates(self, account: str, month: Month, rates_month: Month) -> float:
        """Σ_c mrr_local(A, month, c) × rate(rates_month, c): constant-currency MRR."""
        return sum(
            amount * self.rate(rates_month, currency)
            for currency, amount in self.local_mrr(account, month).items()
        )

    def is_active(self, account: str, month: Month) -> bool:
        return self.mrr(account, month) > 0

    @property
    def as_of_month(self) -> Month:
        return month_of(self.as_of_date)

    @cached_property
    def data_start(self) -> Month:
        """The first month in which any account has MRR."""
        return min(m for (a, m) in self.local if self.is_active(a, m))

    def complete_months(self) -> list[Month]:
        """Months from the data start whose last day is before as_of_date."""
        start = self.data_start
        return [m for m in self.months if m >= start and last_day(m) < self.as_of_date]

    def cohort_month(self, account: str) -> Month | None:
        active = [m for m in self.months if self.is_active(account, m)]
        return min(active) if active else None

    def account_months(self) -> dict[AccountMonth, float]:
        """Every account-month from the account's cohort month to the as-of month, with mrr."""
        out = {}
        for account in self.accounts:
            first = self.cohort_month(account)
            if first is None:
                continue
            for month in months_between(first, self.as_of_month):
                out[(account, month)] = self.mrr(account, month)
        return out


def load_revenue(
    raw_dir: Path, as_of_date: dt.date, reporting_currency: str = "USD"
) -> RevenueReference:
    """Apply the counted-item rule at every month's evaluation instant (t(M), t* for the
    month in progress) to the raw billing tables."""
    ref = RevenueReference(as_of_date=as_of_date, reporting_currency=reporting_currency)

    customers = {}
    for row in _rows(raw_dir, "billing", "customers"):
        customer_id = _text(row["customer_id"])
        account_id = _text(row["account_id"])
        # A billing customer without a CRM account keeps its revenue under a stand-in.
        customers[customer_id] = account_id or f"billing:{customer_id}"

    plans = {}
    for row in _rows(raw_dir, "billing", "plans"):
        plans[_text(row["plan_id"])] = {
            "months": int(row["interval_count"])
            * MONTHS_PER_INTERVAL[_text(row["billing_interval"]).lower()],
            "unit_amount": float(row["unit_amount"]),
            "currency": _text(row["currency"]).upper(),
        }

    subscriptions = {}
    for row in _rows(raw_dir, "billing", "subscriptions"):
        subscriptions[_text(row["subscription_id"])] = row

    for row in _rows(raw_dir, "finance", "fx_rates"):
        ref.fx.setdefault(_text(row["currency"]).upper(), []).append(
            (row["rate_date"], float(row["rate_to_reporting"]))
        )
    for series in ref.fx.values():
        series.sort()

    versions = _rows(raw_dir, "billing", "subscription_items")
    first_month = min(month_of(v["valid_from"]) for v in versions)
    ref.months = months_between(first_month, ref.as_of_month)
    snapshots = [(m, snapshot_instant(m, as_of_date)) for m in ref.months]

    local: dict[AccountMonth, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for version in versions:
        subscription = subscriptions[_text(version["subscription_id"])]
        plan = plans[_text(version["plan_id"])]
        account = customers[_text(subscription["customer_id"])]
        ref.accounts.add(account)
        unit = version["unit_amount"]
        unit = plan["unit_amount"] if unit is None else float(unit)
        discount = float(version["discount_percent"] or 0)
        amount = (
            int(version["quantity"]) * unit * (1 - discount / 100) / plan["months"]
        )  # local currency per month
        for month, t in snapshots:
            counted = (
                version["valid_from"] < t
                and (version["valid_to"] is None or version["valid_to"] >= t)
                and subscription["started_at"] < t
                and (subscription["trial_end_at"] is None or subscription["trial_end_at"] < t)
                and (subscription["ended_at"] is None or subscription["ended_at"] >= t)
            )
            if counted:
                local[(account, month)][plan["currency"]] += amount
    ref.local = {key: dict(value) for key, value in local.items()}
    return ref


# ----------------------------------------------------------------------------- retention
TIER_ENTERPRISE_MIN_ARR = 100_000
TIER_MID_MARKET_MIN_ARR = 10_000


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator


def tiers(ref: RevenueReference) -> dict[AccountMonth, str]:
    """Tier per account-month from ARR = 12 × MRR; months without MRR keep the last tier."""
    out = {}
    for account in ref.accounts:
        first = ref.cohort_month(account)
        if first is None:
            continue
        tier = None
        for month in months_between(first, ref.as_of_month):
            arr = 12 * ref.mrr(account, month)
            if arr >= TIER_ENTERPRISE_MIN_ARR:
                tier = "enterprise"
            elif arr >= TIER_MID_MARKET_MIN_ARR:
                tier = "mid_market"
            elif arr > 0:
                tier = "smb"
            out[(account, month)] = tier
    return out


@dataclass
class MonthRetention:
    month_start: Month
    segment_value: str
    active_customers: int = 0
    starting_customers: int = 0
    churned_customers: int = 0
    starting_mrr_cc: float = 0.0
    kept_mrr: float = 0.0  # Σ mrr(M) of the accounts active at M−1
    kept_capped_mrr: float = 0.0  # Σ min(mrr(M), prev_cc)
    has_ttm: bool = False
    cohort_customers: int = 0
    retained_customers: int = 0
    cohort_base_mrr: float = 0.0
    cohort_mrr: float = 0.0
    cohort_capped_mrr: float = 0.0

    @property
    def logo_churn_rate(self) -> float | None:
        return _ratio(self.churned_customers, self.starting_customers)

    @property
    def monthly_nrr(self) -> float | None:
        return _ratio(self.kept_mrr, self.starting_mrr_cc)

    @property
    def monthly_grr(self) -> float | None:
        return _ratio(self.kept_capped_mrr, self.starting_mrr_cc)

    def _ttm(self, value: float | None) -> float | None:
        return value if self.has_ttm else None

    @property
    def cohort_customers_ttm(self) -> int | None:
        return self.cohort_customers if self.has_ttm else None

    @property
    def cohort_base_mrr_ttm(self) -> float | None:
        return self._ttm(self.cohort_base_mrr)

    @property
    def nrr_ttm(self) -> float | None:
        return self._ttm(_ratio(self.cohort_mrr, self.cohort_base_mrr))

    @property
    def grr_ttm(self) -> float | None:
        return self._ttm(_ratio(self.cohort_capped_mrr, self.cohort_base_mrr))

    @property
    def logo_retention_ttm(self) -> float | None:
        return self._ttm(_ratio(self.retained_customers, self.cohort_customers))


def retention(
    ref: RevenueReference, segment_of: Callable[[str, Month], str | None] | None = None
) -> dict[tuple[Month, str], MonthRetention]:
    """Monthly and trailing-twelve-month retention per complete month and segment value.

    segment_of(account, month) gives the account's segment at the end of a month (None:
    'unknown'); without it every account is in segment 'all'. Attribution: active customers
    by the segment at M; movements and churn by the segment at M−1 (accounts not active at
    M−1: at M); the TTM cohort by the segment at M−12.
    """

    def segment(account: str, month: Month) -> str:
        if segment_of is None:
            return "all"
        return segment_of(account, month) or "unknown"

    out: dict[tuple[Month, str], MonthRetention] = {}
    accounts = sorted(ref.accounts)
    for month in ref.complete_months():
        previous = add_months(month, -1)
        year_ago = add_months(month, -12)
        has_ttm = year_ago >= ref.data_start

        def row(value: str, month: Month = month, has_ttm: bool = has_ttm) -> MonthRetention:
            key = (month, value)
            if key not in out:
                out[key] = MonthRetention(month_start=month, segment_value=value, has_ttm=has_ttm)
            return out[key]

        if segment_of is None:
            row("all")  # the overall row exists for every complete month
        for account in accounts:
            mrr = ref.mrr(account, month)
            active_now = mrr > 0
            active_before = ref.is_active(account, previous)
            if active_now:
                row(segment(account, month)).active_customers += 1
            if active_before:
                prev_cc = ref.at_rates(account, previous, month)
                movement = row(segment(account, previous))
                movement.starting_customers += 1
                movement.churned_customers += 0 if active_now else 1
                movement.starting_mrr_cc += prev_cc
                movement.kept_mrr += mrr
                movement.kept_capped_mrr += min(mrr, prev_cc)
            elif active_now:
                row(segment(account, month))  # new or reactivated: counted at M
            if has_ttm and ref.is_active(account, year_ago):
                base = ref.at_rates(account, year_ago, month)
                cohort = row(segment(account, year_ago))
                cohort.cohort_customers += 1
                cohort.retained_customers += 1 if active_now else 0
                cohort.cohort_base_mrr += base
                cohort.cohort_mrr += mrr
                cohort.cohort_capped_mrr += min(mrr, base)
    return out


@dataclass
class CohortPoint:
    cohort_month: Month
    months_since_start: int
    cohort_customers: int
    retained_customers: int
    cohort_starting_mrr: float
    cohort_mrr: float
    revenue_retention: float | None


def cohort_retention(ref: RevenueReference, k: int) -> dict[Month, CohortPoint]:
    """Logo and revenue retention k months after each cohort month (complete months only)."""
    members: dict[Month, list[str]] = defaultdict(list)
    for account in ref.accounts:
        first = ref.cohort_month(account)
        if first is not None:
            members[first].append(account)
    complete = set(ref.complete_months())
    out = {}
    for cohort, accounts in sorted(members.items()):
        month = add_months(cohort, k)
        if month not in complete:
            continue
        starting = sum(ref.at_rates(a, cohort, month) for a in accounts)
        current = sum(ref.mrr(a, month) for a in accounts)
        out[cohort] = CohortPoint(
            cohort_month=cohort,
            months_since_start=k,
            cohort_customers=len(accounts),
            retained_customers=sum(1 for a in accounts if ref.is_active(a, month)),
            cohort_starting_mrr=starting,
            cohort_mrr=current,
            revenue_retention=_ratio(current, starting),
        )
    return out


# ----------------------------------------------------------------------------- revenue recognition
RECOGNISED_LINE_TYPES = ("subscription", "proration")
NOT_RECOGNISED_STATUSES = ("void", "draft")


def recognised_revenue(raw_dir: Path, ref: RevenueReference) -> dict[AccountMonth, float]:
    """Revenue recognised from the raw invoice lines, per account-month (reporting currency).

    A subscription or proration line on an invoice neither void nor draft is spread evenly over
    the days of [period_start, period_end) (an empty period is one day); each month gets the
    days that fall in it, converted at rate(M) of the invoice's currency. The month in progress
    (the as-of month) gets the days through the as-of date only; later months are not built.
    """
    customers = {
        _text(row["customer_id"]): _text(row["account_id"]) or f"billing:{row['customer_id']}"
        for row in _rows(raw_dir, "billing", "customers")
    }
    invoices = {
        _text(row["invoice_id"]): row
        for row in _rows(raw_dir, "billing", "invoices")
        if _text(row["status"]).lower() not in NOT_RECOGNISED_STATUSES
    }
    out: dict[AccountMonth, float] = defaultdict(float)
    for line in _rows(raw_dir, "billing", "invoice_lines"):
        invoice = invoices.get(_text(line["invoice_id"]))
        if invoice is None or _text(line["line_type"]).lower() not in RECOGNISED_LINE_TYPES:
            continue
        start, end = line["period_start"], line["period_end"]
        end = max(end, start + dt.timedelta(days=1))
        days = (end - start).days
        account = customers.get(_text(invoice["customer_id"]), f"billing:{invoice['customer_id']}")
        currency = _text(invoice["currency"]).upper()
        day = start
        through = ref.as_of_date + dt.timedelta(days=1)  # t*: the month in progress ends here
        while day < min(end, through):
            month = month_of(day)
            following = min(add_months(month, 1), through)
            share = (min(end, following) - day).days
            out[(account, month)] += (
                float(line["amount"]) * share / days * ref.rate(month, currency)
            )
            day = following
    return dict(out)
