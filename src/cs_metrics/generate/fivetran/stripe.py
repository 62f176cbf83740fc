"""The demo company's billing as Fivetran's Stripe connector writes it.

`convert` turns the six contract billing tables into the Stripe tables the dbt Stripe preset
reads (models/connectors/stripe/_stripe__sources.yml), as Stripe records the same company:

- customers -> `customer` (the CRM account id in metadata key `crm_account_id`, the default of
  var stripe_account_id_metadata_key);
- plans -> `product` (unit_label `seat` for per-seat products) and `price` (one per plan, the
  plan id as price id; a quarter is month x 3; `metered` for plans only billed as usage); every
  negotiated unit price of an item is a custom price of its own;
- subscriptions -> `subscription_history` (one current row; canceled ones also keep an older,
  inactive row of history mode), the term in metadata key `term_months` when it differs from
  the billing period, a cancellation at the period's end as `cancel_at_period_end`;
- subscription_items -> `subscription_item` (each item's current state; items removed before
  their subscription ended are gone, as in Stripe), `coupon` and `discount` (a coupon per
  discount percent, applied to the item, or to the subscription when it has only that item;
  one discount - a whole item's only one, its quantity and price constant and never prorated,
  whose percent of quantity x unit price is a whole amount in the smallest unit, in a
  zero-decimal currency first - as an amount-off coupon of that amount instead, which the
  preset turns back into the same percent);
- invoices, invoice_lines -> `invoice`, `invoice_line_item`: amounts in the smallest currency
  unit, before discounts (Stripe's amount); service periods as timestamps (the billing
  anchor's time of day; a proration from the instant of the change); each line names the
  subscription item it bills (usage through a metered item).

Stripe has rows the contract layout has no counterpart for, added here and listed by the
preset in fct_data_quality_issues (`extra_rows`): a test-mode customer with its subscription,
item, invoice and line, a deleted customer, a deleted price, a deleted draft invoice and an
amount-off coupon in the ISO test currency (xts) applied to a subscription (the preset cannot
apply it: not its currency).

Amounts: a contract line amount is after its discount; the Stripe amount A is the one whose
discounted value, rounded half up to the smallest unit, is the contract amount
(round(A x (100 - percent) / 100)): quantity x unit price for subscription lines, the
smallest such A for prorations. Every line is checked to convert back exactly.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pyarrow as pa

from cs_metrics.generate import catalog as cat
from cs_metrics.generate.fivetran.arrow import utc_instants
from cs_metrics.generate.fivetran.common import LEFT_OUT

READS = ("customers", "plans", "subscriptions", "subscription_items", "invoices", "invoice_lines")
ACCOUNT_ID_KEY = "crm_account_id"  # default of var stripe_account_id_metadata_key
TERM_MONTHS_KEY = "term_months"  # default of var stripe_term_months_metadata_key
SEAT_LABEL = "seat"

# Rows with no contract counterpart (see the module docstring), as the preset lists them in
# fct_data_quality_issues: (source_table, record_id, issue_type).
EXTRA_ROWS: tuple[tuple[str, str, str], ...] = (
    ("stripe.customer", "cus_test_0001", LEFT_OUT),
    ("stripe.customer", "cus_deleted_0001", LEFT_OUT),
    ("stripe.subscription_history", "sub_test_0001", LEFT_OUT),
    ("stripe.invoice", "in_test_0001", LEFT_OUT),
    ("stripe.invoice", "in_deleted_0001", LEFT_OUT),
    ("stripe.invoice_line_item", "il_test_0001", LEFT_OUT),
    ("stripe.price", "price_deleted_0001", LEFT_OUT),
    ("stripe.discount", "di_amount_off_0001", "amount_off_coupon_not_applied"),
)


def extra_rows() -> tuple[tuple[str, str, str], ...]:
    """Stripe rows the converter adds that the preset leaves out and lists."""
    return EXTRA_ROWS


def _minor_units_sql() -> str:
    rows = ", ".join(
        f"('{code}', {minor})"
        for code, minor in zip(cat.CURRENCIES, cat.MINOR_PER_MAJOR, strict=True)
    )
    return f"select * from (values {rows}) as m(currency, minor)"


_SQL = """
create temp table minor as {minor_units};

create temp table subs as
select
    s.*,
    coalesce(s.trial_end_at, s.started_at) as anchor_at,
    coalesce(s.trial_end_at, s.started_at)
        - date_trunc('day', coalesce(s.trial_end_at, s.started_at)) as anchor_time,
    c.currency,
    m.minor
