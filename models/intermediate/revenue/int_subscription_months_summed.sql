{#-
    mrr of one subscription at the end of month M in the reporting currency:
    its counted item versions at rate(M) (converted once, in
    int_subscription_items_counted_monthly). One row per subscription and
    month in which it has at least one counted item; a subscription missing
    in a month has mrr 0 there.
-#}
with

counted_items as (
    select * from {{ ref('int_subscription_items_counted_monthly') }}
),

final as (
    select
        ---------- keys
        subscription_id,
        month_start,

        ---------- ids
        account_id,

        ---------- numerics
        cast(sum(mrr) as {{ cs_metrics.type_money() }}) as mrr
    from counted_items
    group by
        subscription_id,
        month_start,
        account_id
)

select * from final
