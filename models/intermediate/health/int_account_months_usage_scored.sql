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
    Definitions: doc blocks health_* (models/marts/core/_health__docs.md).
-#}
{%- set score = cs_metrics.type_score() -%}

with

account_months as (
    select * from {{ ref('int_account_months_spined') }}
),

usage_months as (
    select * from {{ ref('int_account_months_usage_summed') }}
),

seat_months as (
    select * from {{ ref('int_account_months_seats_summed') }}
),

feature_catalog as (
    select * from {{ ref('feature_catalog') }}
),

core_features as (
    select count(distinct feature) as core_feature_count
    from feature_catalog
    where is_core
),

joined as (
    select
        account_months.account_id,
        account_months.month_start,
        account_months.mrr,
        coalesce(seat_months.seats, 0) as seats,
        coalesce(usage_months.active_users, 0) as active_users,
        coalesce(usage_months.active_days, 0) as active_days,
        coalesce(usage_months.event_count, 0) as event_count,
        coalesce(usage_months.core_features_used, 0) as core_features_used,
        core_features.core_feature_count
    from account_months
    cross join core_features
    left outer join usage_months
        on
            account_months.account_id = usage_months.account_id
            and account_months.month_start = usage_months.month_start
    left outer join seat_months
        on
            account_months.account_id = seat_months.account_id
            and account_months.month_start = seat_months.month_start
),

-- The backbone has one row per month from the cohort month on, so the
-- preceding rows are exactly the prior months since the cohort month
-- (months without events hold 0 active users).
trended as (
    select
        *,
        sum(active_users) over (
            partition by account_id
            order by month_start asc nulls last
            rows between {{ var('usage_trend_months') }} preceding
            and 1 preceding
        ) as prior_active_users_sum,
        count(*) over (
            partition by account_id
            order by month_start asc nulls last
            rows between {{ var('usage_trend_months') }} preceding
            and 1 preceding
        ) as prior_month_count
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
                {{ var('usage_trend_parity_score') }}
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
)

select * from final
