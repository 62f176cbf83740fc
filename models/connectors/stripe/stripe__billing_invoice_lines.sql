{#-
    billing.invoice_lines from Stripe invoice line items
    (docs/presets/stripe.md): live lines of the invoices the preset keeps.
    line_type: proration for proration lines, usage for lines of metered
    prices, subscription for other lines of subscription items, one_time
    for invoice items. amount is after the line's percent-off discount
    (stripe__percent_discounts at the start of its period; Stripe's amount
    is before discounts), rounded to the currency's smallest unit, in major
    units. The service period's dates are the UTC dates of Stripe's period
    timestamps.
-#}

-- a table: rebuilding it from the lines costs more than one read (every
-- staging read and test would repeat it as a view)
{{ config(materialized='table') }}
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
        quantity,
        amount,
        {{ cs_metrics.utc_timestamp(lines_relation, 'period_start') }}
            as period_start_at,
        {{ cs_metrics.utc_timestamp(lines_relation, 'period_end') }}
            as period_end_at
    from lines
),

typed as (
    select
        renamed.*,
        invoices.currency,
        case
            when renamed.is_proration then 'proration'
            when lower(prices.recurring_usage_type) = 'metered' then 'usage'
            when renamed.line_source = 'subscription' then 'subscription'
            else 'one_time'
        end as line_type
    from renamed
    -- lines of an invoice the preset leaves out are left out with it
    inner join invoices
        on renamed.invoice_id = invoices.invoice_id
    left outer join prices
        on renamed.price_id = prices.id
),

discounted as (
    {{ cs_metrics.stripe_discount_at(
        'typed', ['invoice_line_id'], 'subscription_item_id',
        'subscription_id', 'period_start_at'
    ) }}
),

final as (
    select
        invoice_line_id,
        invoice_id,
        subscription_id,
        price_id as plan_id,
        cast(line_type as {{ dbt.type_string() }}) as line_type,
        cast(quantity as {{ dbt.type_bigint() }}) as quantity,
        -- the discounted amount, rounded half away from zero to the
        -- smallest unit (decimal arithmetic: exact)
        {{ cs_metrics.stripe_major_units(
            'round(amount * (100 - percent_off) * 0.01, 0)', 'currency'
        ) }} as amount,
        cast(period_start_at as date) as period_start,
        cast(period_end_at as date) as period_end
    from discounted
    where discount_rank = 1
)

select * from final
