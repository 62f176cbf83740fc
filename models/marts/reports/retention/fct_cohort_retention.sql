{#-
    Cohort retention curves: per cohort_month (an account's first month with
    MRR) and k = months since then, through the last complete month.
    revenue_retention compares the cohort's MRR at cohort_month + k with its
    first-month local MRR re-converted at the same month's rates, so both
    ends use the rates of month cohort_month + k.
    Incremental by month (doc block month_window): a run writes the rows of
    the months of its window only.
-#}
{{ config(**cs_metrics.month_window_config()) }}
{%- set window_start = cs_metrics.month_window() -%}
{%- set money = cs_metrics.type_money() -%}
{%- set ratio = cs_metrics.type_ratio() -%}
{%- set count_type = dbt.type_bigint() -%}

with

account_months as (
    select * from {{ ref('fct_account_months') }}
),

-- every account has a row in every month from its cohort month on
cohort_months as (
    select
        account_months.cohort_month,
        account_months.month_start,
        count(*) as cohort_customers,
        sum(
            case when account_months.mrr > 0 then 1 else 0 end
        ) as retained_customers,
        sum(account_months.cohort_start_mrr_cc) as cohort_starting_mrr,
        sum(account_months.mrr) as cohort_mrr
    from account_months
    where
        account_months.is_month_complete
        and {{ cs_metrics.in_month_window(
            'account_months.month_start', window_start
        ) }}
    group by
        account_months.cohort_month,
        account_months.month_start
),

final as (
    select
        ---------- keys
        cohort_month,
        cast(
            {{ dbt.datediff('cohort_month', 'month_start', 'month') }}
            as {{ dbt.type_int() }}
        ) as months_since_start,
        month_start,

        ---------- customers
        cast(cohort_customers as {{ count_type }}) as cohort_customers,
        cast(retained_customers as {{ count_type }}) as retained_customers,
        -- cast before dividing
        cast(
            cast(retained_customers as {{ money }})
            / nullif(cast(cohort_customers as {{ money }}), 0)
            as {{ ratio }}
        ) as logo_retention,

        ---------- revenue (both ends at the rates of month_start)
        cast(cohort_starting_mrr as {{ money }}) as cohort_starting_mrr,
        cast(cohort_mrr as {{ money }}) as cohort_mrr,
        cast(
            cohort_mrr / nullif(cohort_starting_mrr, 0) as {{ ratio }}
        ) as revenue_retention
    from cohort_months
)

select * from final
