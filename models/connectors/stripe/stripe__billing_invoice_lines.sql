{#-
    billing.invoice_lines from the Stripe invoice lines the preset keeps
    (stripe__invoice_lines_kept: live lines of kept invoices, with their
    line_type; docs/presets/stripe.md). amount is after the line's
    discount (stripe__discounts at the start of its period; Stripe's amount
    is before discounts): a percent off, or the share of quantity x unit
    price an amount-off coupon takes off (a full period's line: exactly the
    amount off), rounded to the currency's smallest unit, in major units. The service period's dates are the UTC
    dates of Stripe's period timestamps.
-#}

-- a view: its one reader, stg_billing__invoice_lines,
-- is a table with a preset (macro staging_materialization) and stores
-- these rows; a table here would write them twice
{{ config(
    enabled=cs_metrics.preset_selected('stripe'),
    materialized='view'
) }}

with

lines as (
    select * from {{ ref('stripe__invoice_lines_kept') }}
),

discounted as (
    {{ cs_metrics.stripe_discount_at(
        'lines', ['invoice_line_id'], 'subscription_item_id',
        'subscription_id', 'period_start_at',
        'quantity', 'unit_amount', 'currency'
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
        -- smallest unit (a percent: decimal arithmetic, exact)
        {{ cs_metrics.stripe_major_units(
            'case when amount_off_share > 0'
            ~ ' then round(cast(amount - amount * amount_off_share as '
            ~ cs_metrics.type_money() ~ '), 0)'
            ~ ' else round(amount * (100 - percent_off) * 0.01, 0) end',
            'currency'
        ) }} as amount,
        cast(period_start_at as date) as period_start,
        cast(period_end_at as date) as period_end
    from discounted
    where discount_rank = 1
)

select * from final
