{#-
    The MRR bridge: one row per month from the first month with MRR through
    the as-of month. Each month starts where the previous one ended and
    every change is one movement (doc block revenue_movements), so
      ending_mrr = starting_mrr + new + reactivation + expansion
                   + contraction + churned + fx_impact.
    Incremental by month (doc block month_window): a run writes the months
    of its window, reading the account-months from the month before it.
-#}
{{ config(**cs_metrics.month_window_config()) }}
{%- set window_start = cs_metrics.month_window() -%}
{%- set money = cs_metrics.type_money() -%}

with

account_months as (
    select * from {{ ref('fct_account_months') }}
    where month_start >= {{ cs_metrics.month_literal(window_start, -1) }}
),

monthly as (
    select
        month_start,
        is_month_complete,
        sum(mrr) as ending_mrr,
        sum(case when is_active then 1 else 0 end) as ending_customers,
        {{ cs_metrics.movement_sums() }}
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
),

written as (
    select * from final
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
)

select * from written
