"""The raw input contract (v1): every raw table, its columns and their types.

This module is the Python side of the contract that `models/staging/*/_*__sources.yml`
documents for dbt. The demo generator writes exactly these tables, the loader and
`cs-metrics validate` check user data against them, and a test keeps both sides in sync.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

TEXT = pa.string()
INT = pa.int64()
BOOL = pa.bool_()
TS = pa.timestamp("us")
DATE = pa.date32()
MONEY = pa.decimal128(18, 4)
RATE = pa.decimal128(18, 8)


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    nullable: bool = False
    required: bool = True  # optional columns may be absent from the raw table


@dataclass(frozen=True)
class Table:
    source: str
    name: str
    columns: tuple[Column, ...]

    @property
    def key(self) -> str:
        return f"{self.source}.{self.name}"

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in self.columns])

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def _t(source: str, name: str, *columns: Column) -> Table:
    return Table(source, name, tuple(columns))


C = Column

TABLES: tuple[Table, ...] = (
    # ------------------------------------------------------------------ crm
    _t(
        "crm",
        "accounts",
        C("account_id", TEXT),
        C("account_name", TEXT),
        C("parent_account_id", TEXT, True),
        C("industry", TEXT, True),
        C("region", TEXT, True),
        C("country_code", TEXT, True),
        C("employee_count", INT, True),
        C("acquisition_channel", TEXT, True),
        C("csm_owner_id", TEXT, True),
        C("created_at", TS),
        C("updated_at", TS),
        C("is_deleted", BOOL),
        C("_loaded_at", TS, True, required=False),
    ),
    _t(
        "crm",
        "users",
        C("user_id", TEXT),
        C("full_name", TEXT),
        C("email", TEXT, True),
        C("role", TEXT),
        C("team", TEXT, True),
        C("is_active", BOOL),
    ),
    _t(
        "crm",
        "contacts",
        C("contact_id", TEXT),
        C("account_id", TEXT),
        C("full_name", TEXT, True),
        C("email", TEXT, True),
        C("title", TEXT, True),
        C("is_decision_maker", BOOL),
        C("created_at", TS),
    ),
    _t(
        "crm",
        "opportunities",
        C("opportunity_id", TEXT),
        C("account_id", TEXT),
        C("opportunity_type", TEXT),
        C("stage", TEXT),
        C("amount", MONEY, True),
        C("currency", TEXT),
        C("created_at", TS),
        C("close_date", DATE, True),
        C("owner_id", TEXT, True),
    ),
    _t(
        "crm",
        "activities",
        C("activity_id", TEXT),
        C("account_id", TEXT),
        C("owner_id", TEXT, True),
        C("activity_type", TEXT),
        C("occurred_at", TS),
    ),
    _t(
        "crm",
        "nps_responses",
        C("response_id", TEXT),
        C("account_id", TEXT),
        C("contact_id", TEXT, True),
        C("score", INT),
        C("responded_at", TS),
        C("comment", TEXT, True),
    ),
    # -------------------------------------------------------------- billing
    _t(
        "billing",
        "customers",
        C("customer_id", TEXT),
        C("account_id", TEXT, True),
        C("currency", TEXT),
        C("created_at", TS),
    ),
    _t(
        "billing",
        "plans",
        C("plan_id", TEXT),
        C("product_name", TEXT),
        C("billing_interval", TEXT),
        C("interval_count", INT),
        C("unit_amount", MONEY),
        C("currency", TEXT),
        C("is_per_seat", BOOL),
    ),
    _t(
        "billing",
        "subscriptions",
        C("subscription_id", TEXT),
        C("customer_id", TEXT),
        C("status", TEXT),
        C("created_at", TS),
        C("started_at", TS),
        C("trial_end_at", TS, True),
        C("term_months", INT),
        C("canceled_at", TS, True),
        C("cancel_at", TS, True),
        C("ended_at", TS, True),
    ),
    _t(
        "billing",
        "subscription_items",
        C("subscription_item_id", TEXT),
        C("subscription_id", TEXT),
        C("plan_id", TEXT),
        C("quantity", INT),
        C("unit_amount", MONEY, True),
        C("discount_percent", MONEY, True),
        C("valid_from", TS),
        C("valid_to", TS, True),
    ),
    _t(
        "billing",
        "invoices",
        C("invoice_id", TEXT),
        C("customer_id", TEXT),
        C("subscription_id", TEXT, True),
        C("status", TEXT),
        C("currency", TEXT),
        C("issued_at", TS),
        C("due_at", TS),
        C("paid_at", TS, True),
        C("subtotal", MONEY),
        C("tax", MONEY),
        C("total", MONEY),
        C("amount_paid", MONEY),
    ),
    _t(
        "billing",
        "invoice_lines",
        C("invoice_line_id", TEXT),
        C("invoice_id", TEXT),
        C("subscription_id", TEXT, True),
        C("plan_id", TEXT, True),
        C("line_type", TEXT),
        C("quantity", INT, True),
        C("amount", MONEY),
        C("period_start", DATE),
        C("period_end", DATE),
    ),
    # -------------------------------------------------------------- finance
    _t(
        "finance",
        "fx_rates",
        C("rate_date", DATE),
        C("currency", TEXT),
        C("rate_to_reporting", RATE),
    ),
    # -------------------------------------------------------------- product
    _t(
        "product",
        "events",
        C("event_id", TEXT),
        C("account_id", TEXT),
        C("user_id", TEXT),
        C("event_name", TEXT),
        C("occurred_at", TS),
        C("_loaded_at", TS, True, required=False),
    ),
    # -------------------------------------------------------------- support
    _t(
        "support",
        "tickets",
        C("ticket_id", TEXT),
        C("account_id", TEXT),
        C("opened_at", TS),
        C("first_response_at", TS, True),
        C("solved_at", TS, True),
        C("priority", TEXT),
        C("status", TEXT),
        C("csat_score", INT, True),
    ),
)

BY_KEY: dict[str, Table] = {t.key: t for t in TABLES}
SOURCES: tuple[str, ...] = ("crm", "billing", "finance", "product", "support")


def table(source: str, name: str) -> Table:
    return BY_KEY[f"{source}.{name}"]
