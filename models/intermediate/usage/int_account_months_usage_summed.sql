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
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy=cs_metrics.incremental_config_strategy(),
        unique_key=(none if target.type == 'spark' else ['month_start']),
        partition_by=cs_metrics.incremental_partition_by('month_start'),
        on_schema_change='fail',
    )
}}

{%- set rewritten_from = '1900-01-01' -%}
{%- if execute and is_incremental() -%}
    {%- set latest = run_query(
        'select max(month_start) from ' ~ this
    ).columns[0].values()[0] -%}
    {%- if latest is not none
        and (latest | string)[:10] > (as_of_date_string()[:8] ~ '01') -%}
        {{ exceptions.raise_compiler_error(
            'int_account_months_usage_summed holds usage up to '
            ~ (latest | string)[:7] ~ ', after the as-of month '
            ~ as_of_date_string()[:7] ~ ': as_of_date moved back. Rebuild'
            ~ ' the usage with `dbt build --full-refresh --select'
            ~ ' int_account_months_usage_summed+` (or set as_of_date back).'
        ) }}
    {%- endif -%}
    {#- the first month holding a day the de-duplication rewrote this run -#}
    {%- set events_relation = ref('int_product_events_deduplicated') -%}
    {%- set rewritten_from = run_query(
        'select min(activity_date) from ' ~ events_relation
        ~ ' where processed_at = (select max(processed_at) from '
        ~ events_relation ~ ')'
    ).columns[0].values()[0] -%}
    {#- nothing rewritten: nothing to re-aggregate -#}
    {%- set rewritten_from = (rewritten_from | string)[:8] ~ '01'
        if rewritten_from is not none else '9999-12-01' -%}
{%- endif %}

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
        cast(count(distinct events.user_id) as {{ dbt.type_int() }})
            as active_users,
        cast(
            count(distinct events.activity_date) as {{ dbt.type_int() }}
        ) as active_days,
        cast(count(*) as {{ dbt.type_bigint() }}) as event_count,
        cast(
            count(distinct core_events.feature) as {{ dbt.type_int() }}
        ) as core_features_used
    from events
    left outer join core_events
        on events.event_name = core_events.event_name
    group by
        events.account_id,
        {{ cs_metrics.month_start_of('events.activity_date') }}
)

select * from final