from subscriptions as s
join customers as c using (customer_id)
join minor as m on m.currency = c.currency;

-- plans billed only as usage are metered prices
create temp table metered as
select distinct plan_id from invoice_lines where line_type = 'usage'
except
select distinct plan_id from subscription_items;

create temp table versions as
select
    i.*,
    p.unit_amount as plan_unit_amount,
    p.currency as plan_currency,
    m.minor as plan_minor,
    case
        when i.unit_amount is null then i.plan_id
        else 'price_' || i.plan_id || '_'
            || cast(cast(i.unit_amount * m.minor as bigint) as varchar)
    end as price_id,
    cast(coalesce(i.unit_amount, p.unit_amount) * m.minor as bigint) as unit_minor,
    cast(round(coalesce(i.discount_percent, 0) * 100) as bigint) as bp,
    row_number() over (partition by i.subscription_item_id order by i.valid_from) as version_no,
    row_number() over (
        partition by i.subscription_item_id order by i.valid_from desc
    ) as version_from_last
from subscription_items as i
join plans as p using (plan_id)
join minor as m on m.currency = p.currency;

-- every line with its Stripe period, item, price and amount before the discount
create temp table stripe_lines as
with
timed as (
    select
        l.*,
        s.anchor_time,
        s.minor,
        inv.issued_at,
        case
            when l.subscription_id is null then inv.issued_at
            else cast(l.period_start as timestamp) + s.anchor_time
        end as boundary_start_at,
        case
            when l.subscription_id is null then inv.issued_at + interval 1 day
            else cast(l.period_end as timestamp) + s.anchor_time
        end as period_end_at
    from invoice_lines as l
    join invoices as inv using (invoice_id)
    left join subs as s on s.subscription_id = l.subscription_id
),
subscription_matches as (
    select t.invoice_line_id, v.subscription_item_id, v.price_id, v.unit_minor, v.bp,
        t.boundary_start_at as period_start_at
    from timed as t
    join versions as v
        on v.subscription_id = t.subscription_id
        and v.plan_id = t.plan_id
        and v.valid_from <= t.boundary_start_at
        and (v.valid_to is null or v.valid_to > t.boundary_start_at)
    where t.line_type = 'subscription'
),
proration_matches as (
    select invoice_line_id, subscription_item_id, price_id, unit_minor, bp, period_start_at
    from (
        select t.invoice_line_id, v.subscription_item_id, v.price_id, v.unit_minor, v.bp,
            v.valid_from as period_start_at,
            row_number() over (
                partition by t.invoice_line_id order by v.valid_from desc
            ) as match_rank
        from timed as t
        join versions as v
            on v.subscription_id = t.subscription_id
            and v.plan_id = t.plan_id
            and v.quantity = t.quantity
            and cast(v.valid_from as date) = t.period_start
        where t.line_type = 'proration'
    )
    where match_rank = 1
),
matched as (
    select * from subscription_matches
    union all
    select * from proration_matches
)
select
    t.invoice_line_id,
    t.invoice_id,
    t.subscription_id,
    t.line_type,
    t.quantity,
    cast(round(t.amount * t.minor_line) as bigint) as target_minor,
    case
        when t.line_type = 'usage' then 'si_usage_' || t.subscription_id
        else m.subscription_item_id
    end as subscription_item_id,
    case
        when t.line_type in ('subscription', 'proration') then m.price_id
        else t.plan_id
    end as price_id,
    coalesce(m.bp, 0) as bp,
    case
        when t.line_type = 'subscription' then t.quantity * m.unit_minor
        when t.line_type = 'proration'
            -- the smallest amount whose discounted value rounds to the target
            then cast(ceil(
                (2 * round(t.amount * t.minor_line) - 1) * 5000.0 / (10000 - m.bp)
            ) as bigint)
        else cast(round(t.amount * t.minor_line) as bigint)
    end as amount_minor,
    coalesce(m.period_start_at, t.boundary_start_at) as period_start_at,
    t.period_end_at,
    m.subscription_item_id is null and t.line_type in ('subscription', 'proration')
        as is_unmatched
