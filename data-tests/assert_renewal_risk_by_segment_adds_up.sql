{#-
    Renewal risk ahead adds up: each window's 'all' row of
    fct_renewal_risk_by_segment holds exactly the renewals of
    fct_renewal_risk due within it (renewals, ARR due, renewals needing
    attention), and every other segment type splits that row without a gap.
    Returns a row for each window and segment type that does not add up.
-#}
with

renewal_risk as (
    select * from {{ ref('fct_renewal_risk') }}
),

by_segment as (
    select * from {{ ref('fct_renewal_risk_by_segment') }}
),

totals as (
    select * from by_segment
    where segment_type = 'all'
),

detail_sums as (
    select
        totals.window_days,
        count(renewal_risk.subscription_id) as renewals,
        coalesce(sum(renewal_risk.arr_due), 0) as arr_due,
        count(
            case when renewal_risk.needs_attention then 1 end
        ) as renewals_needing_attention
    from totals
    left outer join renewal_risk
        on totals.window_days >= renewal_risk.days_until_renewal
    group by totals.window_days
),

segment_sums as (
    select
        window_days,
        segment_type,
        sum(renewals) as renewals,
        sum(arr_due) as arr_due,
        sum(renewals_needing_attention) as renewals_needing_attention
    from by_segment
    group by
        window_days,
        segment_type
),

detail_gaps as (
    select
        totals.window_days,
        'detail' as segment_type
    from totals
    inner join detail_sums
        on totals.window_days = detail_sums.window_days
    where
        totals.renewals <> detail_sums.renewals
        or abs(totals.arr_due - detail_sums.arr_due) > 0.01
        or totals.renewals_needing_attention
        <> detail_sums.renewals_needing_attention
),

segment_gaps as (
    select
        totals.window_days,
        segment_sums.segment_type
    from totals
    inner join segment_sums
        on totals.window_days = segment_sums.window_days
    where
        totals.renewals <> segment_sums.renewals
        or abs(totals.arr_due - segment_sums.arr_due) > 0.01
        or totals.renewals_needing_attention
        <> segment_sums.renewals_needing_attention
),

final as (
    select * from detail_gaps
    union all
    select * from segment_gaps
)

select * from final
