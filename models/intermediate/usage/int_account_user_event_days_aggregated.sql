{#-
    Product events (de-duplicated on event_id in staging) counted per
    account, user, event name and day: the one model that reads the large
    event table. Every other usage model is built from this one.

    Incremental with a late-arrival look-back: each run re-processes whole
    days from (greatest day already loaded - var events_lookback_days), so
    an event that arrives late, or a second copy of an event, changes
    exactly the days it belongs to. Older days are never re-read; a late
    event older than the look-back needs a --full-refresh. Event names are
    kept (not features) so edits to the feature_catalog seed need no
    rebuild of this table.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy=cs_metrics.incremental_config_strategy(),
        unique_key=(
            none if target.type == 'spark'
            else ['account_id', 'user_id', 'event_name', 'activity_date']
        ),
        partition_by=cs_metrics.incremental_partition_by('activity_date'),
        on_schema_change='fail',
    )
}}

{%- set lookback_start = incremental_lookback_start(
    'activity_date', var('events_lookback_days')
) %}

with

events as (
    select * from {{ ref('stg_product__events') }}
    -- rows breaking the raw contract (no account, user, name or time) are
    -- left out of usage
    -- full builds read every day (the floor date); incremental runs only
    -- the look-back window, so engines can prune the scan on it
    where
        not is_contract_violation
        and occurred_at >= cast(
            '{{ lookback_start or "1900-01-01" }}' as {{ dbt.type_timestamp() }}
        )
),

final as (
    select
        ---------- ids
        account_id,
        user_id,

        ---------- strings
        event_name,

        ---------- numerics
        cast(count(*) as {{ dbt.type_bigint() }}) as event_count,

        ---------- dates
        cast(occurred_at as date) as activity_date
    from events
    group by
        account_id,
        user_id,
        event_name,
        cast(occurred_at as date)
)

select * from final
