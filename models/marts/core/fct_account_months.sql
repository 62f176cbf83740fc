{#-
    One row per account and month from the account's cohort_month through
    the as-of month: a thin join of the account-month models, each of which
    owns one idea - MRR and its constant-currency bases
    (int_account_months_spined), movements and segment
    (int_account_months_classified), usage and the usage components
    (int_account_months_usage_scored), the health score
    (int_account_months_health_scored), the lifecycle stage and next renewal
    (int_account_months_lifecycle_staged) and committed MRR
    (int_account_months_commitments_summed). All share the backbone's grain,
    so every join is one-to-one.
    Incremental by month (doc block month_window): a run writes the months
    of its window only.
-#}
{{ config(**cs_metrics.month_window_config()) }}
{%- set window_start = cs_metrics.month_window() -%}
{%- set money = cs_metrics.type_money() -%}
{%- set score = cs_metrics.type_score() -%}

with

account_months as (
    select * from {{ ref('int_account_months_spined') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

classified_months as (
    select * from {{ ref('int_account_months_classified') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

usage_months as (
    select * from {{ ref('int_account_months_usage_scored') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

health_months as (
    select * from {{ ref('int_account_months_health_scored') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

lifecycle_months as (
    select * from {{ ref('int_account_months_lifecycle_staged') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

commitment_months as (
    select * from {{ ref('int_account_months_commitments_summed') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

final as (
    select
        ---------- keys
        account_months.account_id,
        account_months.month_start,
        account_months.is_month_complete,

        ---------- revenue
        account_months.mrr,
        cast(
            {{ cs_metrics.mrr_to_arr('account_months.mrr') }} as {{ money }}
        ) as arr,
        classified_months.new_mrr,
        classified_months.reactivation_mrr,
        classified_months.expansion_mrr,
        classified_months.contraction_mrr,
        classified_months.churned_mrr,
        classified_months.fx_impact_mrr,
        classified_months.movement_type,
        classified_months.churn_type,
        classified_months.voluntary_churned_mrr,
        classified_months.involuntary_churned_mrr,
        classified_months.is_active,
        account_months.cohort_month,
        account_months.tenure_months,
        account_months.prev_mrr_cc,
        account_months.year_ago_mrr_cc,
        account_months.cohort_start_mrr_cc,

        ---------- segment (at the end of M, M - 1, and where the month's
        ---------- movements and the trailing-twelve-month cohort belong)
        classified_months.tier,
        classified_months.service_model,
        classified_months.previous_tier,
        classified_months.previous_service_model,
        classified_months.movement_tier,
        classified_months.movement_service_model,
        classified_months.year_ago_tier,
        classified_months.year_ago_service_model,

        ---------- usage
        usage_months.seats,
        usage_months.active_users,
        usage_months.active_days,
        usage_months.event_count,
        usage_months.core_features_used,

        ---------- health (null on months without MRR)
        health_months.utilization_score,
        health_months.usage_trend_score,
        health_months.feature_breadth_score,
        health_months.payment_score,
        health_months.nps_score,
        health_months.support_score,
        health_months.outcome_score,
        health_months.experience_score,
        health_months.health_score,
        health_months.health_status,
        health_months.health_change_3m,
        health_months.value_health_quadrant,
        health_months.north_star_arr,

        ---------- lifecycle and commitments
        lifecycle_months.lifecycle_stage,
        lifecycle_months.next_renewal_at,
        commitment_months.cmrr
    from account_months
    left outer join classified_months
        on
            account_months.account_id = classified_months.account_id
            and account_months.month_start = classified_months.month_start
    left outer join usage_months
        on
            account_months.account_id = usage_months.account_id
            and account_months.month_start = usage_months.month_start
    left outer join health_months
        on
            account_months.account_id = health_months.account_id
            and account_months.month_start = health_months.month_start
    left outer join lifecycle_months
        on
            account_months.account_id = lifecycle_months.account_id
            and account_months.month_start = lifecycle_months.month_start
    left outer join commitment_months
        on
            account_months.account_id = commitment_months.account_id
            and account_months.month_start = commitment_months.month_start
)

select * from final
