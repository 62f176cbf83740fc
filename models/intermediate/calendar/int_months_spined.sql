{#-
    The calendar: one row per month from the first month holding any data
    a metric reads (billing item versions and subscriptions, invoices and
    their service periods, NPS responses, support tickets, CS activities)
    through the as-of month, with the month's evaluation instant
    snapshot_at: t(M) = the first instant of M + 1 for a complete month, and
    t* = the first instant after as_of_date for the month in progress (the
    as-of month), so its figures mean "as of today" on any day of the month
    (doc block month_in_progress). Every spined model reads snapshot_at and
    completeness from here. Built with dbt.date_spine over every month from
    1900 (a fixed, portable bound), then cut to the data.
    Product events only count on account-months (from a paying account's
    cohort month), so they do not widen the calendar.
-#}

with

items as (
    select * from {{ ref('stg_billing__subscription_items') }}
),

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

invoice_lines as (
    select * from {{ ref('stg_billing__invoice_lines') }}
),

nps_responses as (
    select * from {{ ref('stg_crm__nps_responses') }}
),

tickets as (
    select * from {{ ref('stg_support__tickets') }}
),

activities as (
    select * from {{ ref('stg_crm__activities') }}
),

possible_months as (
    {{ dbt.date_spine(
        'month',
        "cast('1900-01-01' as date)",
        cs_metrics.add_months(as_of_month(), 1),
    ) }}
),

first_dates as (
    select min(valid_from_at) as first_at
    from items
    where not is_contract_violation

    union all

    select min(started_at) as first_at
    from subscriptions

    union all

    select min(issued_at) as first_at
    from invoices

    union all

    select
        min(cast(period_start_date as {{ dbt.type_timestamp() }}))
            as first_at
    from invoice_lines

    union all

    select min(responded_at) as first_at
    from nps_responses

    union all

    select min(opened_at) as first_at
    from tickets

    union all

    select min(occurred_at) as first_at
    from activities
),

-- never later than the as-of month, so the calendar always holds it
bounds as (
    select
        case
            when
                {{ cs_metrics.month_start_of('min(first_at)') }}
                < {{ as_of_month() }}
                then {{ cs_metrics.month_start_of('min(first_at)') }}
            else {{ as_of_month() }}
        end as first_month_start
    from first_dates
),

months as (
    select cast(possible_months.date_month as date) as month_start
    from possible_months
    cross join bounds
    where cast(possible_months.date_month as date) >= bounds.first_month_start
),

final as (
    select
        ---------- keys
        month_start,

        ---------- booleans
        cast(
            {{ dbt.last_day('month_start', 'month') }} as date
        ) < {{ as_of_date() }} as is_month_complete,

        ---------- dates
        cast({{ dbt.last_day('month_start', 'month') }} as date)
            as month_end_date,

        ---------- timestamps
        -- t(M); for the month in progress t* = as_of_date + 1 day (the two
        -- agree when as_of_date is the month's last day)
        case
            when month_start = {{ as_of_month() }}
                then cast(
                    {{ dbt.dateadd('day', 1, as_of_date()) }}
                    as {{ dbt.type_timestamp() }}
                )
            else cast(
                {{ cs_metrics.add_months('month_start', 1) }}
                as {{ dbt.type_timestamp() }}
            )
        end as snapshot_at
    from months
)

select * from final
