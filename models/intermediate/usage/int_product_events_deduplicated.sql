{#-
    Product events, each event_id once: the one model that reads the event
    table. A loader may deliver an event twice; the first-loaded copy wins
    (earliest _loaded_at, then account, user, name and time as a fixed tie
    order), and copy_count says how many copies were delivered. Events
    breaking the raw contract are kept, flagged, so the data-quality mart
    can list them without reading the raw table again; usage leaves them
    out.

    Incremental: a run re-processes whole days - every day from the
    look-back start (the latest stored day, capped at as_of_date, minus var
    events_lookback_days) and any earlier day that received an event loaded
    since the last run (macro events_incremental_window) - and replaces
    those days (delete+insert by activity_date; insert_overwrite of the day
    partitions on Spark). Copies of one event carry one occurred_at (a
    re-delivery of the same row), so they always fall on the same day and
    are de-duplicated together; processed_at marks the days a run rewrote,
    so the monthly usage re-aggregates only their months.
    unique_key is one column name, not a list: dbt then deletes with
    `activity_date in (select activity_date from the new rows)`; with a list it joins
    every stored row of a day with every new row of it (minutes at scale).
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy=cs_metrics.incremental_config_strategy(),
        unique_key=(none if target.type == 'spark' else 'activity_date'),
        partition_by=cs_metrics.incremental_partition_by('activity_date'),
        on_schema_change='fail',
    )
}}

{%- set window = cs_metrics.events_incremental_window(
    ref('stg_product__events'), var('events_lookback_days')
) -%}
{#- each late day as a range of occurred_at (not cast(occurred_at as date)):
    a comparison of the column itself reaches the raw scan through the
    views above it, also through a connector preset's join (DuckDB does
    not push a cast of it below a left join) -#}
{%- set late_day_ranges = [] -%}
{%- for day in (window.late_days if window else []) -%}
    {%- set next_day = (
        modules.datetime.datetime.strptime(day, '%Y-%m-%d')
        + modules.datetime.timedelta(days=1)
    ).strftime('%Y-%m-%d') -%}
    {%- do late_day_ranges.append(
        "(occurred_at >= cast('" ~ day ~ "' as " ~ dbt.type_timestamp() ~ ')'
        ~ " and occurred_at < cast('" ~ next_day ~ "' as "
        ~ dbt.type_timestamp() ~ '))'
    ) -%}
{%- endfor %}

with

-- full builds read every day (the floor date); incremental runs the
-- look-back window and the days that received late-loaded events
events as (
    select * from {{ ref('stg_product__events') }}
    where
        occurred_at >= cast(
            '{{ window.start if window else "1900-01-01" }}'
            as {{ dbt.type_timestamp() }}
        )
        or ({{ late_day_ranges | join(' or ') or 'false' }})
),

ranked as (
    select
        *,
        row_number() over (
            partition by event_id
            order by
                loaded_at asc nulls last,
                account_id asc nulls last,
                user_id asc nulls last,
                event_name asc nulls last,
                occurred_at asc nulls last
        ) as copy_rank,
        count(*) over (partition by event_id) as copy_count
    from events
),

final as (
    select
        ---------- ids
        event_id,
        account_id,
        user_id,

        ---------- strings
        event_name,
        contract_violation_reason,

        ---------- numerics
        -- a row without event_id cannot be matched with other copies
        cast(
            case when event_id is null then 1 else copy_count end
            as {{ dbt.type_int() }}
        ) as copy_count,

        ---------- booleans
        is_contract_violation,

        ---------- dates
        cast(occurred_at as date) as activity_date,

        ---------- timestamps
        occurred_at,
        loaded_at,
        cast(
            '{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}'
            as {{ dbt.type_timestamp() }}
        ) as processed_at
    from ranked
    where copy_rank = 1 or event_id is null
)

select * from final
