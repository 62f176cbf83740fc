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
    Incremental by month (doc block month_window): a run writes the months
    of its window and reads the counted items from 12 months before it (the
    year-ago base) and of each account's cohort month; the cohort month of
    an account that had MRR before the window is the one stored.
-#}
{{ config(**cs_metrics.month_window_config()) }}
{%- set money = cs_metrics.type_money() -%}
{%- set window_start = cs_metrics.month_window() %}

with

all_counted_items as (
    select * from {{ ref('int_subscription_items_counted_monthly') }}
),

counted_items as (
    select * from all_counted_items
    where month_start >= {{ cs_metrics.month_literal(window_start, -12) }}
),

months as (
    select * from {{ ref('int_months_spined') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
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

-- the first month with MRR: stored for accounts that had MRR before the
-- window (their months before it do not change), else found in the window
{%- if is_incremental() %}
stored_cohorts as (
    select
        account_id,
        cohort_month
    from {{ this }}
    where month_start = {{ cs_metrics.month_literal(window_start, -1) }}
),
{%- endif %}

cohorts as (
    {%- if is_incremental() %}
    select
        account_id,
        cohort_month
    from stored_cohorts

    union all
    {%- endif %}

    select
        account_mrr.account_id,
        min(account_mrr.month_start) as cohort_month
    from
        account_mrr
    {%- if is_incremental() %}
left outer join stored_cohorts
    on account_mrr.account_id = stored_cohorts.account_id
    {%- endif %}
    where
        account_mrr.mrr > 0
        and {{ cs_metrics.in_month_window(
            'account_mrr.month_start', window_start
        ) }}
        {%- if is_incremental() %}
        and stored_cohorts.account_id is null
        {%- endif %}
    group by account_mrr.account_id
),

-- the local MRR of the months the references below read: those read above
-- and each account's cohort month before them (the cohort base)
reference_currency_months as (
    select
        account_id,
        month_start,
        currency,
        mrr_local
    from currency_months

    union all

    select
        all_counted_items.account_id,
        all_counted_items.month_start,
        all_counted_items.currency,
        sum(all_counted_items.mrr_local) as mrr_local
    from all_counted_items
    inner join cohorts
        on
            all_counted_items.account_id = cohorts.account_id
            and all_counted_items.month_start = cohorts.cohort_month
    where
        all_counted_items.month_start
        < {{ cs_metrics.month_literal(window_start, -12) }}
    group by
        all_counted_items.account_id,
        all_counted_items.month_start,
        all_counted_items.currency
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
                    reference_currency_months.mrr_local
                    * fx_rates.rate_to_reporting
                )
        end as mrr_cc
    from references_unpivoted
    inner join reference_currency_months
        on
            references_unpivoted.account_id
            = reference_currency_months.account_id
            and references_unpivoted.reference_month_start
            = reference_currency_months.month_start
    {{ cs_metrics.join_fx_rates(
        'references_unpivoted.month_start',
        'reference_currency_months.currency',
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
        coalesce(previous_mrr.mrr, 0) as prev_mrr_exact,
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
    left outer join account_mrr as previous_mrr
        on
            spine.account_id = previous_mrr.account_id
            and {{ cs_metrics.add_months('spine.month_start', -1) }}
            = previous_mrr.month_start
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
