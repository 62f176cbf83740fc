{#-
    The MetricFlow time spine (time_spine_daily) runs without gaps from the
    first day of the calendar's first month (int_months_spined) to the last
    day of the as-of month. Returns one row describing the spine when it
    does not.
-#}
with

spine as (
    select * from {{ ref('time_spine_daily') }}
),

months as (
    select * from {{ ref('int_months_spined') }}
),

spine_bounds as (
    select
        min(date_day) as first_day,
        max(date_day) as last_day,
        count(*) as day_count
    from spine
),

calendar_bounds as (
    select
        min(month_start) as first_day,
        max(month_end_date) as last_day
    from months
),

final as (
    select
        spine_bounds.first_day,
        spine_bounds.last_day,
        spine_bounds.day_count,
        calendar_bounds.first_day as expected_first_day,
        calendar_bounds.last_day as expected_last_day
    from spine_bounds
    cross join calendar_bounds
    where
        spine_bounds.first_day <> calendar_bounds.first_day
        or spine_bounds.last_day <> calendar_bounds.last_day
        or spine_bounds.day_count
        <> {{ dbt.datediff(
            'calendar_bounds.first_day', 'calendar_bounds.last_day', 'day'
        ) }} + 1
)

select * from final
