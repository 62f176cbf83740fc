{#-
    The renewal schedule, the one home of renewal dates: for every
    subscription whose term is at least var renewal_min_term_months, one row
    per renewal k = 1, 2, ... at started_at + k x term_months months (macro
    renewal_at; month-end clamped, always counted from started_at), through
    the first renewal after the as-of month (so every month's next renewal
    is here).
      is_due     - the renewal fell due up to as_of_date, and the
                   subscription was still running at the previous one
                   (k - 1; the start for k = 1): a subscription that ended
                   has exactly one renewal that did not happen, the first on
                   or after its end, and no phantom renewals afterwards;
      is_renewed - ended_at is null or after renewal_at (ending exactly at
                   the renewal instant is not renewing).
    The renewal month is the start month + k x term_months, so renewals
    inside the calendar join it on a whole multiple of the term; the one
    after the as-of month is computed directly. No number series is needed.
-#}
with

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

billing_customers as (
    select * from {{ ref('int_billing_customers_mapped') }}
),

months as (
    select * from {{ ref('int_months_spined') }}
),

termed as (
    select
        subscriptions.subscription_id,
        billing_customers.account_id,
        subscriptions.term_months,
        subscriptions.started_at,
        subscriptions.ended_at,
        {{ cs_metrics.month_start_of('subscriptions.started_at') }}
            as start_month
    from subscriptions
    inner join billing_customers
        on subscriptions.customer_id = billing_customers.customer_id
    where
        subscriptions.term_months >= {{ var('renewal_min_term_months') }}
        and subscriptions.started_at is not null
),

-- renewals in the calendar: months a whole number of terms after the start
calendar_renewals as (
    select
        termed.subscription_id,
        cast(
            cast(
                {{ dbt.datediff(
                    'termed.start_month', 'months.month_start', 'month'
                ) }} as {{ dbt.type_numeric() }}
            )
            / termed.term_months as {{ dbt.type_int() }}
        ) as renewal_number
    from termed
    inner join months
        on termed.start_month < months.month_start
    where
        mod(
            {{ dbt.datediff(
                'termed.start_month', 'months.month_start', 'month'
            ) }},
            termed.term_months
        ) = 0
),

-- the first renewal after the as-of month
next_renewals as (
    select
        subscription_id,
        cast(
            floor(
                {{ dbt.datediff('start_month', as_of_month(), 'month') }}
                / cast(term_months as {{ dbt.type_numeric() }})
            ) as {{ dbt.type_int() }}
        ) + 1 as renewal_number
    from termed
    where start_month <= {{ as_of_month() }}
),

numbered as (
    select * from calendar_renewals
    union
    select * from next_renewals
),

dated as (
    select
        termed.*,
        numbered.renewal_number,
        {{ cs_metrics.renewal_at(
            'termed.started_at', 'termed.term_months', 'numbered.renewal_number'
        ) }} as renewal_at,
        {{ cs_metrics.renewal_at(
            'termed.started_at',
            'termed.term_months',
            'numbered.renewal_number - 1'
        ) }} as previous_renewal_at
    from termed
    inner join numbered
        on termed.subscription_id = numbered.subscription_id
),

final as (
    select
        ---------- ids
        subscription_id,
        account_id,

        ---------- numerics
        term_months,
        renewal_number,

        ---------- booleans
        cast(renewal_at as date) <= {{ as_of_date() }}
        and (
            ended_at is null or ended_at > previous_renewal_at
        ) as is_due,
        coalesce(ended_at > renewal_at, true) as is_renewed,

        ---------- dates
        {{ cs_metrics.add_months(
            'start_month', 'renewal_number * term_months'
        ) }} as renewal_month,

        ---------- timestamps
        renewal_at,
        started_at,
        ended_at
    from dated
)

select * from final