from (
    select timed.*, mi.minor as minor_line
    from timed
    join invoices as inv using (invoice_id)
    join minor as mi on mi.currency = inv.currency
) as t
left join matched as m using (invoice_line_id);
"""


def _connection(tables: Mapping[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("set TimeZone = 'UTC'")
    for name in READS:
        con.register(name, tables[f"billing.{name}"])
    con.execute(_SQL.format(minor_units=_minor_units_sql()))
    return con


def _check_lines(con: duckdb.DuckDBPyConnection) -> None:
    """Every line must name its item and convert back to the contract amount exactly."""
    bad = con.execute(
        """
        select invoice_line_id, line_type, amount_minor, bp, target_minor, is_unmatched
        from stripe_lines
        where is_unmatched
            or (amount_minor * (10000 - bp) + 5000) // 10000 <> target_minor
        limit 5
        """
    ).fetchall()
    if bad:
        raise ValueError(f"invoice lines that do not convert to Stripe exactly: {bad}")


def convert(tables: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    """The Stripe tables of the contract billing tables (keys "billing.<table>")."""
    con = _connection(tables)
    _check_lines(con)
    con.execute(_DISCOUNT_RUNS_SQL)
    out = {
        "customer": _customers(con),
        "product": _products(con),
        "price": _prices(con),
        "subscription_history": _subscriptions(con),
        "subscription_item": _items(con),
        "invoice": _invoices(con),
        "invoice_line_item": _lines(con),
        "coupon": _coupons(con),
        "discount": _discounts(con),
    }
    con.close()
    return {name: utc_instants(table) for name, table in out.items()}


def _customers(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"""
        select
            customer_id as id,
            created_at as created,
            lower(currency) as currency,
            case
                when account_id is null then '{{}}'
                else '{{"{ACCOUNT_ID_KEY}": "' || account_id || '"}}'
            end as metadata,
            true as livemode,
            false as is_deleted
        from customers
        union all
        select 'cus_test_0001', timestamp '2024-01-01 10:00:00', 'usd',
            '{{"{ACCOUNT_ID_KEY}": "acc_test"}}', false, false
        union all
        select 'cus_deleted_0001', timestamp '2024-02-01 10:00:00', 'usd', '{{}}', true, true
        order by id
        """
    ).to_arrow_table()


def _product_id(expression: str) -> str:
    return f"'prod_' || regexp_replace(lower({expression}), '[^a-z0-9]+', '_', 'g')"


def _products(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"""
        select
            {_product_id("product_name")} as id,
            product_name as name,
            case when bool_or(is_per_seat) then '{SEAT_LABEL}' end as unit_label,
            true as livemode,
            false as is_deleted
        from plans
        group by product_name
        order by id
        """
    ).to_arrow_table()


def _prices(con: duckdb.DuckDBPyConnection) -> pa.Table:
    interval = "case billing_interval when 'quarter' then 'month' else billing_interval end"
    count = "case billing_interval when 'quarter' then 3 else 1 end * interval_count"
    return con.sql(
        f"""
        with
        custom as (
            select distinct price_id, plan_id, unit_minor
            from versions
            where price_id <> plan_id
        ),
        all_prices as (
            select plan_id as id, plan_id, cast(unit_amount * m.minor as bigint) as unit_amount
            from plans join minor as m using (currency)
            union all
            select price_id, plan_id, unit_minor from custom
        )
        select
            a.id,
            {_product_id("p.product_name")} as product_id,
            lower(p.currency) as currency,
            a.unit_amount,
            {interval} as recurring_interval,
            cast({count} as bigint) as recurring_interval_count,
            case when p.plan_id in (select plan_id from metered) then 'metered'
                else 'licensed' end as recurring_usage_type,
            true as livemode,
            false as is_deleted
        from all_prices as a
        join plans as p using (plan_id)
        union all
        select 'price_deleted_0001', {_product_id("'Starter'")}, 'usd', 100, 'month', 1,
            'licensed', true, true
        order by id
        """
    ).to_arrow_table()


def _subscriptions(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"""
        with
        periods as (
            select v.subscription_id,
                max(case p.billing_interval when 'month' then 1 when 'quarter' then 3
                    else 12 end * p.interval_count) as period_months
            from versions as v join plans as p using (plan_id)
            group by v.subscription_id
        ),
        billed as (
            select subscription_id, max(period_end_at) as current_period_end
            from stripe_lines
            where line_type = 'subscription'
            group by subscription_id
        ),
        current_rows as (
            select
                s.subscription_id as id,
                s.customer_id,
                case s.status when 'incomplete' then 'incomplete_expired'
                    else s.status end as status,
                s.created_at as created,
                s.started_at as start_date,
                s.trial_end_at as trial_end,
                case when s.cancel_at = b.current_period_end then null
                    else s.cancel_at end as cancel_at,
                coalesce(s.cancel_at = b.current_period_end, false) as cancel_at_period_end,
                s.canceled_at,
                s.ended_at,
                b.current_period_end,
                case
                    when s.term_months <> coalesce(pe.period_months, s.term_months)
                        then '{{"{TERM_MONTHS_KEY}": "'
                            || cast(s.term_months as varchar) || '"}}'
                    else '{{}}'
                end as metadata,
                true as livemode,
                true as _fivetran_active
            from subs as s
            left join periods as pe using (subscription_id)
            left join billed as b using (subscription_id)
        )
        select * from current_rows
        union all
        -- history mode: the row a canceled subscription had before its cancellation
        select id, customer_id, 'active', created, start_date, trial_end, null, false, null,
            null, current_period_end, metadata, livemode, false
        from current_rows
        where canceled_at is not null
        union all
        select 'sub_test_0001', 'cus_test_0001', 'active', timestamp '2024-01-01 10:00:00',
            timestamp '2024-01-01 10:00:00', null, null, false, null, null, null, '{{}}',
            false, true
        order by id, _fivetran_active
        """
    ).to_arrow_table()


def _items(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        """
        with
        firsts as (
            select subscription_item_id, valid_from as created
            from versions where version_no = 1
        ),
        lasts as (
            select v.*, s.ended_at as subscription_ended_at, s.started_at
            from versions as v join subs as s using (subscription_id)
            where v.version_from_last = 1
        )
        select
            l.subscription_item_id as id,
            l.subscription_id,
            l.price_id as plan_id,
            l.quantity,
            f.created
        from lasts as l
        join firsts as f using (subscription_item_id)
        -- an item removed before its subscription ended no longer exists in Stripe
        where l.valid_to is null or l.valid_to = l.subscription_ended_at
        union all
        select subscription_item_id, subscription_id, price_id, null, min(period_start_at)
        from stripe_lines
        where line_type = 'usage'
        group by all
        union all
        select 'si_test_0001', 'sub_test_0001', 'starter_month1_usd', 1,
            timestamp '2024-01-01 10:00:00'
        order by id
        """
    ).to_arrow_table()


def _invoices(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        """
        with
        pre_discount as (
            select invoice_id, sum(amount_minor) as subtotal_minor
            from stripe_lines group by invoice_id
        )
        select
            i.invoice_id as id,
            i.customer_id,
            i.subscription_id,
            i.status,
            lower(i.currency) as currency,
            i.issued_at as created,
            case when i.status <> 'draft' then i.issued_at end
                as status_transitions_finalized_at,
            i.due_at as due_date,
            i.paid_at as status_transitions_paid_at,
            i.voided_at as status_transitions_voided_at,
            coalesce(pd.subtotal_minor, 0) as subtotal,
            cast(round(i.tax * m.minor) as bigint) as tax,
            cast(round(i.total * m.minor) as bigint) as total,
            cast(round(i.amount_paid * m.minor) as bigint) as amount_paid,
            true as livemode,
            false as is_deleted
        from invoices as i
        join minor as m using (currency)
        left join pre_discount as pd using (invoice_id)
        union all
        select 'in_test_0001', 'cus_test_0001', 'sub_test_0001', 'paid', 'usd',
            timestamp '2024-01-01 10:00:00', timestamp '2024-01-01 10:00:00',
            timestamp '2024-01-02 10:00:00', timestamp '2024-01-01 10:05:00', null,
            4900, 0, 4900, 4900, false, false
        union all
        select 'in_deleted_0001', min(customer_id), min(subscription_id), 'draft',
            min(lower(currency)), max(issued_at), null, max(due_at), null, null, 0, 0, 0, 0,
            true, true
        from invoices
        where subscription_id = (select min(subscription_id) from invoices)
        order by id
        """
    ).to_arrow_table()


def _lines(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        """
        select
            l.invoice_line_id as id,
            l.invoice_id,
            l.subscription_id,
            l.subscription_item_id,
            l.price_id,
            case when l.line_type = 'one_time' then 'invoiceitem'
                else 'subscription' end as type,
            l.line_type = 'proration' as proration,
            l.quantity,
            l.amount_minor as amount,
            l.period_start_at as period_start,
            l.period_end_at as period_end,
            true as livemode
        from stripe_lines as l
        union all
        select 'il_test_0001', 'in_test_0001', 'sub_test_0001', 'si_test_0001',
            'starter_month1_usd', 'subscription', false, 1, 4900,
            timestamp '2024-01-01 10:00:00', timestamp '2024-02-01 10:00:00', false
        order by id
        """
    ).to_arrow_table()


_DISCOUNT_RUNS_SQL = """
create temp table discount_runs as
with
runs as (
    -- consecutive versions of an item with the same discount are one discount
    select *,
        sum(case when bp is distinct from previous_bp then 1 else 0 end) over (
            partition by subscription_item_id order by valid_from
        ) as run_no
    from (
        select *, lag(bp) over (
            partition by subscription_item_id order by valid_from
        ) as previous_bp
        from versions
    )
),
run_bounds as (
    select subscription_item_id, subscription_id, run_no, min(bp) as bp,
        min(valid_from) as starts_at,
        min(quantity) as quantity, max(quantity) as max_quantity,
        min(unit_minor) as unit_minor, max(unit_minor) as max_unit_minor,
        min(plan_currency) as currency, min(plan_minor) as minor
    from runs group by all
),
discounts as (
    select *,
        lead(starts_at) over (
            partition by subscription_item_id order by run_no
        ) as ends_at,
        count(*) over (partition by subscription_item_id) as item_runs
    from run_bounds
),
-- a subscription with a single item (and no metered usage) gets the
-- discount as a subscription-wide one
single_item as (
    select subscription_id
    from versions group by subscription_id
    having count(distinct subscription_item_id) = 1
    except
    select subscription_id from stripe_lines where line_type = 'usage'
),
-- the discount given as an amount off instead of a percent: a whole item's
-- only discount, its price and quantity constant and never prorated, whose
-- percent of quantity x unit price is a whole amount in the smallest unit
-- (a zero-decimal currency first)
amount_off as (
    select subscription_item_id, run_no
    from discounts
    where bp > 0 and item_runs = 1 and quantity = max_quantity and quantity > 0
        and unit_minor = max_unit_minor
        and quantity * unit_minor * bp % 10000 = 0
        and subscription_item_id not in (
            select subscription_item_id from stripe_lines
            where line_type = 'proration' and subscription_item_id is not null
        )
    order by minor = 1 desc, subscription_item_id
    limit 1
)
select
    d.*,
    d.subscription_id in (select subscription_id from single_item) as is_single_item,
    a.subscription_item_id is not null as is_amount_off,
    case when a.subscription_item_id is not null
        then d.quantity * d.unit_minor * d.bp // 10000 end as amount_off
