{#-
    The MRR bridge: one row per month from the first month with MRR through
    the as-of month. Each month starts where the previous one ended and
    every change is one movement (metrics.md), so
      ending_mrr = starting_mrr + new + reactivation + expansion
                   + contraction + churned + fx_impact.
-#}
{%- set money = cs_metrics.type_money() -%}

with

account_months as (
    select * from {{ ref('fct_account_months') }}
),

monthly as (
    select
        month_start,
        is_month_complete,
        sum(new_mrr) as new_mrr,
        sum(reactivation_mrr) as reactivation_mrr,
        sum(expansion_mrr) as expansion_mrr,
        sum(contraction_mrr) as contraction_mrr,
        sum(churned_mrr) as churned_mrr,
        sum(voluntary_churned_mrr) as voluntary_churned_mrr,
        sum(involuntary_churned_mrr) as involuntary_churned_mrr,
        sum(fx_impact_mrr) as fx_impact_mrr,
        sum(mrr) as ending_mrr,
        sum(case when movement_type = 'new' then 1 else 0 end) as new_customers,
        sum(
            case when movement_type = 'reactivation' then 1 else 0 end
        ) as reactivated_customers,
        sum(
            case when movement_type = 'churn' then 1 else 0 end
        ) as churned_customers,
        sum(
            case when churn_type = 'voluntary' then 1 else 0 end
        ) as voluntary_churned_customers,
        sum(
            case when churn_type = 'involuntary' then 1 else 0 end
        ) as involuntary_churned_customers,
        sum(case when is_active then 1 else 0 end) as ending_customers
    from account_months
    group by
        month_start,
        is_month_complete
),

final as (
    select
        month_start,
        is_month_complete,
        cast(
            coalesce(
                lag(ending_mrr) over (order by month_start), 0
            ) as {{ money }}
        ) as starting_mrr,
        cast(new_mrr as {{ money }}) as new_mrr,
        cast(reactivation_mrr as {{ money }}) as reactivation_mrr,
        cast(expansion_mrr as {{ money }}) as expansion_mrr,
        cast(contraction_mrr as {{ money }}) as contraction_mrr,
        cast(churned_mrr as {{ money }}) as churned_mrr,
        cast(fx_impact_mrr as {{ money }}) as fx_impact_mrr,
        cast(ending_mrr as {{ money }}) as ending_mrr,
        cast(
            coalesce(
                lag(ending_customers) over (order by month_start), 0
            ) as {{ dbt.type_int() }}
        ) as starting_customers,
        cast(new_customers as {{ dbt.type_int() }}) as new_customers,
        cast(
            reactivated_customers as {{ dbt.type_int() }}
        ) as reactivated_customers,
        cast(churned_customers as {{ dbt.type_int() }}) as churned_customers,
        cast(ending_customers as {{ dbt.type_int() }}) as ending_customers,
        cast(voluntary_churned_mrr as {{ money }}) as voluntary_churned_mrr,
        cast(involuntary_churned_mrr as {{ money }}) as involuntary_churned_mrr,
        cast(
            voluntary_churned_customers as {{ dbt.type_int() }}
        ) as voluntary_churned_customers,
        cast(
            involuntary_churned_customers as {{ dbt.type_int() }}
        ) as involuntary_churned_customers
    from monthly
)

select * from final
