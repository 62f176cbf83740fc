{#-
    Acquisition quality per acquisition channel (current CRM value,
    'unknown' when empty) and cohort year (the year of the account's
    cohort_month, its first month with mrr > 0).
    12-month figures use the eligible accounts only: cohort_month + 12
    months on or before the latest complete month L.
      logo_retention_12m = eligible accounts active at cohort_month + 12
                           / eligible accounts
      nrr_12m            = sum mrr(cohort_month + 12) / sum mrr(cohort_month)
    Both mrr ends are as reported (each month at its own exchange rates;
    not constant currency). current_average_health_score is the plain mean
    over the accounts active in the as-of month that have a score.
-#}
{%- set money = cs_metrics.type_money() -%}
{%- set ratio = cs_metrics.type_ratio() -%}

with

accounts as (
    select * from {{ ref('dim_accounts') }}
    where cohort_month is not null
),

account_months as (
    select * from {{ ref('fct_account_months') }}
),

cohorted as (
    select
        accounts.account_id,
        coalesce(accounts.acquisition_channel, 'unknown')
            as acquisition_channel,
        cast(
            extract(year from accounts.cohort_month) as {{ dbt.type_int() }}
        ) as cohort_year,
        accounts.current_mrr > 0 as is_currently_active,
        accounts.current_health_score,
        coalesce(
            {{ cs_metrics.add_months('accounts.cohort_month', 12) }}
            <= {{ cs_metrics.latest_complete_month() }},
            false
        ) as is_eligible_12m,
        {{ cs_metrics.add_months('accounts.cohort_month', 12) }}
            as month_12_start,
        accounts.cohort_month
    from accounts
),

measured as (
    select
        cohorted.*,
        coalesce(first_month.mrr, 0) as cohort_month_mrr,
        coalesce(month_12.mrr, 0) as month_12_mrr,
        coalesce(month_12.is_active, false) as is_active_month_12
    from cohorted
    left outer join account_months as first_month
        on
            cohorted.account_id = first_month.account_id
            and cohorted.cohort_month = first_month.month_start
    left outer join account_months as month_12
        on
            cohorted.account_id = month_12.account_id
            and cohorted.month_12_start = month_12.month_start
),

summed as (
    select
        acquisition_channel,
        cohort_year,
        count(*) as logos,
        count(case when is_eligible_12m then 1 end) as logos_eligible_12m,
        count(
            case when is_eligible_12m and is_active_month_12 then 1 end
        ) as logos_retained_12m,
        sum(
            case when is_eligible_12m then cohort_month_mrr else 0 end
        ) as cohort_month_mrr_12m,
        sum(
            case when is_eligible_12m then month_12_mrr else 0 end
        ) as month_12_mrr,
        count(case when is_currently_active then 1 end) as current_logos,
        avg(
            case when is_currently_active then current_health_score end
        ) as current_average_health_score
    from measured
    group by
        acquisition_channel,
        cohort_year
),

final as (
    select
        ---------- keys
        acquisition_channel,
        cohort_year,

        ---------- numerics
        cast(logos as {{ dbt.type_bigint() }}) as logos,
        cast(
            logos_eligible_12m as {{ dbt.type_bigint() }}
        ) as logos_eligible_12m,
        cast(
            logos_retained_12m as {{ dbt.type_bigint() }}
        ) as logos_retained_12m,
        cast(
            cast(logos_retained_12m as {{ money }})
            / nullif(cast(logos_eligible_12m as {{ money }}), 0)
            as {{ ratio }}
        ) as logo_retention_12m,
        cast(cohort_month_mrr_12m as {{ money }}) as cohort_month_mrr_12m,
        cast(month_12_mrr as {{ money }}) as month_12_mrr,
        cast(
            month_12_mrr / nullif(cohort_month_mrr_12m, 0) as {{ ratio }}
        ) as nrr_12m,
        cast(current_logos as {{ dbt.type_bigint() }}) as current_logos,
        cast(
            current_average_health_score as {{ cs_metrics.type_score() }}
        ) as current_average_health_score
    from summed
)

select * from final
