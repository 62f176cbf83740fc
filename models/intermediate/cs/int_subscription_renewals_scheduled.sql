{#-
    Every renewal that fell due up to as_of_date, one row per subscription
    and renewal number k. A subscription with a term of at least
    renewal_min_term_months renews at started_at + k x term_months months
    (k >= 1, macro renewal_at). The renewal month is always the start month
    + k x term_months, so the schedule joins the month spine on a whole
    multiple of the term; no number series is needed.
    A renewal is due only while the subscription was still running at the
    previous one (k - 1; the start for k = 1): a subscription that ended
    has exactly one renewal that did not happen, the first on or after its
    end, and no phantom renewals afterwards.
    It renewed when ended_at is null or ended_at > renewal_at (ending
    exactly at the renewal instant is not renewing).
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

-- the months a whole number of terms after the start month
renewal_months as (
    select
        termed.*,
        months.month_start as renewal_month,
        {{ dbt.datediff(
            'termed.start_month', 'months.month_start', 'month'
        ) }} as months_since_start
    from termed
    inner join months
        on termed.start_month < months.month_start
),

numbered as (
    select
        subscription_id,
        account_id,
        term_months,
        renewal_month,
        started_at,
        ended_at,
        -- exact: months_since_start is a whole multiple of term_months
        cast(
            cast(months_since_start as {{ dbt.type_numeric() }})
            / term_months as {{ dbt.type_int() }}
        ) as renewal_number
    from renewal_months
    where mod(months_since_start, term_months) = 0
),

dated as (
    select
        *,
        {{ cs_metrics.renewal_at(
            'started_at', 'term_months', 'renewal_number'
        ) }} as renewal_at,
        {{ cs_metrics.renewal_at(
            'started_at', 'term_months', 'renewal_number - 1'
        ) }} as previous_renewal_at
    from numbered
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
        coalesce(ended_at > renewal_at, true) as is_renewed,

        ---------- dates
        renewal_month,

        ---------- timestamps
        renewal_at,
        started_at,
        ended_at
    from dated
    where
        cast(renewal_at as date) <= {{ as_of_date() }}
        and (ended_at is null or ended_at > previous_renewal_at)
)

select * from final
