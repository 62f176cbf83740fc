"""The raw input contract (v1): every raw table, its columns, their types and their rules.

This module is the Python side of the contract. The dbt sources
(`models/staging/*/_*__sources.yml`) describe the same tables and columns for dbt, and
`docs/raw-contract.md` describes them to users; `tests/unit/test_contract_sync.py` keeps the
three in step (same tables, columns, types and required/optional status; the column tables of
the doc are rendered from this module and the YAML descriptions by
`scripts/render_raw_contract_doc.py`). The demo generator writes exactly these tables, the
loader checks user data against them and `cs-metrics validate` derives its Great Expectations
suites from them (`cs_metrics.validate.raw_suites`).

Types are Arrow types; a raw column may use any physical type of the same family (text,
integer, boolean, timestamp, date, number; see `cs_metrics.validate.contract.type_family`).
Timestamp columns accept both kinds of timestamp: `timestamp` without time zone (Arrow
`timestamp[unit]`), read as a UTC wall-clock time, and `timestamp with time zone` (Arrow
`timestamp[unit, tz=...]`), read as its UTC instant. Any other physical type for a timestamp
column (text, integer, ...) is an error naming the table, the column, the type found and the
accepted types.

Besides names and types, a column may carry the rules the data must follow: an enumeration
(`values`), a range (`minimum`/`maximum`), a code format (`code`: ISO-4217 currency,
ISO-3166 alpha-2 country), `not_future` (the time of something that has already happened:
never after the as-of date) and a reference to another table's key (`references`). A table
may have a unique key (`unique_key`).
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

CURRENCY = "ISO-4217"
COUNTRY = "ISO-3166 alpha-2"
# the format a code column must follow (full match); any case: staging upper-cases codes
CODE_PATTERNS: dict[str, str] = {CURRENCY: "^[A-Za-z]{3}$", COUNTRY: "^[A-Za-z]{2}$"}


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    nullable: bool = False
    required: bool = True  # optional columns may be absent from the raw table
    values: tuple[str, ...] = ()  # an enumeration: the accepted values
    minimum: float | None = None  # inclusive, unless strict_minimum
    maximum: float | None = None  # inclusive
    strict_minimum: bool = False
    code: str | None = None  # CURRENCY or COUNTRY: a code format (CODE_PATTERNS)
    not_future: bool = False  # when something happened: never after the as-of date
    references: str | None = None  # "<source>.<table>.<column>" this column points to


@dataclass(frozen=True)
class Table:
    source: str
    name: str
    columns: tuple[Column, ...]
    unique_key: tuple[str, ...] = ()  # columns that identify a row (empty: none)

    @property
    def key(self) -> str:
        return f"{self.source}.{self.name}"

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in self.columns])

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.key} has no column {name}")


def _t(source: str, name: str, *columns: Column, key: tuple[str, ...] = ()) -> Table:
    return Table(source, name, tuple(columns), key)


C = Column

TABLES: tuple[Table, ...] = (
    # ------------------------------------------------------------------ crm
    _t(
        "crm",
        "accounts",
        # no unique key: a CDC loader may deliver several versions of one account
        C("account_id", TEXT),
        C("account_name", TEXT),
        C("parent_account_id", TEXT, True),
        C("industry", TEXT, True),
        C("region", TEXT, True),
        C("country_code", TEXT, True, code=COUNTRY),
        C("employee_count", INT, True, minimum=0),
        C(
            "acquisition_channel",
            TEXT,
            True,
            values=("inbound", "outbound", "partner", "referral", "paid", "self_serve", "other"),
        ),
        C("csm_owner_id", TEXT, True, references="crm.users.user_id"),
        C("created_at", TS, not_future=True),
        C("updated_at", TS, not_future=True),
        C("is_deleted", BOOL),
        C("_loaded_at", TS, True, required=False, not_future=True),
    ),
    _t(
        "crm",
        "users",
        C("user_id", TEXT),
        C("full_name", TEXT),
        C("email", TEXT, True),
        C("role", TEXT, values=("csm", "ae", "manager", "other")),
        C("team", TEXT, True),
        C("is_active", BOOL),
        key=("user_id",),
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
        C("created_at", TS, not_future=True),
        key=("contact_id",),
    ),
    _t(
        "crm",
        "opportunities",
        C("opportunity_id", TEXT),
        C("account_id", TEXT),
        C("opportunity_type", TEXT, values=("new_business", "expansion", "renewal")),
        C("stage", TEXT),
        C("amount", MONEY, True, minimum=0),
        C("currency", TEXT, code=CURRENCY),
        C("created_at", TS, not_future=True),
        C("close_date", DATE, True),
        C("owner_id", TEXT, True),
        key=("opportunity_id",),
    ),
    _t(
        "crm",
        "activities",
        C("activity_id", TEXT),
        C("account_id", TEXT),
        C("owner_id", TEXT, True),
        C(
            "activity_type",
            TEXT,
            values=(
                "call",
                "email",
                "meeting",
                "qbr",
                "onboarding",
                "training",
                "escalation",
                "other",
            ),
        ),
        C("occurred_at", TS, not_future=True),
        key=("activity_id",),
    ),
    _t(
        "crm",
        "nps_responses",
        C("response_id", TEXT),
        C("account_id", TEXT),
        C("contact_id", TEXT, True),
        C("score", INT, minimum=0, maximum=10),
        C("responded_at", TS, not_future=True),
        C("comment", TEXT, True),
        key=("response_id",),
    ),
    # -------------------------------------------------------------- billing
    _t(
        "billing",
        "customers",
        C("customer_id", TEXT),
        C("account_id", TEXT, True, references="crm.accounts.account_id"),
        C("currency", TEXT, code=CURRENCY),
        C("created_at", TS, not_future=True),
        key=("customer_id",),
    ),
    _t(
        "billing",
        "plans",
        C("plan_id", TEXT),
        C("product_name", TEXT),
        C("billing_interval", TEXT, values=("month", "quarter", "year")),
        C("interval_count", INT, minimum=1),
        C("unit_amount", MONEY, minimum=0),
        C("currency", TEXT, code=CURRENCY),
        C("is_per_seat", BOOL),
        key=("plan_id",),
    ),
    _t(
        "billing",
        "subscriptions",
        C("subscription_id", TEXT),
        C("customer_id", TEXT, references="billing.customers.customer_id"),
        C(
            "status",
            TEXT,
            values=("trialing", "active", "past_due", "paused", "canceled", "incomplete"),
        ),
        C("created_at", TS, not_future=True),
        C("started_at", TS),
        C("trial_end_at", TS, True),
        C("term_months", INT, minimum=1),
        C("canceled_at", TS, True, not_future=True),
        C("cancel_at", TS, True),
        # may be in the future: some billing systems record the scheduled end as ended_at
        C("ended_at", TS, True),
        key=("subscription_id",),
    ),
    _t(
        "billing",
        "subscription_items",
        C("subscription_item_id", TEXT),
        C("subscription_id", TEXT, references="billing.subscriptions.subscription_id"),
        C("plan_id", TEXT, references="billing.plans.plan_id"),
        C("quantity", INT, minimum=0),
        C("unit_amount", MONEY, True, minimum=0),
        C("discount_percent", MONEY, True, minimum=0, maximum=100),
        C("valid_from", TS),
        C("valid_to", TS, True),
        key=("subscription_item_id", "valid_from"),
    ),
    _t(
        "billing",
        "invoices",
        C("invoice_id", TEXT),
        C("customer_id", TEXT, references="billing.customers.customer_id"),
        C("subscription_id", TEXT, True),
        C("status", TEXT, values=("draft", "open", "paid", "void", "uncollectible")),
        C("currency", TEXT, code=CURRENCY),
        C("issued_at", TS, not_future=True),
        C("due_at", TS),
        C("paid_at", TS, True, not_future=True),
        C("subtotal", MONEY, minimum=0),
        C("tax", MONEY, minimum=0),
        C("total", MONEY, minimum=0),
        C("amount_paid", MONEY, minimum=0),
        # optional: when a void took effect (without it, a void applies to every month)
        C("voided_at", TS, True, required=False, not_future=True),
        key=("invoice_id",),
    ),
    _t(
        "billing",
        "invoice_lines",
        C("invoice_line_id", TEXT),
        C("invoice_id", TEXT, references="billing.invoices.invoice_id"),
        C("subscription_id", TEXT, True),
        C("plan_id", TEXT, True),
        C("line_type", TEXT, values=("subscription", "proration", "one_time", "usage")),
        C("quantity", INT, True, minimum=0),
        C("amount", MONEY),  # negative for credits
        C("period_start", DATE),
        C("period_end", DATE),
        key=("invoice_line_id",),
    ),
    # -------------------------------------------------------------- finance
    _t(
        "finance",
        "fx_rates",
        C("rate_date", DATE),
        C("currency", TEXT, code=CURRENCY),
        C("rate_to_reporting", RATE, minimum=0, strict_minimum=True),
        key=("currency", "rate_date"),
    ),
    # -------------------------------------------------------------- product
    _t(
        "product",
        "events",
        # no unique key: an event may be delivered twice (same event_id); staging keeps one
        C("event_id", TEXT),
        C("account_id", TEXT),
        C("user_id", TEXT),
        C("event_name", TEXT),
        C("occurred_at", TS, not_future=True),
        C("_loaded_at", TS, True, required=False, not_future=True),
    ),
    # -------------------------------------------------------------- support
    _t(
        "support",
        "tickets",
        C("ticket_id", TEXT),
        C("account_id", TEXT),
        C("opened_at", TS, not_future=True),
        C("first_response_at", TS, True, not_future=True),
        C("solved_at", TS, True, not_future=True),
        C("priority", TEXT, values=("low", "normal", "high", "urgent")),
        C("status", TEXT, values=("open", "pending", "solved", "closed")),
        C("csat_score", INT, True, minimum=1, maximum=5),
        key=("ticket_id",),
    ),
)

BY_KEY: dict[str, Table] = {t.key: t for t in TABLES}
SOURCES: tuple[str, ...] = ("crm", "billing", "finance", "product", "support")


def table(source: str, name: str) -> Table:
    return BY_KEY[f"{source}.{name}"]


def yaml_type(data_type: pa.DataType) -> str:
    """The `data_type` the sources YAML gives a contract column."""
    if pa.types.is_string(data_type):
        return "text"
    if pa.types.is_integer(data_type):
        return "integer"
    if pa.types.is_boolean(data_type):
        return "boolean"
    if pa.types.is_timestamp(data_type):
        return "timestamp"
    if pa.types.is_date(data_type):
        return "date"
    if pa.types.is_decimal(data_type):
        return f"decimal({data_type.precision},{data_type.scale})"
    raise ValueError(f"no YAML type for contract type {data_type}")
