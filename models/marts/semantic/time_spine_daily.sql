{#-
    MetricFlow's time spine (day grain): one row per calendar day from the
    first day of the project's calendar (int_months_spined: the first month
    holding any data a metric reads) through the last day of the as-of month
    (var as_of_date), the same months every account-month mart covers.
    Built with dbt.date_spine over every day from 1900 (a fixed, portable
    bound, as the calendar is), then cut to the data. Cumulative and
    offset metrics, and metrics joined to the spine, end at the as-of month.
-#}

with

months as (
    select * from {{ ref('int_months_spined') }}
),

possible_days as (
    {{ dbt.date_spine(
        'day',
        "cast('1900-01-01' as date)",
        cs_metrics.add_months(as_of_month(), 1),
    ) }}
),

bounds as (
    select min(month_start) as first_month_start
    from months
),

final as (
    select cast(possible_days.date_day as date) as date_day
    from possible_days
    cross join bounds
    where cast(possible_days.date_day as date) >= bounds.first_month_start
)

select * from final
