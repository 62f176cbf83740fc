{#-
    Product usage per account and calendar month M (events in
    [first instant of M, t(M))), through the as-of month. Only
    account-months with at least one event have a row; later models read a
    missing month as zero usage. Distinct users and features cannot be
    added up from days, so they are counted from the user-event-day grain.
-#}
with

user_event_days as (
    select * from {{ ref('int_account_user_event_days_aggregated') }}
    where activity_date < {{ cs_metrics.add_months(as_of_month(), 1) }}
),

account_days as (
    select * from {{ ref('int_account_days_aggregated') }}
    where activity_date < {{ cs_metrics.add_months(as_of_month(), 1) }}
),

feature_catalog as (
    select * from {{ ref('feature_catalog') }}
),

core_events as (
    select
        event_name,
        feature
    from feature_catalog
    where is_core
),

user_months as (
    select
        user_event_days.account_id,
        {{ cs_metrics.month_start_of('user_event_days.activity_date') }}
            as month_start,
        count(distinct user_event_days.user_id) as active_users,
        count(distinct core_events.feature) as core_features_used
    from user_event_days
    left outer join core_events
        on user_event_days.event_name = core_events.event_name
    group by
        user_event_days.account_id,
        {{ cs_metrics.month_start_of('user_event_days.activity_date') }}
),

day_months as (
    select
        account_id,
        {{ cs_metrics.month_start_of('activity_date') }} as month_start,
        count(*) as active_days,
        sum(event_count) as event_count
    from account_days
    group by
        account_id,
        {{ cs_metrics.month_start_of('activity_date') }}
),

final as (
    select
        ---------- keys
        user_months.account_id,
        user_months.month_start,

        ---------- numerics
        cast(user_months.active_users as {{ dbt.type_int() }}) as active_users,
        cast(day_months.active_days as {{ dbt.type_int() }}) as active_days,
        cast(day_months.event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(
            user_months.core_features_used as {{ dbt.type_int() }}
        ) as core_features_used
    from user_months
    inner join day_months
        on
            user_months.account_id = day_months.account_id
            and user_months.month_start = day_months.month_start
)

select * from final
