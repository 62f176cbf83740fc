{#-
    product.events from Segment's tracks (docs/presets/segment.md): one row
    per delivered track call, duplicates included (staging and
    int_product_events_deduplicated keep the first-loaded copy).
      event_id     id (the messageId);
      account_id   the tracks column named by var segment_account_id_column
                   when set and not blank, else the account the user belonged
                   to at the event (segment__user_groups);
      event_name   event, the snake_case slug (event_text is the display name);
      occurred_at  timestamp (corrected for the device's clock);
      _loaded_at   when the row reached the warehouse: loaded_at (BigQuery),
                   else uuid_ts, else received_at.
    A view, never a table, like stg_product__events: the incremental
    de-duplication's day filter then reaches the tracks scan (it is pushed
    through the join, which is a hash join on user_id).
-#}
{{ config(
    enabled=cs_metrics.preset_selected('segment'),
    materialized='view'
) }}

{%- set tracks_relation = source('segment', 'tracks') -%}
{%- set account_column = var('segment_account_id_column') -%}

with

user_groups as (
    select * from {{ ref('segment__user_groups') }}
),

events as (
    select
        cast(id as {{ dbt.type_string() }}) as event_id,
        {% if account_column -%}
        {{ cs_metrics.var_named_column_text(
            tracks_relation,
            'segment_account_id_column',
            'Segment table tracks',
            'docs/presets/segment.md',
        ) }}
        {%- else -%}
        cast(null as {{ dbt.type_string() }})
        {%- endif %} as event_account_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(event as {{ dbt.type_string() }}) as event_name,
        {{ cs_metrics.utc_timestamp(
            tracks_relation, adapter.quote('timestamp')
        ) }} as occurred_at,
        coalesce(
            {{ cs_metrics.source_column_or_null(
                tracks_relation, 'loaded_at', dbt.type_timestamp()
            ) }},
            {{ cs_metrics.source_column_or_null(
                tracks_relation, 'uuid_ts', dbt.type_timestamp()
            ) }},
            {{ cs_metrics.utc_timestamp(tracks_relation, 'received_at') }}
        ) as loaded_at
    -- the source itself, not an import CTE: DuckDB pushes a filter on the
    -- computed occurred_at into the Parquet scan (skipping the row groups
    -- outside an incremental run's days) only when it sits right on the scan
    from {{ tracks_relation }}
),

final as (
    select
        events.event_id,
        coalesce(events.event_account_id, user_groups.account_id)
            as account_id,
        events.user_id,
        events.event_name,
        events.occurred_at,
        events.loaded_at as _loaded_at
    from events
    left outer join user_groups
        on
            events.user_id = user_groups.user_id
            and events.occurred_at >= user_groups.valid_from_at
            and events.occurred_at < user_groups.valid_to_at
)

select * from final
