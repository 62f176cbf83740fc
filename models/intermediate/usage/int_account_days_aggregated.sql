{#-
    Product usage per account and day: events and distinct users that day.
    Built from int_account_user_event_days_aggregated with the same
    late-arrival look-back: each incremental run re-computes whole days from
    (greatest day already loaded - var events_lookback_days), which always
    covers every day the upstream run re-processed.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy=cs_metrics.incremental_config_strategy(),
        unique_key=(
            none if target.type == 'spark'
            else ['account_id', 'activity_date']
        ),
        partition_by=cs_metrics.incremental_partition_by('activity_date'),
        on_schema_change='fail',
    )
}}

{%- set lookback_start = incremental_lookback_start(
    'activity_date', var('events_lookback_days')
) %}

with

user_event_days as (
    select * from {{ ref('int_account_user_event_days_aggregated') }}
    -- full builds: every day (the floor date); incremental: the look-back
    where activity_date >= cast('{{ lookback_start or "1900-01-01" }}' as date)
),

final as (
    select
        ---------- ids
        account_id,

        ---------- numerics
        cast(sum(event_count) as {{ dbt.type_bigint() }}) as event_count,
        cast(
            count(distinct user_id) as {{ dbt.type_int() }}
        ) as active_users,

        ---------- dates
        activity_date
    from user_event_days
    group by
        account_id,
        activity_date
)

select * from final
