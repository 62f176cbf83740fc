{#-
    MRR in total per month, from the three marts that hold it, as the
    quality report shows it and the test assert_mrr_bridge_identity_holds
    lists the months that break it: Σ mrr of fct_account_months (and how
    many account-months), ending_mrr of fct_mrr_bridge_monthly and mrr of
    fct_revenue_recognition_monthly. One row per month of any of them.
      difference    = the largest of the three - the smallest (of those
                      present)
      is_reconciled = all three present
                      and difference <= reconciliation_tolerance
-#}
{%- set money = cs_metrics.type_money() -%}
{%- set tolerance = cs_metrics.setting_sql('reconciliation_tolerance') -%}

with

account_months as (
    select * from {{ ref('fct_account_months') }}
),

bridge as (
    select * from {{ ref('fct_mrr_bridge_monthly') }}
),

revenue_recognition as (
    select * from {{ ref('fct_revenue_recognition_monthly') }}
),

account_totals as (
    select
        month_start,
        count(*) as account_months,
        sum(mrr) as account_mrr
    from account_months
    group by month_start
),

months as (
    select month_start from account_totals
    union
    select month_start from bridge
    union
    select month_start from revenue_recognition
),

joined as (
    select
        months.month_start,
        account_totals.account_months,
        account_totals.account_mrr,
        bridge.ending_mrr,
        revenue_recognition.mrr as revenue_recognition_mrr
    from months
    left outer join account_totals
        on months.month_start = account_totals.month_start
    left outer join bridge
        on months.month_start = bridge.month_start
    left outer join revenue_recognition
        on months.month_start = revenue_recognition.month_start
),

-- a missing figure takes another's value, so greatest and least compare
-- the figures present on every engine (null handling differs)
spread as (
    select
        *,
        greatest(
            coalesce(account_mrr, ending_mrr, revenue_recognition_mrr),
            coalesce(ending_mrr, account_mrr, revenue_recognition_mrr),
            coalesce(revenue_recognition_mrr, account_mrr, ending_mrr)
        )
        - least(
            coalesce(account_mrr, ending_mrr, revenue_recognition_mrr),
            coalesce(ending_mrr, account_mrr, revenue_recognition_mrr),
            coalesce(revenue_recognition_mrr, account_mrr, ending_mrr)
        ) as difference
    from joined
),

final as (
    select
        ---------- keys
        month_start,

        ---------- numerics
        cast(account_months as {{ dbt.type_bigint() }}) as account_months,
        cast(account_mrr as {{ money }}) as account_mrr,
        cast(ending_mrr as {{ money }}) as ending_mrr,
        cast(
            revenue_recognition_mrr as {{ money }}
        ) as revenue_recognition_mrr,
        cast(difference as {{ money }}) as difference,

        ---------- booleans: the verdict
        coalesce(
            account_mrr is not null
            and ending_mrr is not null
            and revenue_recognition_mrr is not null
            and difference <= {{ tolerance }},
            false
        ) as is_reconciled
    from spread
)

select * from final
