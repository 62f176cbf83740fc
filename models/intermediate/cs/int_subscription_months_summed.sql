{#-
    mrr of one subscription at the end of month M in the reporting currency:
    the counted item versions of the subscription (MRR rules of metrics.md)
    at rate(M) of their plan's currency. One row per subscription and month
    in which it has at least one counted item; a subscription missing in a
    month has mrr 0 there.
-#}
with

counted_items as (
    select * from {{ ref('int_subscription_items_counted_monthly') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_monthly') }}
),

final as (
    select
        ---------- keys
        counted_items.subscription_id,
        counted_items.month_start,

        ---------- ids
        counted_items.account_id,

        ---------- numerics
        cast(
            sum(counted_items.mrr_local * fx_rates.rate_to_reporting)
            as {{ dbt.type_numeric() }}
        ) as mrr
    from counted_items
    inner join fx_rates
        on
            counted_items.month_start = fx_rates.month_start
            and counted_items.currency = fx_rates.currency
    group by
        counted_items.subscription_id,
        counted_items.month_start,
        counted_items.account_id
)

select * from final
