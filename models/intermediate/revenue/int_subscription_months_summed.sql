{#-
    mrr of one subscription at the end of month M in the reporting currency:
    its counted item versions at rate(M) (converted once, in
    int_subscription_items_counted_monthly). One row per subscription and
    month in which it has at least one counted item; a subscription missing
    in a month has mrr 0 there.
    Incremental by month (doc block month_window): a run writes the months
    of its window only.
-#}
{{ config(**cs_metrics.month_window_config()) }}
{%- set window_start = cs_metrics.month_window() %}
with

counted_items as (
    select * from {{ ref('int_subscription_items_counted_monthly') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
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
