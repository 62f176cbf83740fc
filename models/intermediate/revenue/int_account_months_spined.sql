{#-
    One row per account and month from the account's cohort_month (its
    first month with mrr > 0) through the as-of month. Months without MRR
    stay in the spine, so churn and reactivation have a row to live on.
-#}
with

currency_months as (
    select * from {{ ref('int_account_currency_months_summed') }}
),

months as (
    select * from {{ ref('int_months_spined') }}
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

cohorts as (
    select
        account_id,
        min(month_start) as cohort_month
    from account_mrr
    where mrr > 0
    group by account_id
),

final as (
    select
        ---------- keys
        cohorts.account_id,
        months.month_start,

        ---------- numerics
        cast(
            {{ dbt.datediff(
                'cohorts.cohort_month', 'months.month_start', 'month'
            ) }} as {{ dbt.type_int() }}
        ) as tenure_months,

        ---------- booleans
        months.is_month_complete,

        ---------- dates
        cohorts.cohort_month
    from cohorts
    inner join months
        on cohorts.cohort_month <= months.month_start
)

select * from final
