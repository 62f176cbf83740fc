{#-
    Retention and churn per complete month, overall and per segment
    (doc blocks retention_segment_attribution and retention_ttm).
    Each account-month is counted in up to three segments:
    - at the end of M: active_customers and ending_mrr;
    - at the end of M-1 (new and reactivated accounts: at the end of M): the
      month's movements, churned customers and the logo-churn denominator;
    - at the end of M-12: the trailing-twelve-month cohort.
    Ratios are ratios of sums, null when the denominator is 0.
    Segments: int_account_months_segmented (doc block
    account_month_segments).
    Incremental by month (doc block month_window; scope crm: segments by
    today's CRM values): a run writes the months of its window only; each
    account-month row carries its year-ago base and segments.
-#}
{{ config(**cs_metrics.month_window_config('crm')) }}
{%- set window_start = cs_metrics.month_window('crm') -%}
{%- set money = cs_metrics.type_money() -%}
{%- set ratio = cs_metrics.type_ratio() -%}
{%- set count_type = dbt.type_bigint() -%}

with

account_months as (
    select * from {{ ref('fct_account_months') }}
),

segments as (
    select * from {{ ref('int_account_months_segmented') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

-- TTM figures need M-12 on or after the first month with any MRR
data_start as (
    select min(month_start) as first_month_start
    from account_months
    where mrr > 0
),

account_month_changes as (
    select
        current_month.account_id,
        current_month.month_start,
        current_month.movement_type,
        current_month.mrr,
        -- prev_cc: last month's local MRR at this month's rates
        current_month.prev_mrr_cc as starting_mrr_cc,
        current_month.new_mrr,
        current_month.reactivation_mrr,
        current_month.expansion_mrr,
        current_month.contraction_mrr,
        current_month.churned_mrr,
        current_month.voluntary_churned_mrr,
        current_month.involuntary_churned_mrr,
        current_month.churn_type,
        current_month.fx_impact_mrr,
        current_month.year_ago_mrr_cc,
        -- active at the end of M-1 (rates are positive)
        current_month.prev_mrr_cc > 0 as was_active,
        current_month.mrr > 0 as is_active
    from account_months as current_month
    where
        current_month.is_month_complete
        and {{ cs_metrics.in_month_window(
            'current_month.month_start', window_start
        ) }}
),

-- each account-month once per segment type, with its segment at the end of
-- M, where its movements count (M - 1, or M for new and reactivated
-- accounts) and at M - 12 (int_account_months_segmented)
attributed as (
    select
        account_month_changes.*,
        segments.segment_type,
        segments.ending_segment_value,
        segments.movement_segment_value,
        segments.year_ago_segment_value as ttm_segment_value
    from account_month_changes
    inner join segments
        on
            account_month_changes.account_id = segments.account_id
            and account_month_changes.month_start = segments.month_start
),

ending_by_segment as (
    select
        month_start,
        segment_type,
        ending_segment_value as segment_value,
        count(*) as active_customers,
        sum(mrr) as ending_mrr
    from attributed
    where is_active
    group by
        month_start,
        segment_type,
        ending_segment_value
),

movements_by_segment as (
    select
        month_start,
        segment_type,
        movement_segment_value as segment_value,
        sum(case when was_active then 1 else 0 end) as starting_customers,
        sum(starting_mrr_cc) as starting_mrr_cc,
        {{ cs_metrics.movement_sums() }}
    from attributed
    where was_active or is_active
    group by
        month_start,
        segment_type,
        movement_segment_value
),

ttm_by_segment as (
    select
        month_start,
        segment_type,
        ttm_segment_value as segment_value,
        count(*) as cohort_customers,
        sum(case when is_active then 1 else 0 end) as retained_customers,
        sum(year_ago_mrr_cc) as base_mrr,
        sum(mrr) as current_mrr,
        -- each account is capped at its base: expansion cannot hide losses
        sum(
            case when mrr < year_ago_mrr_cc then mrr else year_ago_mrr_cc end
        ) as capped_mrr
    from attributed
    where year_ago_mrr_cc > 0
    group by
        month_start,
        segment_type,
        ttm_segment_value
),

-- every month has an 'all' row; other segments when anything counts there
segment_months as (
    select
        month_start,
        'all' as segment_type,
        'all' as segment_value
    from account_month_changes

    union

    select
        month_start,
        segment_type,
        segment_value
    from ending_by_segment

    union

    select
        month_start,
        segment_type,
        segment_value
    from movements_by_segment

    union

    select
        month_start,
        segment_type,
        segment_value
    from ttm_by_segment
),

combined as (
    select
        segment_months.month_start,
        segment_months.segment_type,
        segment_months.segment_value,
        coalesce(ending.active_customers, 0) as active_customers,
        coalesce(movements.starting_customers, 0) as starting_customers,
        coalesce(movements.new_customers, 0) as new_customers,
        coalesce(movements.reactivated_customers, 0) as reactivated_customers,
        coalesce(movements.churned_customers, 0) as churned_customers,
        coalesce(movements.starting_mrr_cc, 0) as starting_mrr_cc,
        coalesce(movements.new_mrr, 0) as new_mrr,
        coalesce(movements.reactivation_mrr, 0) as reactivation_mrr,
        coalesce(movements.expansion_mrr, 0) as expansion_mrr,
        coalesce(movements.contraction_mrr, 0) as contraction_mrr,
        coalesce(movements.churned_mrr, 0) as churned_mrr,
        coalesce(movements.voluntary_churned_customers, 0)
            as voluntary_churned_customers,
        coalesce(movements.involuntary_churned_customers, 0)
            as involuntary_churned_customers,
        coalesce(movements.voluntary_churned_mrr, 0) as voluntary_churned_mrr,
        coalesce(movements.involuntary_churned_mrr, 0)
            as involuntary_churned_mrr,
        coalesce(movements.fx_impact_mrr, 0) as fx_impact_mrr,
        coalesce(ending.ending_mrr, 0) as ending_mrr,
        coalesce(ttm.cohort_customers, 0) as cohort_customers_ttm,
        coalesce(ttm.retained_customers, 0) as retained_customers_ttm,
        coalesce(ttm.base_mrr, 0) as cohort_base_mrr_ttm,
        coalesce(ttm.current_mrr, 0) as cohort_mrr_ttm,
        coalesce(ttm.capped_mrr, 0) as cohort_capped_mrr_ttm,
        {{ cs_metrics.add_months('segment_months.month_start', -12) }}
        >= data_start.first_month_start as has_ttm
    from segment_months
    cross join data_start
    left outer join ending_by_segment as ending
        on
            segment_months.month_start = ending.month_start
            and segment_months.segment_type = ending.segment_type
            and segment_months.segment_value = ending.segment_value
    left outer join movements_by_segment as movements
        on
            segment_months.month_start = movements.month_start
            and segment_months.segment_type = movements.segment_type
            and segment_months.segment_value = movements.segment_value
    left outer join ttm_by_segment as ttm
        on
            segment_months.month_start = ttm.month_start
            and segment_months.segment_type = ttm.segment_type
            and segment_months.segment_value = ttm.segment_value
),

-- cast before dividing; nullif turns a zero denominator into a null ratio
rates as (
    select
        *,
        cast(churned_customers as {{ money }})
        / nullif(cast(starting_customers as {{ money }}), 0) as logo_churn_rate,
        -(churned_mrr + contraction_mrr)
        / nullif(starting_mrr_cc, 0) as gross_mrr_churn_rate,
        -(churned_mrr + contraction_mrr + expansion_mrr + reactivation_mrr)
        / nullif(starting_mrr_cc, 0) as net_mrr_churn_rate,
        (starting_mrr_cc + expansion_mrr + contraction_mrr + churned_mrr)
        / nullif(starting_mrr_cc, 0) as monthly_nrr,
        (starting_mrr_cc + contraction_mrr + churned_mrr)
        / nullif(starting_mrr_cc, 0) as monthly_grr,
        cohort_mrr_ttm / nullif(cohort_base_mrr_ttm, 0) as nrr_ttm,
        cohort_capped_mrr_ttm / nullif(cohort_base_mrr_ttm, 0) as grr_ttm,
        cast(retained_customers_ttm as {{ money }})
        / nullif(
            cast(cohort_customers_ttm as {{ money }}), 0
        ) as logo_retention_ttm
    from combined
),

final as (
    select
        ---------- keys
        month_start,
        segment_type,
        segment_value,

        ---------- monthly customers and MRR churn
        cast(active_customers as {{ count_type }}) as active_customers,
        cast(churned_customers as {{ count_type }}) as churned_customers,
        cast(logo_churn_rate as {{ ratio }}) as logo_churn_rate,
        cast(starting_mrr_cc as {{ money }}) as starting_mrr_cc,
        cast(gross_mrr_churn_rate as {{ ratio }}) as gross_mrr_churn_rate,
        cast(net_mrr_churn_rate as {{ ratio }}) as net_mrr_churn_rate,
        cast(monthly_nrr as {{ ratio }}) as monthly_nrr,
        cast(monthly_grr as {{ ratio }}) as monthly_grr,

        ---------- trailing twelve months (null before the data allows)
        case
            when has_ttm then cast(cohort_customers_ttm as {{ count_type }})
        end as cohort_customers_ttm,
        case
            when has_ttm then cast(cohort_base_mrr_ttm as {{ money }})
        end as cohort_base_mrr_ttm,
        case when has_ttm then cast(nrr_ttm as {{ ratio }}) end as nrr_ttm,
        case when has_ttm then cast(grr_ttm as {{ ratio }}) end as grr_ttm,
        case
            when has_ttm then cast(logo_retention_ttm as {{ ratio }})
        end as logo_retention_ttm,

        ---------- more detail
        cast(starting_customers as {{ count_type }}) as starting_customers,
        cast(new_customers as {{ count_type }}) as new_customers,
        cast(
            reactivated_customers as {{ count_type }}
        ) as reactivated_customers,
        cast(new_mrr as {{ money }}) as new_mrr,
        cast(reactivation_mrr as {{ money }}) as reactivation_mrr,
        cast(expansion_mrr as {{ money }}) as expansion_mrr,
        cast(contraction_mrr as {{ money }}) as contraction_mrr,
        cast(churned_mrr as {{ money }}) as churned_mrr,
        cast(fx_impact_mrr as {{ money }}) as fx_impact_mrr,
        cast(ending_mrr as {{ money }}) as ending_mrr,
        -- compounding a monthly rate beyond +/-100% has no meaning: null
        case
            when logo_churn_rate between -1 and 1
                then cast(
                    1 - power(1 - logo_churn_rate, 12) as {{ ratio }}
                )
        end as annualised_logo_churn_rate,
        -- compounding a monthly rate beyond +/-100% has no meaning: null
        case
            when gross_mrr_churn_rate between -1 and 1
                then cast(
                    1 - power(1 - gross_mrr_churn_rate, 12) as {{ ratio }}
                )
        end as annualised_gross_mrr_churn_rate,
        -- compounding a monthly rate beyond +/-100% has no meaning: null
        case
            when net_mrr_churn_rate between -1 and 1
                then cast(
                    1 - power(1 - net_mrr_churn_rate, 12) as {{ ratio }}
                )
        end as annualised_net_mrr_churn_rate,
        case
            when has_ttm then cast(retained_customers_ttm as {{ count_type }})
        end as retained_customers_ttm,
        case
            when has_ttm then cast(cohort_mrr_ttm as {{ money }})
        end as cohort_mrr_ttm,
        case
            when has_ttm then cast(cohort_capped_mrr_ttm as {{ money }})
        end as cohort_capped_mrr_ttm,

        ---------- churn split: voluntary and involuntary (payment failure)
        cast(
            voluntary_churned_customers as {{ count_type }}
        ) as voluntary_churned_customers,
        cast(
            involuntary_churned_customers as {{ count_type }}
        ) as involuntary_churned_customers,
        cast(voluntary_churned_mrr as {{ money }}) as voluntary_churned_mrr,
        cast(involuntary_churned_mrr as {{ money }}) as involuntary_churned_mrr
    from rates
)

select * from final
