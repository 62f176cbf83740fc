{#-
    The renewal schedule, the one home of renewal dates: for every
    subscription whose term is at least var renewal_min_term_months, one row
    per renewal k = 1, 2, ... at started_at + k x term_months months (macro
    renewal_at; month-end clamped, always counted from started_at), through
    the first renewal after the as-of month (so every month's next renewal
    is here) and every renewal up to as_of_date + the longest renewal risk
    window (var renewal_risk_windows_days; fct_renewal_risk lists them).
      is_due     - the renewal fell due up to as_of_date, and the
                   subscription was still running at the previous one
                   (k - 1; the start for k = 1): a subscription that ended
                   has exactly one renewal that did not happen, the first on
                   or after its end, and no phantom renewals afterwards;
      is_renewed - ended_at is null or after renewal_at (ending exactly at
                   the renewal instant is not renewing).
    The renewal month is the start month + k x term_months, so renewals
    inside the calendar join it on a whole multiple of the term; those after
    the as-of month are counted on from the first one after it: at most
    ceil(months the horizon reaches past the as-of month / shortest term)
    of them fall before the horizon, a number known when compiling, so a
    small literal list of offsets replaces a number series.
-#}
{%- set horizon_days = cs_metrics.renewal_risk_horizon_days() -%}
{%- set min_term = cs_metrics.setting('renewal_min_term_months') -%}
{#- a month has at least 28 days: the horizon ends at most this many
    months after the as-of month -#}
{%- set horizon_months = horizon_days // 28 + 1 -%}
{%- set renewals_ahead = (horizon_months + min_term - 1) // min_term -%}
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
        subscriptions.canceled_at,
        subscriptions.ended_at,
        {{ cs_metrics.month_start_of('subscriptions.started_at') }}
            as start_month
    from subscriptions
    inner join billing_customers
        on subscriptions.customer_id = billing_customers.customer_id
    where
        subscriptions.term_months >= {{ min_term }}
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
first_after_as_of_month as (
    select
        subscription_id,
        started_at,
        term_months,
        cast(
            floor(
                {{ dbt.datediff('start_month', as_of_month(), 'month') }}
                / cast(term_months as {{ dbt.type_numeric() }})
            ) as {{ dbt.type_int() }}
        ) + 1 as renewal_number
    from termed
    where start_month <= {{ as_of_month() }}
),

renewal_offsets as (
    {%- for offset in range(renewals_ahead) %}
    select {{ offset }} as renewal_offset
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

ahead as (
    select
        first_after_as_of_month.subscription_id,
        renewal_offsets.renewal_offset,
        first_after_as_of_month.renewal_number
        + renewal_offsets.renewal_offset as renewal_number,
        {{ cs_metrics.renewal_at(
            'first_after_as_of_month.started_at',
            'first_after_as_of_month.term_months',
            'first_after_as_of_month.renewal_number'
            ~ ' + renewal_offsets.renewal_offset'
        ) }} as renewal_at
    from first_after_as_of_month
    cross join renewal_offsets
),

-- the first renewal after the as-of month, and the later ones up to the
-- horizon
next_renewals as (
    select
        subscription_id,
        renewal_number
    from ahead
    where
        renewal_offset = 0
        or cast(renewal_at as date) <= cast(
            {{ dbt.dateadd('day', horizon_days, as_of_date()) }} as date
        )
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
        previous_renewal_at,
        started_at,
        canceled_at,
        ended_at
    from dated
)

select * from final
