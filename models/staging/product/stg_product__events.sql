{#-
    Product events as delivered: one row per delivered copy (a loader may
    deliver an event twice, with the same event_id). Renamed, cast and
    flagged here; the de-duplication (first-loaded copy per event_id) runs in
    int_product_events_deduplicated on the days an incremental run
    processes, so no run ever re-scans all history to de-duplicate.
-#}
{{ config(materialized='view') }}

{%- set events_relation = cs_metrics.raw_input('product', 'events') -%}

with

renamed as (
    select
        ---------- ids
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,

        ---------- strings
        lower(trim(cast(event_name as {{ dbt.type_string() }}))) as event_name,

        ---------- timestamps
        {{ cs_metrics.utc_timestamp(
            events_relation, 'occurred_at'
        ) }} as occurred_at,
        {{ source_column_or_null(
            events_relation, '_loaded_at', dbt.type_timestamp()
        ) }} as loaded_at
    -- the input itself, not an import CTE: DuckDB pushes the incremental
    -- de-duplication's filter on occurred_at into the Parquet scan when the
    -- column is time-zone aware (a computed value) only when it sits right
    -- on the scan (else every row group is read)
    from {{ events_relation }}
),

checked as (
    select
        *,
        {{ contract_violation_reason([
            ('event_id is null', 'missing event_id'),
            ('account_id is null', 'missing account_id'),
            ('user_id is null', 'missing user_id'),
            ('event_name is null', 'missing event_name'),
            ('occurred_at is null', 'missing occurred_at'),
        ]) }} as contract_violation_reason
    from renamed
),

final as (
    select
        *,
        contract_violation_reason is not null as is_contract_violation
    from checked
)

select * from final
