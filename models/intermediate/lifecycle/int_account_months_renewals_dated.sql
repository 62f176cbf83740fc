{#-
    The next renewal date per account and month. For every subscription
    counted in MRR at t(M) whose term is at least var
    renewal_min_term_months, its renewals fall at started_at + k x
    term_months months (k >= 1; month-end clamped, so a 29 February start
    renews on 28 February in other years); the next one is the first at or
    after t(M). next_renewal_at is the earliest over the account's
    subscriptions. Account-months without such a subscription have no row.

    k is found without iterating: started_at + k x term months falls on or
    after t(M) (the first instant of M + 1) exactly when its month is M + 1
    or later, i.e. k x term >= months from the start month to M, plus 1.
-#}
with

counted_items as (
    select * from {{ ref('int_subscription_items_counted_monthly') }}
),

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
    where term_months >= {{ var('renewal_min_term_months') }}
),

counted_subscriptions as (
    select distinct
        account_id,
        month_start,
        subscription_id
    from counted_items
),

subscription_months as (
    select
        counted_subscriptions.account_id,
        counted_subscriptions.month_start,
        counted_subscriptions.subscription_id,
        subscriptions.term_months,
        subscriptions.started_at,
        {{ dbt.datediff(
            cs_metrics.month_start_of('subscriptions.started_at'),
            'counted_subscriptions.month_start',
            'month'
        ) }} + 1 as months_to_snapshot
    from counted_subscriptions
    inner join subscriptions
        on counted_subscriptions.subscription_id = subscriptions.subscription_id
),

next_terms as (
    select
        *,
        cast(
            ceil(
                months_to_snapshot
                / cast(term_months as {{ dbt.type_numeric() }})
            ) as {{ dbt.type_int() }}
        ) as renewal_number
    from subscription_months
),

renewals as (
    select
        account_id,
        month_start,
        subscription_id,
        {{ cs_metrics.renewal_at(
            'started_at', 'term_months', 'renewal_number'
        ) }} as renewal_at
    from next_terms
),

final as (
    select
        ---------- keys
        account_id,
        month_start,

        ---------- numerics
        cast(
            count(distinct subscription_id) as {{ dbt.type_int() }}
        ) as renewable_subscription_count,

        ---------- timestamps
        min(renewal_at) as next_renewal_at
    from renewals
    group by
        account_id,
        month_start
)

select * from final
