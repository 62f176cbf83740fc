{#-
    Each account-month's MRR movement and segment (metrics.md "MRR
    movements" and "Segment tiers and service models"), from the backbone.
    Movements compare this month's MRR with last month's local MRR at this
    month's rates (prev_mrr_cc, constant currency), so a rate move alone is
    never expansion or contraction; it is fx_impact = prev_mrr_cc - prev_mrr.
    The tier follows ARR = 12 x MRR; a month without MRR keeps the tier of
    the account's last month with MRR.
-#}
{%- set money = cs_metrics.type_money() -%}

with

account_months as (
    select * from {{ ref('int_account_months_spined') }}
),

classified as (
    select
        account_id,
        month_start,
        mrr,
        prev_mrr_cc,
        prev_mrr,
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
            when
                {{ cs_metrics.mrr_to_arr('mrr') }}
                >= {{ var('tier_enterprise_min_arr') }}
                then 'enterprise'
            when
                {{ cs_metrics.mrr_to_arr('mrr') }}
                >= {{ var('tier_mid_market_min_arr') }}
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
    from account_months
),

tiered as (
    select
        *,
        max(active_tier) over (
            partition by account_id, active_run
        ) as tier
    from classified
),

final as (
    select
        ---------- keys
        account_id,
        month_start,

        ---------- strings
        movement_type,
        tier,
        case tier
            when 'enterprise' then 'high_touch'
            when 'mid_market' then 'mid_touch'
            when 'smb' then 'tech_touch'
        end as service_model,

        ---------- numerics
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

        ---------- booleans
        mrr > 0 as is_active
    from tiered
)

select * from final
