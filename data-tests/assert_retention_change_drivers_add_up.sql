{#-
    The MRR and NRR change explanation is exact: per month, segment and
    metric the contributions add up to metric_change, and previous_value /
    current_value are the figures of fct_retention_monthly. Returns the
    month-segment-metrics where either fails.
-#}
{%- set metrics = ['ending_mrr', 'monthly_nrr', 'nrr_ttm'] -%}

with

drivers as (
    select * from {{ ref('fct_retention_change_drivers') }}
),

retention as (
    select * from {{ ref('fct_retention_monthly') }}
),

summed as (
    select
        month_start,
        segment_type,
        segment_value,
        metric,
        max(current_value) as current_value,
        max(metric_change) as metric_change,
        sum(contribution) as contributions
    from drivers
    group by
        month_start,
        segment_type,
        segment_value,
        metric
),

figures as (
    {%- for metric in metrics %}
    select
        month_start,
        segment_type,
        segment_value,
        '{{ metric }}' as metric,
        {{ metric }} as figure
    from retention
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select
        summed.*,
        figures.figure
    from summed
    left outer join figures
        on
            summed.month_start = figures.month_start
            and summed.segment_type = figures.segment_type
            and summed.segment_value = figures.segment_value
            and summed.metric = figures.metric
)

select * from final
where
    contributions <> metric_change
    or figure is null
    or figure <> current_value
