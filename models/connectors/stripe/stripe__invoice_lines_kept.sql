{#-
    The Stripe invoice lines the preset uses, one home for both readers
    (stripe__billing_invoice_lines and the item versions of
    stripe__billing_subscription_items): live lines of the invoices the
    preset keeps (a line of an invoice left out is left out with it), their
    contract line_type (proration lines: proration; lines of a metered
    price: usage; other lines of a subscription item: subscription; invoice
    items: one_time), the invoice's currency, the amount before discounts in
    the smallest unit, its price's unit amount (the base of an amount-off
    coupon), and the service period as UTC instants.
-#}

-- a table: a hub read by the invoice lines, the item versions and the
-- discounts (each reading it several times through stripe_discount_at); as
-- a view every read repeated its joins over all the lines
{{ config(
    enabled=cs_metrics.preset_selected('stripe'),
    materialized='table'
) }}

{%- set lines_relation = source('stripe', 'invoice_line_item') -%}

with

lines as (
    select * from {{ lines_relation }}
    where {{ cs_metrics.stripe_is_kept(has_is_deleted=false) }}
),

invoices as (
    select * from {{ ref('stripe__billing_invoices') }}
),

prices as (
    select * from {{ source('stripe', 'price') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as invoice_line_id,
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(
            subscription_item_id as {{ dbt.type_string() }}
        ) as subscription_item_id,
        cast(price_id as {{ dbt.type_string() }}) as price_id,
        lower(cast(type as {{ dbt.type_string() }})) as line_source,
        coalesce(proration, false) as is_proration,
        cast(quantity as {{ dbt.type_bigint() }}) as quantity,
        amount,
        {{ cs_metrics.utc_timestamp(lines_relation, 'period_start') }}
            as period_start_at,
        {{ cs_metrics.utc_timestamp(lines_relation, 'period_end') }}
            as period_end_at
    from lines
),

final as (
    select
        renamed.invoice_line_id,
        renamed.invoice_id,
        renamed.subscription_id,
        renamed.subscription_item_id,
        renamed.price_id,
        case
            when renamed.is_proration then 'proration'
            when lower(prices.recurring_usage_type) = 'metered' then 'usage'
            when renamed.line_source = 'subscription' then 'subscription'
            else 'one_time'
        end as line_type,
        renamed.quantity,
        renamed.amount,
        cast(prices.unit_amount as {{ dbt.type_bigint() }}) as unit_amount,
        invoices.currency,
        renamed.period_start_at,
        renamed.period_end_at
    from renamed
    inner join invoices
        on renamed.invoice_id = invoices.invoice_id
    left outer join prices
        on renamed.price_id = prices.id
)

select * from final
