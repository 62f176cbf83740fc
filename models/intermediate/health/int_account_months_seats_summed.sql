{#-
    Seats per account and month: the summed quantity of the item versions
    counted in MRR at t(M) whose plan is priced per seat. Account-months
    without any counted per-seat item have no row (0 seats).
    Incremental by month (doc block month_window): a run writes the months
    of its window only.
-#}
{{ config(**cs_metrics.month_window_config()) }}
{%- set window_start = cs_metrics.month_window() %}
with

counted_items as (
    select * from {{ ref('int_subscription_items_counted_monthly') }}
    where
        is_per_seat
        and {{ cs_metrics.in_month_window('month_start', window_start) }}
),

final as (
    select
        ---------- keys
        account_id,
        month_start,

        ---------- numerics
        cast(sum(quantity) as {{ dbt.type_int() }}) as seats,
        cast(count(*) as {{ dbt.type_int() }}) as per_seat_item_count
    from counted_items
    group by
        account_id,
        month_start
)

select * from final
