"""The billing data model: the objects the billing simulation works on, and its result.

`Sub`, `Item` and `Version` are the mutable state of a subscription while its story runs
(`subscriptions`, `subscription_items`, `invoices`, `opportunities`); `BillingResult` collects
the rows they emit (`rows`).

Timestamps are int seconds since the epoch; money is integer minor units (cents, whole yen)
until a row is emitted, when it becomes contract decimal units (`catalog.scaled`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cs_metrics.generate import catalog as cat
from cs_metrics.generate.rows import (
    CustomerRow,
    InvoiceLineRow,
    InvoiceRow,
    OpportunityRow,
    SeatVersion,
    ServiceSpan,
    Signal,
    SubscriptionItemRow,
    SubscriptionRow,
)

FAR_FUTURE = 1 << 62  # "never" for open-ended intervals


@dataclass(slots=True)
class Version:
    """One effective-dated version of a subscription item."""

    plan: cat.Plan
    qty: int
    unit: int | None  # negotiated price in minor units; None: the plan's price applies
    bp: int | None  # discount in hundredths of a percent (1250 = 12.5 %); None: no discount
    vf: int  # valid_from (seconds)

    def period_amount(self) -> int:
        """Amount for one billing interval, in minor units, after discount."""
        unit = self.plan.unit_minor if self.unit is None else self.unit
        bp = self.bp or 0
        return (self.qty * unit * (10_000 - bp) + 5_000) // 10_000

    def arr_minor(self) -> float:
        """Annualised amount (12 × monthly) in minor units."""
        return self.period_amount() * 12.0 / self.plan.months


@dataclass(slots=True)
class Item:
    """A subscription item and its versions (valid_to of one = valid_from of the next)."""

    item_id: str
    versions: list[Version]
    end: int | None = None  # the item was removed before its subscription ended

    def at(self, ts: int) -> Version | None:
        """The version valid at ts (or None)."""
        if self.end is not None and ts >= self.end:
            return None
        found = None
        for v in self.versions:
            if v.vf <= ts:
                found = v
            else:
                break
        return found

    def change(self, ts: int, **fields: object) -> Version:
        """Start a new version at ts copying the latest one with some fields changed."""
        last = self.versions[-1]
        new = Version(last.plan, last.qty, last.unit, last.bp, ts)
        for key, value in fields.items():
            setattr(new, key, value)
        if ts <= last.vf:  # same instant: amend instead of a zero-length version
            new.vf = last.vf
            self.versions[-1] = new
        else:
            self.versions.append(new)
        return new


@dataclass(slots=True)
class Sub:
    """A subscription being simulated."""

    sub_id: str
    entity: int
    cust: int  # customer index
    currency: int
    created: int
    started: int
    anchor: int  # first billing period start (trial end for converted trials)
    period: int  # billing period in months
    term: int  # term_months
    items: list[Item] = field(default_factory=list)
    trial_end: int | None = None
    canceled: int | None = None
    cancel_at: int | None = None
    ended: int | None = None
    paused: bool = False
    incomplete: bool = False
    involuntary: bool = False
    one_time_fee: int = 0  # minor units, on the first invoice
    usage_billed: bool = False


@dataclass
class BillingResult:
    """Rows of every billing table and the latent facts the other generators need.

    Table rows are named tuples in contract column order (`rows`): timestamps and dates as int
    seconds, money as integers in units of 10^-scale of the contract's decimal type (see
    `catalog.scaled`). `customer_entity[i]` is the entity of `customers[i]`.
    """

    customers: list[CustomerRow] = field(default_factory=list)
    subscriptions: list[SubscriptionRow] = field(default_factory=list)
    items: list[SubscriptionItemRow] = field(default_factory=list)
    invoices: list[InvoiceRow] = field(default_factory=list)
    lines: list[InvoiceLineRow] = field(default_factory=list)
    opportunities: list[OpportunityRow] = field(default_factory=list)
    services: list[ServiceSpan] = field(default_factory=list)
    seat_versions: list[SeatVersion] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    customer_entity: list[int] = field(default_factory=list)


# Signals: what happened to an account in a month, so engagement can lead the outcome.
SIG_CHURN, SIG_QUIET_CHURN, SIG_EXPANSION, SIG_CONTRACTION, SIG_TRIAL_FAIL, SIG_LATE_PAY = range(6)


def account_id(e: int) -> str:
    """The CRM/product account id of entity e."""
    return f"acc_{e + 1:06d}"
