"""Named row types: what the billing simulation hands to the writer and the other generators.

Table rows have exactly the fields of their contract table (`cs_metrics.contract`), in the same
order, so `writer.rows_table` can check the names and turn a list of them into columns. Values
are in generation units: timestamps and dates as int seconds since the epoch (None for null),
money and rates as integers in units of 10^-scale of the contract's decimal type (see
`catalog.scaled`).

The *latent facts* (service spans, seat versions, signals) are never written: they tell
`account_months` when an account was in service, how many seats it had and what happened to it
commercially, so usage, support and NPS can follow the billing story.

NamedTuples rather than dataclasses: they are as small and as fast to build as plain tuples,
unpack like them, and a list of them transposes with `zip(*rows)`.
"""

from __future__ import annotations

from typing import NamedTuple

# ---------------------------------------------------------------------------- billing tables


class CustomerRow(NamedTuple):
    """billing.customers: a billing entity (account_id None: not mapped to a CRM account)."""

    customer_id: str
    account_id: str | None
    currency: str
    created_at: int


class PlanRow(NamedTuple):
    """billing.plans: one price of a product for a billing interval and currency."""

    plan_id: str
    product_name: str
    billing_interval: str
    interval_count: int
    unit_amount: int
    currency: str
    is_per_seat: bool


class SubscriptionRow(NamedTuple):
    """billing.subscriptions: a subscription with its status at `end`."""

    subscription_id: str
    customer_id: str
    status: str
    created_at: int
    started_at: int
    trial_end_at: int | None
    term_months: int
    canceled_at: int | None
    cancel_at: int | None
    ended_at: int | None


class SubscriptionItemRow(NamedTuple):
    """billing.subscription_items: one effective-dated version of a subscription item."""

    subscription_item_id: str
    subscription_id: str
    plan_id: str
    quantity: int
    unit_amount: int | None
    discount_percent: int | None
    valid_from: int
    valid_to: int | None


class InvoiceRow(NamedTuple):
    """billing.invoices: an invoice header with its money columns."""

    invoice_id: str
    customer_id: str
    subscription_id: str | None
    status: str
    currency: str
    issued_at: int
    due_at: int
    paid_at: int | None
    subtotal: int
    tax: int
    total: int
    amount_paid: int
    voided_at: int | None


class InvoiceLineRow(NamedTuple):
    """billing.invoice_lines: one line of an invoice."""

    invoice_line_id: str
    invoice_id: str
    subscription_id: str | None
    plan_id: str | None
    line_type: str
    quantity: int | None
    amount: int
    period_start: int
    period_end: int


# ---------------------------------------------------------------------------- crm tables


class OpportunityRow(NamedTuple):
    """crm.opportunities: a deal (amount: annual contract value, in contract decimal units)."""

    opportunity_id: str
    account_id: str
    opportunity_type: str
    stage: str
    amount: int | None
    currency: str
    created_at: int
    close_date: int | None
    owner_id: str | None


# ---------------------------------------------------------------------------- latent facts


class ServiceSpan(NamedTuple):
    """When one subscription of an entity was in service (trial or paid)."""

    entity: int
    started: int
    service_end: int | None  # None: still in service at `end`
    trial_end: int | None


class SeatVersion(NamedTuple):
    """The seats one subscription item version gives an entity while it is valid."""

    entity: int
    valid_from: int
    valid_to: int | None  # None: open-ended
    service_end: int | None  # the subscription's end (None: in service at `end`)
    seats: int  # per-seat quantity (0 for flat-priced plans)
    flat_cap: int  # users a flat plan allows (0 for per-seat plans)


class Signal(NamedTuple):
    """Something that happened to an entity in a month (kind: one of `model.SIG_*`)."""

    entity: int
    month: int
    kind: int
