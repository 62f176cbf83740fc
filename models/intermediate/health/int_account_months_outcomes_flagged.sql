{#-
    What followed each account-month of a complete month M in which the
    account is active (mrr > 0 at the end of M), over the next k = 3 and 6
    months: the outcomes health is tested against, read by
    fct_health_backtest and by the health calibration (cs-metrics
    calibrate).
      is_churned_within_<k>m                - mrr reached 0 in one of
                                              M+1 .. M+k;
      is_churned_or_contracted_within_<k>m  - a churn or contraction
                                              movement in one of them.
    An outcome is known (has_<k>m_outcome) when M + k is on or before the
    latest complete month; while it is not, its flags are null.
    Incremental by month (doc block month_window) with a lead of six
    months: a month's outcome changes with the six months after it, so a
    run rewrites from six months before its window, reading the account
    months from there on. Whether an outcome is known moves with the
    latest complete month, which is inside the window.
-#}
{{ config(**cs_metrics.month_window_config(lead_months=6)) }}
{%- set window_start = cs_metrics.month_window(lead_months=6) %}

with

spined_months as (
    select * from {{ ref('int_account_months_spined') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

classified_months as (
    select * from {{ ref('int_account_months_classified') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

account_months as (
    select
        spined_months.account_id,
        spined_months.month_start,
        spined_months.is_month_complete,
        spined_months.mrr,
        classified_months.movement_type,
        classified_months.is_active
    from spined_months
    inner join classified_months
        on
            spined_months.account_id = classified_months.account_id
            and spined_months.month_start = classified_months.month_start
),

observed as (
    select
        account_id,
        month_start,
        {{ cs_metrics.add_months('month_start', 3) }} as horizon_3m_start,
        {{ cs_metrics.add_months('month_start', 6) }} as horizon_6m_start,
        {{ cs_metrics.add_months('month_start', 3) }}
        <= {{ cs_metrics.latest_complete_month() }} as has_3m_outcome,
        {{ cs_metrics.add_months('month_start', 6) }}
        <= {{ cs_metrics.latest_complete_month() }} as has_6m_outcome
    from account_months
    where
        is_month_complete
        and is_active
),

-- each observed account-month meets its next six months
followed as (
    select
        observed.account_id,
        observed.month_start,
        max(
            case
                when
                    later.month_start <= observed.horizon_3m_start
                    and later.mrr = 0
                    then 1
                else 0
            end
        ) as churned_3m_flag,
        max(
            case
                when
                    later.month_start <= observed.horizon_3m_start
                    and later.movement_type in ('churn', 'contraction')
                    then 1
                else 0
            end
        ) as lost_revenue_3m_flag,
        max(case when later.mrr = 0 then 1 else 0 end) as churned_6m_flag,
        max(
            case
                when later.movement_type in ('churn', 'contraction') then 1
                else 0
            end
        ) as lost_revenue_6m_flag
    from observed
    inner join account_months as later
        on
            observed.account_id = later.account_id
            and observed.month_start < later.month_start
            and observed.horizon_6m_start >= later.month_start
    group by
        observed.account_id,
        observed.month_start
),

-- a flag is null while its horizon is not known
final as (
    select
        ---------- keys
        observed.account_id,
        observed.month_start,

        ---------- booleans
        observed.has_3m_outcome,
        case
            when observed.has_3m_outcome
                then coalesce(followed.churned_3m_flag, 0) = 1
        end as is_churned_within_3m,
        case
            when observed.has_3m_outcome
                then coalesce(followed.lost_revenue_3m_flag, 0) = 1
        end as is_churned_or_contracted_within_3m,
        observed.has_6m_outcome,
        case
            when observed.has_6m_outcome
                then coalesce(followed.churned_6m_flag, 0) = 1
        end as is_churned_within_6m,
        case
            when observed.has_6m_outcome
                then coalesce(followed.lost_revenue_6m_flag, 0) = 1
        end as is_churned_or_contracted_within_6m
    from observed
    left outer join followed
        on
            observed.account_id = followed.account_id
            and observed.month_start = followed.month_start
)

select * from final
