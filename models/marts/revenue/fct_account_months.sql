{#-
    One row per account and month from the account's cohort_month through
    the as-of month: MRR in the reporting currency, its movements classified
    in constant currency (metrics.md), segment tier and service model, and
    the usage, health, lifecycle and committed-MRR columns of
    int_account_months_health_scored (same account-month spine).
-#}
{%- set money = dbt.type_numeric() -%}
{%- set score = dbt.type_numeric() -%}

with

account_months as (
    select * from {{ ref('int_account_months_spined') }}
),

currency_months as (
    select * from {{ ref('int_account_currency_months_summed') }}
),

health_months as (
    select * from {{ ref('int_account_months_health_scored') }}
),

account_totals as (
    select
        account_id,
        month_start,
        sum(mrr) as mrr,
        sum(prev_mrr_cc) as prev_mrr_cc,
        sum(prev_mrr) as prev_mrr
    from currency_months
    group by
        account_id,
        month_start
),

joined as (
    select
        account_months.account_id,
        account_months.month_start,
        account_months.is_month_complete,
        account_months.cohort_month,
        account_months.tenure_months,
        -- exact sums over currencies, rounded once to the money type
        cast(coalesce(account_totals.mrr, 0) as {{ money }}) as mrr,
        cast(
            coalesce(account_totals.prev_mrr_cc, 0) as {{ money }}
        ) as prev_mrr_cc,
        cast(coalesce(account_totals.prev_mrr, 0) as {{ money }}) as prev_mrr
    from account_months
    left outer join account_totals
        on
            account_months.account_id = account_totals.account_id
            and account_months.month_start = account_totals.month_start
),

-- Constant currency: last month's local MRR at this month's rates
-- (prev_mrr_cc) is compared with this month's MRR, so a rate move alone is
-- never expansion or contraction; it is fx_impact = prev_mrr_cc - prev_mrr.
classified as (
    select
        *,
        case
            when prev_mrr_cc = 0 and mrr > 0 and month_start = cohort_month
                then 'new'
            when prev_mrr_cc = 0 and mrr > 0 then 'reactivation'
            when prev_mrr_cc > 0 and mrr = 0 then 'churn'
            when mrr > prev_mrr_cc then 'expansion'
            when mrr < prev_mrr_cc then 'contraction'
            when mrr > 0 then 'flat'
            else 'inactive'
        end as movement_type,
        case
            when 12 * mrr >= {{ var('tier_enterprise_min_arr') }}
                then 'enterprise'
            when 12 * mrr >= {{ var('tier_mid_market_min_arr') }}
                then 'mid_market'
            when mrr > 0 then 'smb'
        end as active_tier,
        -- numbers the runs of months that start with a month with MRR:
        -- months without MRR share the run of the last month with MRR
        count(case when mrr > 0 then 1 end) over (
            partition by account_id
            order by month_start
            rows between unbounded preceding and current row
        ) as active_run
    from joined
),

tiered as (
    select
        *,
        max(active_tier) over (
            partition by account_id, active_run
        ) as tier
    from classified
),

with_health as (
    select
        tiered.*,
        health_months.seats,
        health_months.active_users,
        health_months.active_days,
        health_months.event_count,
        health_months.core_features_used,
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
        health_months.lifecycle_stage,
        health_months.next_renewal_at,
        health_months.cmrr
    from tiered
    left outer join health_months
        on
            tiered.account_id = health_months.account_id
            and tiered.month_start = health_months.month_start
),

final as (
    select
        ---------- keys
        account_id,
        month_start,
        is_month_complete,

        ---------- revenue
        mrr,
        cast(12 * mrr as {{ money }}) as arr,
        cast(
            case when movement_type = 'new' then mrr else 0 end as {{ money }}
        ) as new_mrr,
        cast(
            case when movement_type = 'reactivation' then mrr else 0 end
            as {{ money }}
        ) as reactivation_mrr,
        cast(
            case
                when movement_type = 'expansion' then mrr - prev_mrr_cc
                else 0
            end as {{ money }}
        ) as expansion_mrr,
        cast(
            case
                when movement_type = 'contraction' then mrr - prev_mrr_cc
                else 0
            end as {{ money }}
        ) as contraction_mrr,
        cast(
            case when movement_type = 'churn' then -prev_mrr_cc else 0 end
            as {{ money }}
        ) as churned_mrr,
        cast(prev_mrr_cc - prev_mrr as {{ money }}) as fx_impact_mrr,
        movement_type,
        mrr > 0 as is_active,
        cohort_month,
        tenure_months,

        ---------- segment
        tier,
        case tier
            when 'enterprise' then 'high_touch'
            when 'mid_market' then 'mid_touch'
            when 'smb' then 'tech_touch'
        end as service_model,

        ---------- usage
        cast(seats as {{ dbt.type_int() }}) as seats,
        cast(active_users as {{ dbt.type_int() }}) as active_users,
        cast(active_days as {{ dbt.type_int() }}) as active_days,
        cast(event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(core_features_used as {{ dbt.type_int() }}) as core_features_used,

        ---------- health (null on months without MRR)
        cast(utilization_score as {{ score }}) as utilization_score,
        cast(usage_trend_score as {{ score }}) as usage_trend_score,
        cast(feature_breadth_score as {{ score }}) as feature_breadth_score,
        cast(payment_score as {{ score }}) as payment_score,
        cast(nps_score as {{ score }}) as nps_score,
        cast(support_score as {{ score }}) as support_score,
        cast(outcome_score as {{ score }}) as outcome_score,
        cast(experience_score as {{ score }}) as experience_score,
        cast(health_score as {{ score }}) as health_score,
        cast(health_status as {{ dbt.type_string() }}) as health_status,
        cast(health_change_3m as {{ score }}) as health_change_3m,
        cast(
            value_health_quadrant as {{ dbt.type_string() }}
        ) as value_health_quadrant,

        ---------- lifecycle and commitments
        cast(lifecycle_stage as {{ dbt.type_string() }}) as lifecycle_stage,
        cast(next_renewal_at as {{ dbt.type_timestamp() }}) as next_renewal_at,
        cast(cmrr as {{ money }}) as cmrr
    from with_health
)

select * from final
