{#-
    The account-month backbone: one row per account and month from the
    account's cohort_month (its first month with mrr > 0) through the
    as-of month, months without MRR included (churn and reactivation need a
    row to live on). Every account-month model joins here for t(M)
    (snapshot_at), completeness, tenure and MRR instead of re-deriving them.
      mrr                 = sum of the account's counted item versions at
                            rate(M), summed once here (all currencies)
      prev_mrr_cc         = last month's local MRR at this month's rates
                            (constant currency: movements are classified
                            against it)
      prev_mrr            = last month's MRR as reported (at M - 1's rates)
      year_ago_mrr_cc     = MRR of M - 12 at this month's rates (the base of
                            trailing-twelve-month retention)
      cohort_start_mrr_cc = MRR of the cohort month at this month's rates
                            (the base of cohort revenue retention)
    A reference month in a currency without a rate for M leaves the value
    null (caught by not_null tests; int_fx_rates_monthly fails first).
-#}
{%- set money = cs_metrics.type_money() -%}

with

counted_items as (
    select * from {{ ref('int_subscription_items_counted_monthly') }}
),

months as (
    select * from {{ ref('int_months_spined') }}
),

currency_months as (
    select
        account_id,
        month_start,
        currency,
        sum(mrr_local) as mrr_local,
        sum(mrr) as mrr
    from counted_items
    group by
        account_id,
        month_start,
        currency
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

spine as (
    select
        cohorts.account_id,
        months.month_start,
        months.month_end_date,
        months.snapshot_at,
        months.is_month_complete,
        cohorts.cohort_month,
        {{ dbt.datediff(
            'cohorts.cohort_month', 'months.month_start', 'month'
        ) }} as tenure_months
    from cohorts
    inner join months
        on cohorts.cohort_month <= months.month_start
),

-- the reference months whose local MRR is re-priced at M's rates
references_unpivoted as (
    select
        account_id,
        month_start,
        'previous' as reference,
        {{ cs_metrics.add_months('month_start', -1) }} as reference_month_start
    from spine

    union all

    select
        account_id,
        month_start,
        'year_ago' as reference,
        {{ cs_metrics.add_months('month_start', -12) }}
            as reference_month_start
    from spine

    union all

    select
        account_id,
        month_start,
        'cohort_start' as reference,
        cohort_month as reference_month_start
    from spine
),

rebased as (
    select
        references_unpivoted.account_id,
        references_unpivoted.month_start,
        references_unpivoted.reference,
        -- exact: summed over currencies, rounded once (like mrr)
        case
            when count(*) = count(fx_rates.rate_to_reporting)
                then sum(
                    currency_months.mrr_local * fx_rates.rate_to_reporting
                )
        end as mrr_cc
    from references_unpivoted
    inner join currency_months
        on
            references_unpivoted.account_id = currency_months.account_id
            and references_unpivoted.reference_month_start
            = currency_months.month_start
    {{ cs_metrics.join_fx_rates(
        'references_unpivoted.month_start', 'currency_months.currency'
    ) }}
    group by
        references_unpivoted.account_id,
        references_unpivoted.month_start,
        references_unpivoted.reference
),

joined as (
    select
        spine.*,
        coalesce(account_mrr.mrr, 0) as mrr_exact,
        coalesce(
            lag(account_mrr.mrr) over (
                partition by spine.account_id
                order by spine.month_start
            ),
            0
        ) as prev_mrr_exact,
        -- no row: no MRR in the reference month (0); null: a missing rate
        case
            when previous.account_id is null then 0 else previous.mrr_cc
        end as prev_mrr_cc_exact,
        case
            when year_ago.account_id is null then 0 else year_ago.mrr_cc
        end as year_ago_mrr_cc,
        case
            when cohort_start.account_id is null then 0
            else cohort_start.mrr_cc
        end as cohort_start_mrr_cc
    from spine
    left outer join account_mrr
        on
            spine.account_id = account_mrr.account_id
            and spine.month_start = account_mrr.month_start
    left outer join rebased as previous
        on
            spine.account_id = previous.account_id
            and spine.month_start = previous.month_start
            and previous.reference = 'previous'
    left outer join rebased as year_ago
        on
            spine.account_id = year_ago.account_id
            and spine.month_start = year_ago.month_start
            and year_ago.reference = 'year_ago'
    left outer join rebased as cohort_start
        on
            spine.account_id = cohort_start.account_id
            and spine.month_start = cohort_start.month_start
            and cohort_start.reference = 'cohort_start'
),

final as (
    select
        ---------- keys
        account_id,
        month_start,

        ---------- numerics
        cast(tenure_months as {{ dbt.type_int() }}) as tenure_months,
        -- exact sums over items and currencies, rounded once
        cast(mrr_exact as {{ money }}) as mrr,
        cast(prev_mrr_cc_exact as {{ money }}) as prev_mrr_cc,
        cast(prev_mrr_exact as {{ money }}) as prev_mrr,
        cast(year_ago_mrr_cc as {{ money }}) as year_ago_mrr_cc,
        cast(cohort_start_mrr_cc as {{ money }}) as cohort_start_mrr_cc,

        ---------- booleans
        is_month_complete,

        ---------- dates
        cohort_month,
        month_end_date,

        ---------- timestamps
        snapshot_at
    from joined
)

select * from final