from discounts as d
left join amount_off as a using (subscription_item_id, run_no);
"""


def _coupons(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"""
        select
            'pct_' || cast(bp as varchar) as id,
            cast(bp as double) / 100 as percent_off,
            cast(null as bigint) as amount_off,
            cast(null as varchar) as currency,
            true as livemode
        from (select distinct bp from versions where bp > 0)
        union all
        select {_AMOUNT_OFF_COUPON}, null, amount_off, lower(currency), true
        from discount_runs where is_amount_off
        union all
        -- in the ISO test currency: no subscription is billed in it
        select 'amount_off_1000', null, 1000, 'xts', true
        order by id
        """
    ).to_arrow_table()


# the id of the amount-off coupon of a discount run: amount_off_<amount>_<currency>
_AMOUNT_OFF_COUPON = "'amount_off_' || cast(amount_off as varchar) || '_' || lower(currency)"


def _discounts(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"""
        select
            'di_' || subscription_item_id || '_' || cast(run_no as varchar) as id,
            case when is_single_item then 'subscription' else 'subscription_item' end
                as type,
            case when is_single_item then subscription_id else subscription_item_id end
                as type_id,
            subscription_id,
            case when is_amount_off then {_AMOUNT_OFF_COUPON}
                else 'pct_' || cast(bp as varchar) end as coupon_id,
            starts_at as start,
            ends_at as "end"
        from discount_runs
        where bp > 0
        union all
        select 'di_amount_off_0001', 'subscription', min(subscription_id), min(subscription_id),
            'amount_off_1000', min(valid_from), null
        from versions
        order by id
        """
    ).to_arrow_table()
