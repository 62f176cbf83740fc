{#-
    Product usage per account and calendar month M: events in
    [first instant of M, t(M)) and on or before as_of_date (later,
    future-dated events are left out and listed in fct_data_quality_issues),
    from the de-duplicated events; events breaking the raw contract are left
    out. Only account-months with at least one event have a row; later
    models read a missing month as zero usage. Accounts the CRM does not
    hold keep their rows here (the data-quality mart counts their events).

    Incremental: a run re-aggregates whole months - those holding a day
    int_product_events_deduplicated rewrote in the same run (processed_at) -
    and replaces them (delete+insert by month_start; insert_overwrite of the
    month partitions on Spark). Moving as_of_date back before an earlier
    run's as-of month needs a --full-refresh (the run says so).
    unique_key is one column name, not a list: dbt then deletes with
    `month_start in (select month_start from the new rows)`; with a list it joins
    every stored row of a month with every new row of it (minutes at scale).
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy=cs_metrics.incremental_config_strategy(),
        unique_key=(none if target.type == 'spark' else 'month_start'),
        partition_by=cs_metrics.incremental_partition_by('month_start'),
        on_schema_change='fail',
    )
}}

{%- set rewritten_from = cs_metrics.usage_months_rewrite_from(
    ref('int_product_events_deduplicated')
) %}

with

events as (
    select * from {{ ref('int_product_events_deduplicated') }}
    where
        not is_contract_violation
        and activity_date <= {{ as_of_date() }}
        -- incremental runs: only the months holding a day this run's
        -- de-duplication rewrote (full builds: from a floor date)
        and activity_date >= cast('{{ rewritten_from }}' as date)
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

final as (
    select
        ---------- keys
        events.account_id,
        {{ cs_metrics.month_start_of('events.activity_date') }} as month_start,

        ---------- numerics
        {{ cs_metrics.usage_summed_columns('events', 'core_events') }}
    from events
    left outer join core_events
        on events.event_name = core_events.event_name
    group by
        events.account_id,
        {{ cs_metrics.month_start_of('events.activity_date') }}
)

select * from final
