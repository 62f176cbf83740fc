{#-
    billing.plans from Stripe's recurring prices (docs/presets/stripe.md).
    A price billed every 3, 6 or 9 months is a quarter plan (Stripe has no
    quarter interval), every 12 or 24 months a year plan; unit_amount is in
    major units of the price's currency; is_per_seat when the product's
    unit_label is one of var stripe_seat_unit_labels. One-off prices (no
    recurring interval) are not plans. Every custom price of a negotiated
    deal is a plan of its own.
-#}

{{ config(enabled=cs_metrics.preset_selected('stripe')) }}

with

prices as (
    select * from {{ source('stripe', 'price') }}
    where
        {{ cs_metrics.stripe_is_kept() }}
        and recurring_interval is not null
),

products as (
    select * from {{ source('stripe', 'product') }}
),

normalised as (
    select
        prices.id,
        prices.currency,
        prices.unit_amount,
        products.name as product_name,
        lower(products.unit_label) as unit_label,
        lower(prices.recurring_interval) as recurring_interval,
        cast(prices.recurring_interval_count as {{ dbt.type_int() }})
            as recurring_interval_count
    from prices
    left outer join products
        on prices.product_id = products.id
),

final as (
    select
        cast(id as {{ dbt.type_string() }}) as plan_id,
        cast(product_name as {{ dbt.type_string() }}) as product_name,
        cast(case
            when
                recurring_interval = 'month'
                and mod(recurring_interval_count, 12) = 0
                then 'year'
            when
                recurring_interval = 'month'
                and mod(recurring_interval_count, 3) = 0
                then 'quarter'
            else recurring_interval
        end as {{ dbt.type_string() }}) as billing_interval,
        cast(case
            when
                recurring_interval = 'month'
                and mod(recurring_interval_count, 12) = 0
                then recurring_interval_count / 12
            when
                recurring_interval = 'month'
                and mod(recurring_interval_count, 3) = 0
                then recurring_interval_count / 3
            else recurring_interval_count
        end as {{ dbt.type_bigint() }}) as interval_count,
        {{ cs_metrics.stripe_major_units('unit_amount', 'currency') }}
            as unit_amount,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        coalesce(unit_label in (
            {%- for label in var('stripe_seat_unit_labels') -%}
            '{{ label | lower }}'{{ ', ' if not loop.last }}
            {%- endfor -%}
        ), false) as is_per_seat
    from normalised
)

select * from final
