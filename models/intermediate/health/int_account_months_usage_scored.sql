{#-
    The three usage components of health per account-month (every row of
    the backbone; null on months without MRR), 0-100:
      utilization     = 100 x min(1, active_users / seats); null without
                        seats
      usage_trend     = min(100, parity x active_users / prior), prior =
                        mean active_users over the previous
                        var usage_trend_months months from the cohort month
                        on (months without events count 0); when prior = 0:
                        100 if active_users > 0 else 0; null without any
                        prior month
      feature_breadth = 100 x core_features_used / core features in the
                        feature_catalog seed
    A complete month counts usage over its calendar month, the prior over
    the calendar months before it. The month in progress counts usage over
    the one-month window ending at t* (window 0 of int_usage_windows_spined)
    and the prior over the windows before it that end after the start of
    the cohort month, so it means the same on any day of the month.
    Definitions: doc blocks health_* (models/marts/core/_health__docs.md)
    and month_in_progress.
    Incremental by month (doc block month_window): a run writes the months
    of its window, reading usage and the backbone from var
    usage_trend_months before it (the trend's prior).
-#}
{{ config(**cs_metrics.month_window_config()) }}
{%- set trend_months = cs_metrics.setting('usage_trend_months') -%}
{%- set window_start = cs_metrics.month_window() -%}
{%- set read_from = cs_metrics.month_literal(window_start, -trend_months) -%}
{%- set score = cs_metrics.type_score() -%}

with

account_months as (
    select * from {{ ref('int_account_months_spined') }}
    where month_start >= {{ read_from }}
),

usage_months as (
    select * from {{ ref('int_account_months_usage_summed') }}
    where month_start >= {{ read_from }}
),

usage_windows as (
    select * from {{ ref('int_usage_windows_spined') }}
),

window_usage as (
    select * from {{ ref('int_account_windows_usage_summed') }}
),

seat_months as (
    select * from {{ ref('int_account_months_seats_summed') }}
    where month_start >= {{ read_from }}
),

feature_catalog as (
    select * from {{ ref('feature_catalog') }}
),

core_features as (
    select count(distinct feature) as core_feature_count
    from feature_catalog
    where is_core
),

-- The month in progress: the usage of each of its windows (0 without
-- events); the prior counts the windows ending after the cohort month's
-- start.
windows_of_month_in_progress as (
    select
        account_months.account_id,
        account_months.month_start,
        usage_windows.window_offset,
        coalesce(window_usage.active_users, 0) as active_users,
        coalesce(window_usage.active_days, 0) as active_days,
        coalesce(window_usage.event_count, 0) as event_count,
        coalesce(window_usage.core_features_used, 0) as core_features_used,
        usage_windows.window_offset > 0
        and usage_windows.window_end_at > cast(
            account_months.cohort_month as {{ dbt.type_timestamp() }}
        ) as is_prior_window
    from account_months
    cross join usage_windows
    left outer join window_usage
        on
            account_months.account_id = window_usage.account_id
            and usage_windows.window_offset = window_usage.window_offset
    where not account_months.is_month_complete
),

month_in_progress_usage as (
    select
        account_id,
        month_start,
        max(case when window_offset = 0 then active_users end)
            as active_users,
        max(case when window_offset = 0 then active_days end) as active_days,
        max(case when window_offset = 0 then event_count end) as event_count,
        max(case when window_offset = 0 then core_features_used end)
            as core_features_used,
        sum(case when is_prior_window then active_users end)
            as prior_active_users_sum,
        sum(case when is_prior_window then 1 else 0 end) as prior_month_count
    from windows_of_month_in_progress
    group by
        account_id,
        month_start
),

joined as (
    select
        account_months.account_id,
        account_months.month_start,
        account_months.mrr,
        account_months.is_month_complete,
        coalesce(seat_months.seats, 0) as seats,
        coalesce(
            month_in_progress_usage.active_users,
            usage_months.active_users,
            0
        ) as active_users,
        coalesce(
            month_in_progress_usage.active_days, usage_months.active_days, 0
        ) as active_days,
        coalesce(
            month_in_progress_usage.event_count, usage_months.event_count, 0
        ) as event_count,
        coalesce(
            month_in_progress_usage.core_features_used,
            usage_months.core_features_used,
            0
        ) as core_features_used,
        month_in_progress_usage.prior_active_users_sum
            as in_progress_prior_sum,
        month_in_progress_usage.prior_month_count as in_progress_prior_count,
        core_features.core_feature_count
    from account_months
    cross join core_features
    -- (the month in progress's calendar-month row is never used: its window
    -- usage comes first in the coalesce above; a condition on
    -- is_month_complete here would turn the hash join into a nested loop)
    left outer join usage_months
        on
            account_months.account_id = usage_months.account_id
            and account_months.month_start = usage_months.month_start
    left outer join month_in_progress_usage
        on
            account_months.account_id = month_in_progress_usage.account_id
            and account_months.month_start = month_in_progress_usage.month_start
    left outer join seat_months
        on
            account_months.account_id = seat_months.account_id
            and account_months.month_start = seat_months.month_start
),

-- Complete months: the backbone has one row per month from the cohort
-- month on, so the preceding rows are exactly the prior months since the
-- cohort month (months without events hold 0 active users). The month in
-- progress takes its prior from its windows.
trended as (
    select
        *,
        case
            when is_month_complete
                then sum(active_users) over (
                    partition by account_id
                    order by month_start asc nulls last
                    rows between {{ trend_months }} preceding
                    and 1 preceding
                )
            else in_progress_prior_sum
        end as prior_active_users_sum,
        case
            when is_month_complete
                then count(*) over (
                    partition by account_id
                    order by month_start asc nulls last
                    rows between {{ trend_months }} preceding
                    and 1 preceding
                )
            else in_progress_prior_count
        end as prior_month_count
    from joined
),

scored as (
    select
        *,
        case
            when mrr > 0 and seats > 0
                then
                    100 * least(1, active_users / cast(seats as {{ score }}))
        end as utilization_score,
        case
            when not mrr > 0 or prior_month_count = 0 then null
            when prior_active_users_sum = 0
                then case when active_users > 0 then 100 else 0 end
            -- parity x active_users / (prior sum / prior months)
            else least(
                100,
                {{ cs_metrics.setting_sql('usage_trend_parity_score') }}
                * active_users * prior_month_count
                / cast(prior_active_users_sum as {{ score }})
            )
        end as usage_trend_score,
        case
            when mrr > 0 and core_feature_count > 0
                then
                    100 * core_features_used
                    / cast(core_feature_count as {{ score }})
        end as feature_breadth_score
    from trended
),

final as (
    select
        ---------- keys
        account_id,
        month_start,

        ---------- numerics: usage
        cast(seats as {{ dbt.type_int() }}) as seats,
        cast(active_users as {{ dbt.type_int() }}) as active_users,
        cast(active_days as {{ dbt.type_int() }}) as active_days,
        cast(event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(core_features_used as {{ dbt.type_int() }}) as core_features_used,
        cast(core_feature_count as {{ dbt.type_int() }}) as core_feature_count,
        cast(
            case
                when prior_month_count > 0
                    then
                        prior_active_users_sum
                        / cast(prior_month_count as {{ score }})
            end as {{ score }}
        ) as prior_active_users,
        cast(prior_month_count as {{ dbt.type_int() }}) as prior_month_count,

        ---------- numerics: components
        cast(utilization_score as {{ score }}) as utilization_score,
        cast(usage_trend_score as {{ score }}) as usage_trend_score,
        cast(feature_breadth_score as {{ score }}) as feature_breadth_score
    from scored
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
)

select * from final
