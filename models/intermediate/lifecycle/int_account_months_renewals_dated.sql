{#-
    The next renewal date per account and month: the earliest renewal at or
    after t(M) (int_subscription_renewals_scheduled) over the account's
    subscriptions counted in MRR at t(M). Account-months without a
    renewable subscription have no row.
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

renewals as (
    select * from {{ ref('int_subscription_renewals_scheduled') }}
),

counted_subscriptions as (
    select distinct
        account_id,
        month_start,
        snapshot_at,
        subscription_id
    from counted_items
),

upcoming as (
    select
        counted_subscriptions.account_id,
        counted_subscriptions.month_start,
        counted_subscriptions.subscription_id,
        min(renewals.renewal_at) as next_renewal_at
    from counted_subscriptions
    inner join renewals
        on
            counted_subscriptions.subscription_id = renewals.subscription_id
            and counted_subscriptions.snapshot_at <= renewals.renewal_at
    group by
        counted_subscriptions.account_id,
        counted_subscriptions.month_start,
        counted_subscriptions.subscription_id
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
        min(next_renewal_at) as next_renewal_at
    from upcoming
    group by
        account_id,
        month_start
)

select * from final
