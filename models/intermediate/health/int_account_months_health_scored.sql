{#-
    Health score, its components and weights, lifecycle stage, next renewal
    and committed MRR per account and month of the account spine (cohort
    month through the as-of month). Definitions: doc blocks health_* and
    lifecycle_* (models/marts/health/_health__docs.md).

    Components are 0-100 or null; a null component is left out and the
    others are re-weighted: score = sum(weight x component) / sum(weight)
    over the non-null components. Each *_weight column holds the weight a
    component got (0 when it was null), so every score can be re-computed
    from its row. On months with mrr = 0 every health column is null;
    lifecycle_stage (churned), next_renewal_at and cmrr are still filled.
-#}
{%- set score = dbt.type_numeric() -%}
{%- set weights = {
    'utilization': var('health_weight_utilization'),
    'usage_trend': var('health_weight_usage_trend'),
    'feature_breadth': var('health_weight_feature_breadth'),
    'payment': var('health_weight_payment'),
    'nps': var('health_weight_nps'),
    'support': var('health_weight_support'),
} -%}

with

account_months as (
    select * from {{ ref('int_account_months_spined') }}
),

months as (
    select * from {{ ref('int_months_spined') }}
),

currency_months as (
    select * from {{ ref('int_account_currency_months_summed') }}
),

usage_months as (
    select * from {{ ref('int_account_months_usage_summed') }}
),

seat_months as (
    select * from {{ ref('int_account_months_seats_summed') }}
),

payment_months as (
    select * from {{ ref('int_account_months_payment_scored') }}
),

nps_months as (
    select * from {{ ref('int_account_months_nps_scored') }}
),

support_months as (
    select * from {{ ref('int_account_months_support_scored') }}
),

renewal_months as (
    select * from {{ ref('int_account_months_renewals_dated') }}
),

commitment_months as (
    select * from {{ ref('int_account_months_commitments_summed') }}
),

feature_catalog as (
    select * from {{ ref('feature_catalog') }}
),

core_features as (
    select count(distinct feature) as core_feature_count
    from feature_catalog
    where is_core
),

account_mrr as (
    select
        account_id,
        month_start,
        sum(mrr) as mrr
    from currency_months
    group by
        account_id,
        month_start
),

joined as (
    select
        account_months.account_id,
        account_months.month_start,
        account_months.cohort_month,
        account_months.tenure_months,
        months.snapshot_at,
        -- exact sum over currencies, rounded once (as in fct_account_months)
        cast(coalesce(account_mrr.mrr, 0) as {{ dbt.type_numeric() }}) as mrr,
        coalesce(account_mrr.mrr, 0)
        - coalesce(commitment_months.scheduled_churn_mrr, 0)
        + coalesce(commitment_months.signed_not_live_mrr, 0) as cmrr_exact,
        coalesce(seat_months.seats, 0) as seats,
        coalesce(usage_months.active_users, 0) as active_users,
        coalesce(usage_months.active_days, 0) as active_days,
        coalesce(usage_months.event_count, 0) as event_count,
        coalesce(usage_months.core_features_used, 0) as core_features_used,
        core_features.core_feature_count,
        payment_months.payment_score,
        nps_months.nps_score,
        support_months.support_score,
        renewal_months.next_renewal_at,
        commitment_months.scheduled_churn_mrr,
        commitment_months.signed_not_live_mrr
    from account_months
    inner join months
        on account_months.month_start = months.month_start
    cross join core_features
    left outer join account_mrr
        on
            account_months.account_id = account_mrr.account_id
            and account_months.month_start = account_mrr.month_start
    left outer join usage_months
        on
            account_months.account_id = usage_months.account_id
            and account_months.month_start = usage_months.month_start
    left outer join seat_months
        on
            account_months.account_id = seat_months.account_id
            and account_months.month_start = seat_months.month_start
    left outer join payment_months
        on
            account_months.account_id = payment_months.account_id
            and account_months.month_start = payment_months.month_start
    left outer join nps_months
        on
            account_months.account_id = nps_months.account_id
            and account_months.month_start = nps_months.month_start
    left outer join support_months
        on
            account_months.account_id = support_months.account_id
            and account_months.month_start = support_months.month_start
    left outer join renewal_months
        on
            account_months.account_id = renewal_months.account_id
            and account_months.month_start = renewal_months.month_start
    left outer join commitment_months
        on
            account_months.account_id = commitment_months.account_id
            and account_months.month_start = commitment_months.month_start
),

-- The spine has one row per month from the cohort month on, so the
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

-- Components before rounding (null on months without MRR).
components as (
    select
        *,
        case
            when mrr > 0 and seats > 0
                then
                    100 * least(1, active_users / cast(seats as {{ score }}))
        end as utilization_raw,
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
        end as usage_trend_raw,
        case
            when mrr > 0 and core_feature_count > 0
                then
                    100 * core_features_used
                    / cast(core_feature_count as {{ score }})
        end as feature_breadth_raw,
        case when mrr > 0 then payment_score end as payment_raw,
        case when mrr > 0 then nps_score end as nps_raw,
        case when mrr > 0 then support_score end as support_raw
    from trended
),

-- The weight each component gets: its var, or 0 when it is null (all
-- null on months without MRR).
weighted as (
    select
        *,
        case
            when not mrr > 0 then null
            when utilization_raw is not null then {{ weights.utilization }}
            else 0
        end as utilization_weight,
        case
            when not mrr > 0 then null
            when usage_trend_raw is not null then {{ weights.usage_trend }}
            else 0
        end as usage_trend_weight,
        case
            when not mrr > 0 then null
            when feature_breadth_raw is not null
                then {{ weights.feature_breadth }}
            else 0
        end as feature_breadth_weight,
        case
            when not mrr > 0 then null
            when payment_raw is not null then {{ weights.payment }}
            else 0
        end as payment_weight,
        case
            when not mrr > 0 then null
            when nps_raw is not null then {{ weights.nps }}
            else 0
        end as nps_weight,
        case
            when not mrr > 0 then null
            when support_raw is not null then {{ weights.support }}
            else 0
        end as support_weight
    from components
),

-- sum(weight x component) / sum(weight) over the non-null components
weighted_sums as (
    select
        *,
        coalesce(utilization_weight * utilization_raw, 0)
        + coalesce(usage_trend_weight * usage_trend_raw, 0)
        + coalesce(feature_breadth_weight * feature_breadth_raw, 0)
        + coalesce(payment_weight * payment_raw, 0) as outcome_points,
        coalesce(nps_weight * nps_raw, 0)
        + coalesce(support_weight * support_raw, 0) as experience_points,
        utilization_weight
        + usage_trend_weight
        + feature_breadth_weight
        + payment_weight as outcome_weight,
        nps_weight + support_weight as experience_weight
    from weighted
),

scored as (
    select
        *,
        cast(
            (outcome_points + experience_points)
            / nullif(outcome_weight + experience_weight, 0)
            as {{ score }}
        ) as health_score,
        cast(
            outcome_points / nullif(outcome_weight, 0) as {{ score }}
        ) as outcome_score,
        cast(
            experience_points / nullif(experience_weight, 0) as {{ score }}
        ) as experience_score
    from weighted_sums
),

classified as (
    select
        *,
        case
            when not mrr > 0 then null
            when health_score is null then 'unknown'
            when health_score >= {{ var('health_green_min') }} then 'green'
            when health_score >= {{ var('health_yellow_min') }} then 'yellow'
            else 'red'
        end as health_status,
        health_score - lag(health_score, {{ var('health_change_months') }})
            over (
                partition by account_id
                order by month_start asc nulls last
            ) as health_change
    from scored
),

final as (
    select
        ---------- keys
        account_id,
        month_start,

        ---------- strings
        health_status,
        case
            when health_status is null or health_status = 'unknown' then null
            when 12 * mrr >= {{ var('value_high_min_arr') }}
                then
                    case
                        when health_status = 'green' then 'expand'
                        else 'rescue'
                    end
            when health_status = 'green' then 'nurture'
            else 'monitor'
        end as value_health_quadrant,
        case
            when not mrr > 0 then 'churned'
            when tenure_months < {{ var('lifecycle_onboarding_months') }}
                then 'onboarding'
            when next_renewal_at < {{ dbt.dateadd(
                'day', var('lifecycle_renewal_window_days'), 'snapshot_at'
            ) }}
                then 'renewal'
            when tenure_months < {{ var('lifecycle_adoption_months') }}
                then 'adoption'
            else 'mature'
        end as lifecycle_stage,

        ---------- numerics: revenue
        mrr,
        cast(12 * mrr as {{ dbt.type_numeric() }}) as arr,
        cast(
            coalesce(scheduled_churn_mrr, 0) as {{ dbt.type_numeric() }}
        ) as scheduled_churn_mrr,
        cast(
            coalesce(signed_not_live_mrr, 0) as {{ dbt.type_numeric() }}
        ) as signed_not_live_mrr,
        cast(cmrr_exact as {{ dbt.type_numeric() }}) as cmrr,
        tenure_months,

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

        ---------- numerics: components and the weight each got
        cast(utilization_raw as {{ score }}) as utilization_score,
        cast(usage_trend_raw as {{ score }}) as usage_trend_score,
        cast(feature_breadth_raw as {{ score }}) as feature_breadth_score,
        cast(payment_raw as {{ score }}) as payment_score,
        cast(nps_raw as {{ score }}) as nps_score,
        cast(support_raw as {{ score }}) as support_score,
        cast(utilization_weight as {{ score }}) as utilization_weight,
        cast(usage_trend_weight as {{ score }}) as usage_trend_weight,
        cast(feature_breadth_weight as {{ score }}) as feature_breadth_weight,
        cast(payment_weight as {{ score }}) as payment_weight,
        cast(nps_weight as {{ score }}) as nps_weight,
        cast(support_weight as {{ score }}) as support_weight,

        ---------- numerics: scores
        outcome_score,
        experience_score,
        health_score,
        cast(health_change as {{ score }}) as health_change_3m,

        ---------- dates
        cohort_month,

        ---------- timestamps
        snapshot_at,
        next_renewal_at
    from classified
)

select * from final
