{#-
    The north star per month and segment (the segments of
    fct_retention_monthly, int_account_months_segmented: each account in its
    segment at the end of M):
      north_star = sum(north_star_arr) / sum(arr) over active accounts,
    the share of ARR held by accounts in the counted health statuses (var
    north_star_health_statuses, default green), beside the ARR-weighted
    outcome and experience scores (accounts with a score). Definition: doc
    block health_north_star.
    Incremental by month (doc block month_window; scope crm: segments by
    today's CRM values): a run writes the months of its window only.
-#}
{{ config(**cs_metrics.month_window_config('crm')) }}
{%- set window_start = cs_metrics.month_window('crm') -%}
{%- set money = cs_metrics.type_money() -%}
{%- set ratio = cs_metrics.type_ratio() -%}
{%- set score = cs_metrics.type_score() -%}

with

account_months as (
    select * from {{ ref('fct_account_months') }}
    where
        is_active
        and {{ cs_metrics.in_month_window('month_start', window_start) }}
),

segments as (
    select * from {{ ref('int_account_months_segmented') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

-- each active account-month once per segment type, in its segment at the
-- end of M
segmented as (
    select
        account_months.month_start,
        account_months.is_month_complete,
        segments.segment_type,
        segments.ending_segment_value as segment_value,
        account_months.arr,
        account_months.north_star_arr,
        account_months.outcome_score,
        account_months.experience_score
    from account_months
    inner join segments
        on
            account_months.account_id = segments.account_id
            and account_months.month_start = segments.month_start
),

summed as (
    select
        month_start,
        segment_type,
        segment_value,
        is_month_complete,
        count(*) as active_customers,
        sum(arr) as arr,
        sum(north_star_arr) as north_star_arr,
        sum(case when outcome_score is not null then arr end)
            as outcome_scored_arr,
        sum(arr * outcome_score) as outcome_score_arr,
        sum(case when experience_score is not null then arr end)
            as experience_scored_arr,
        sum(arr * experience_score) as experience_score_arr
    from segmented
    group by
        month_start,
        segment_type,
        segment_value,
        is_month_complete
),

final as (
    select
        ---------- keys
        month_start,
        segment_type,
        segment_value,

        ---------- numerics
        cast(north_star_arr / nullif(arr, 0) as {{ ratio }}) as north_star,
        cast(north_star_arr as {{ money }}) as north_star_arr,
        cast(arr as {{ money }}) as arr,
        cast(active_customers as {{ dbt.type_bigint() }}) as active_customers,
        cast(
            outcome_score_arr / nullif(outcome_scored_arr, 0) as {{ score }}
        ) as arr_weighted_outcome_score,
        cast(
            experience_score_arr / nullif(experience_scored_arr, 0)
            as {{ score }}
        ) as arr_weighted_experience_score,

        ---------- booleans
        is_month_complete
    from summed
)

select * from final
