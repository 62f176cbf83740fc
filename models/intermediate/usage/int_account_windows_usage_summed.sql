{#-
    Product usage per account over each usage window of the month in
    progress (int_usage_windows_spined: window 0 = the one month ending at
    t*, windows 1 .. k = the usage_trend prior), from the de-duplicated
    events on or before as_of_date; events breaking the raw contract are
    left out. Counted like int_account_months_usage_summed (macro
    usage_summed_ctes), over the window's days instead of a calendar
    month; core features only for window 0 (null for the prior windows,
    whose active users are all the usage trend reads). Only
    account-windows with at least one event have a row. Reads
    the last var usage_trend_months + 1 months of events only; rebuilt on
    every run (its windows move with as_of_date).
-#}

with

events as {{ cs_metrics.inline_cte() }} (
    select * from {{ ref('int_product_events_deduplicated') }}
    where
        not is_contract_violation
        and activity_date <= {{ as_of_date() }}
        -- a lower bound for pruning (at or before the earliest window):
        -- the windows themselves are joined below
        and activity_date >= {{ cs_metrics.add_months(
            as_of_date(), -(var('usage_trend_months') | int + 1)
        ) }}
),

windows as (
    select * from {{ ref('int_usage_windows_spined') }}
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
        windows.window_offset,
        {{ dbt.datediff(
            'windows.window_start_date', 'events.activity_date', 'day'
        ) }} as day_index,
        events.user_id,
        core_events.feature
    from events
    inner join windows
        on
            events.activity_date >= windows.window_start_date
            and events.activity_date <= windows.window_last_date
    left outer join core_events
        on events.event_name = core_events.event_name
),

-- the core features of window 0 only: the prior windows give the usage
-- trend their active users and nothing else (int_account_months_usage_scored)
{{ cs_metrics.usage_summed_ctes(
    'keyed_events', ['account_id', 'window_offset'],
    features_where='window_offset = 0'
) }},

final as (
    select
        ---------- keys
        account_id,
        window_offset,

        ---------- numerics
        active_users,
        active_days,
        event_count,
        core_features_used
    from usage_summed
)

select * from final
