{#-
    The plan of this run's month window (one row; doc block month_window):
    incremental account-month tables rewrite the months from
    reprocess_from on and never touch the earlier ones. reprocess_from is
    the earliest of
      - the as-of month minus var reprocess_window_months (the window every
        run rewrites: by default the month in progress);
      - the previous completed run's as-of month (its month in progress was
        evaluated on that day, and became complete if the month turned);
      - the earliest month whose input fingerprint changed since the last
        completed run (int_input_months_fingerprinted: back-dated billing
        changes, corrected prices, CRM activities, NPS, tickets, FX rates);
      - the month of the earliest product event first loaded (_loaded_at of
        its kept copy) since the last completed run (late events; a second
        copy of a known event changes nothing), and of the event look-back
        (as_of_date minus var events_lookback_days);
    or 1900-01-01 (every month) without a saved run state or when the
    project's code, seeds or vars (but as_of_date) changed.
    crm_reprocess_from is the same, or 1900-01-01 when today's CRM values
    changed: the models that show them on every month (tag
    month_window_crm) rewrite every month then.
    Compared with the run state of the last completed run (macros/
    month_window.sql), so a run that stopped early is planned again.
-#}
{{
    config(
        post_hook=["{{ cs_metrics.log_month_window(this) }}"],
    )
}}
{%- set state = cs_metrics.run_state_relations(this.schema) -%}
{%- set has_state = state.run is not none and state.months is not none -%}
{%- set floor = "cast('1900-01-01' as date)" -%}
{%- set as_of_month = cs_metrics.month_start_of(as_of_date()) -%}

with

fingerprints as (
    select * from {{ ref('int_input_months_fingerprinted') }}
),

-- each event once, its first-loaded copy: a re-delivered copy of an old
-- event changes no month and does not widen the window
events as (
    select * from {{ ref('int_product_events_deduplicated') }}
),

{% if has_state -%}
saved_run as (
    select * from {{ state.run }}
),

saved_months as (
    select * from {{ state.months }}
),
{%- else -%}
-- no saved run state: every month is rewritten
saved_run as (
    select
        cast(null as date) as as_of_date,
        cast(null as {{ dbt.type_timestamp() }}) as events_loaded_at,
        cast(null as {{ dbt.type_string() }}) as configuration_fingerprint,
        cast(null as decimal(38, 0)) as crm_fingerprint
    where 1 = 0
),

saved_months as (
    select
        cast(null as {{ dbt.type_string() }}) as scope,
        cast(null as date) as month_start,
        cast(null as decimal(38, 0)) as fingerprint
    where 1 = 0
),
{%- endif %}

crm_values as (
    select coalesce(sum(fingerprint), 0) as crm_fingerprint
    from fingerprints
    where scope = 'crm'
),

-- the latest load of a kept copy: every event loaded after it is new to
-- the next run (a later copy of a known event changes nothing). Read from
-- the de-duplicated events, not the raw table: an event loaded while this
-- run was going is then found by the next run, and a connector's events
-- view is not computed again.
events_watermark as (
    select max(loaded_at) as events_loaded_at
    from events
),

current_run as (
    select
        {{ as_of_date() }} as as_of_date,
        '{{ cs_metrics.configuration_fingerprint() }}'
            as configuration_fingerprint,
        crm_values.crm_fingerprint,
        events_watermark.events_loaded_at
    from crm_values
    cross join events_watermark
),

changed_months as (
    select
        min(coalesce(now_months.month_start, saved_months.month_start))
            as first_changed_month
    from fingerprints as now_months
    full outer join saved_months
        on
            now_months.scope = saved_months.scope
            and now_months.month_start = saved_months.month_start
    where
        coalesce(now_months.scope, saved_months.scope) != 'crm'
        and (
            now_months.fingerprint is null
            or saved_months.fingerprint is null
            or now_months.fingerprint != saved_months.fingerprint
        )
),

late_events as (
    select min(events.occurred_at) as first_occurred_at
    from events
    inner join saved_run
        on events.loaded_at > saved_run.events_loaded_at
),

compared as (
    select
        current_run.as_of_date,
        current_run.configuration_fingerprint,
        current_run.crm_fingerprint,
        current_run.events_loaded_at,
        saved_run.as_of_date is not null as has_saved_state,
        coalesce(
            saved_run.configuration_fingerprint
            != current_run.configuration_fingerprint,
            false
        ) as is_configuration_changed,
        coalesce(
            saved_run.crm_fingerprint != current_run.crm_fingerprint, false
        ) as is_crm_changed,
        {{ cs_metrics.add_months(
            as_of_month, -cs_metrics.setting('reprocess_window_months')
        ) }} as window_floor_month,
        {{ cs_metrics.month_start_of('saved_run.as_of_date') }}
            as previous_as_of_month,
        changed_months.first_changed_month,
        {{ cs_metrics.month_start_of('late_events.first_occurred_at') }}
            as first_late_event_month,
        {{ cs_metrics.month_start_of(dbt.dateadd(
            'day', -cs_metrics.setting('events_lookback_days'), as_of_date()
        )) }} as lookback_month
    from current_run
    cross join changed_months
    cross join late_events
    left outer join saved_run
        on 1 = 1
),

planned as (
    select
        *,
        case
            when not has_saved_state or is_configuration_changed
                then {{ floor }}
            else least(
                window_floor_month,
                coalesce(previous_as_of_month, window_floor_month),
                coalesce(first_changed_month, window_floor_month),
                coalesce(first_late_event_month, window_floor_month),
                lookback_month
            )
        end as reprocess_from
    from compared
),

final as (
    select
        ---------- strings
        configuration_fingerprint,

        ---------- numerics
        crm_fingerprint,

        ---------- booleans
        has_saved_state,
        is_configuration_changed,
        is_crm_changed,

        ---------- dates
        as_of_date,
        reprocess_from,
        case
            when is_crm_changed then {{ floor }} else reprocess_from
        end as crm_reprocess_from,
        window_floor_month,
        previous_as_of_month,
        first_changed_month,
        first_late_event_month,
        lookback_month,

        ---------- timestamps
        events_loaded_at
    from planned
)

select * from final
