{#-
    Product usage per account and calendar month M: events in
    [first instant of M, t(M)) and on or before as_of_date (later,
    future-dated events are left out and listed in fct_data_quality_issues),
    from the de-duplicated events; events breaking the raw contract are left
    out. Only account-months with at least one event have a row; later
    models read a missing month as zero usage. Accounts the CRM does not
    hold keep their rows here (the data-quality mart counts their events).

    Incremental by month (doc block month_window): a run re-aggregates the
    months of its window (which covers the days the de-duplication
    re-processed and every day that received an event loaded since the last
    completed run) and replaces them; insert_overwrite of the month
    partitions on Spark. Moving as_of_date back before an earlier run's
    as-of month needs a --full-refresh (the run says so before it starts).
-#}
{{ config(**cs_metrics.month_window_config()) }}
{%- set window_start = cs_metrics.month_window() %}

with

events as {{ cs_metrics.inline_cte() }} (
    select * from {{ ref('int_product_events_deduplicated') }}
    where
        not is_contract_violation
        and activity_date <= {{ as_of_date() }}
        and {{ cs_metrics.in_month_window('activity_date', window_start) }}
),

feature_catalog as (
    select * from {{ ref('feature_catalog') }}
),

core_events as (
    select
        event_name,
        feature
    from feature_catalog
    where is_core
),

-- read by two counts (macro usage_summed_ctes): each scans the events
-- again rather than holding them all in memory
keyed_events as {{ cs_metrics.inline_cte() }} (
    select
        events.account_id,
        {{ cs_metrics.month_start_of('events.activity_date') }} as month_start,
        extract(day from events.activity_date) - 1 as day_index,
        events.user_id,
        core_events.feature
    from events
    left outer join core_events
        on events.event_name = core_events.event_name
),

{{ cs_metrics.usage_summed_ctes(
    'keyed_events', ['account_id', 'month_start']
) }},

final as (
    select
        ---------- keys
        account_id,
        month_start,

        ---------- numerics
        active_users,
        active_days,
        event_count,
        core_features_used
    from usage_summed
)

select * from final
