{#-
    Local-currency MRR of two reference months re-priced at month M's rates
    (constant currency), per account and month M:
    - year_ago_mrr_cc: the MRR of M−12, the base of trailing-twelve-month
      retention;
    - cohort_start_mrr_cc: the MRR of the account's cohort month, the base of
      cohort revenue retention.
    A reference month's currency without a rate for M makes the value null
    (caught by a not_null test) instead of silently dropping that revenue.
-#}

with

account_months as (
    select * from {{ ref('int_account_months_spined') }}
),

currency_months as (
    select * from {{ ref('int_account_currency_months_summed') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_monthly') }}
),

reference_months as (
    select
        account_id,
        month_start,
        cohort_month,
        {{ cs_metrics.add_months('month_start', -12) }} as year_ago_month_start
    from account_months
),

references_unpivoted as (
    select
        account_id,
        month_start,
        'year_ago' as reference,
        year_ago_month_start as reference_month_start
    from reference_months

    union all

    select
        account_id,
        month_start,
        'cohort_start' as reference,
        cohort_month as reference_month_start
    from reference_months
),

rebased as (
    select
        references_unpivoted.account_id,
        references_unpivoted.month_start,
        references_unpivoted.reference,
        -- rounded per currency like the MRR of fct_account_months, so
        -- the cohort month's own value equals its MRR to the last digit
        case
            when count(*) = count(fx_rates.rate_to_reporting)
                then sum(
                    cast(
                        currency_months.mrr_local * fx_rates.rate_to_reporting
                        as {{ dbt.type_numeric() }}
                    )
                )
        end as mrr_cc
    from references_unpivoted
    inner join currency_months
        on
            references_unpivoted.account_id = currency_months.account_id
            and references_unpivoted.reference_month_start
            = currency_months.month_start
    left outer join fx_rates
        on
            references_unpivoted.month_start = fx_rates.month_start
            and currency_months.currency = fx_rates.currency
    group by
        references_unpivoted.account_id,
        references_unpivoted.month_start,
        references_unpivoted.reference
),

final as (
    select
        reference_months.account_id,
        -- no row: no MRR in the reference month (0); a null sum: missing rate
        case
            when year_ago.account_id is null then 0 else year_ago.mrr_cc
        end as year_ago_mrr_cc,
        case
            when cohort_start.account_id is null then 0
            else cohort_start.mrr_cc
        end as cohort_start_mrr_cc,
        reference_months.month_start,
        reference_months.year_ago_month_start,
        reference_months.cohort_month
    from reference_months
    left outer join rebased as year_ago
        on
            reference_months.account_id = year_ago.account_id
            and reference_months.month_start = year_ago.month_start
            and year_ago.reference = 'year_ago'
    left outer join rebased as cohort_start
        on
            reference_months.account_id = cohort_start.account_id
            and reference_months.month_start = cohort_start.month_start
            and cohort_start.reference = 'cohort_start'
)

select * from final
