{#-
    crm.activities from Salesforce tasks and events
    (docs/presets/salesforce.md): every completed task (is_closed) and
    every event of the live rows (deleted ones are left out and listed;
    open tasks are not touches yet). The activity type is the Type picklist
    value, else a task's subtype, else (an event) meeting, mapped by var
    crm_activity_types. A task occurred when it was completed
    (completed_date_time), else on its date (activity_date, 00:00 UTC),
    else when it was created; an event at its start.
-#}

{{ config(enabled=cs_metrics.preset_selected('salesforce')) }}

{%- set tasks_relation = source('salesforce', 'task') -%}
{%- set events_relation = source('salesforce', 'event') -%}

with

tasks as (
    {{ cs_metrics.salesforce_current_rows('task') }}
),

events as (
    {{ cs_metrics.salesforce_current_rows('event') }}
),

task_activities as (
    select
        cast(id as {{ dbt.type_string() }}) as activity_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,
        {{ cs_metrics.crm_mapped_value(
            'coalesce(nullif(trim(type), ' ~ "''" ~ '), '
            ~ cs_metrics.source_column_or_null(
                tasks_relation, 'task_subtype', dbt.type_string()
            ) ~ ')',
            var('crm_activity_types')
        ) }} as activity_type,
        coalesce(
            {{ cs_metrics.source_column_or_null(
                tasks_relation, 'completed_date_time', dbt.type_timestamp()
            ) }},
            cast(
                {{ cs_metrics.utc_date(tasks_relation, 'activity_date') }}
                as {{ dbt.type_timestamp() }}
            ),
            {{ cs_metrics.utc_timestamp(tasks_relation, 'created_date') }}
        ) as occurred_at
    from tasks
    where left_out_reason is null and coalesce(is_closed, false)
),

event_activities as (
    select
        cast(id as {{ dbt.type_string() }}) as activity_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,
        {{ cs_metrics.crm_mapped_value(
            "coalesce(nullif(trim(type), ''), 'meeting')",
            var('crm_activity_types')
        ) }} as activity_type,
        coalesce(
            {{ cs_metrics.utc_timestamp(events_relation, 'start_date_time') }},
            {{ cs_metrics.source_column_or_null(
                events_relation, 'activity_date_time', dbt.type_timestamp()
            ) }}
        ) as occurred_at
    from events
    where left_out_reason is null
),

final as (
    select
        activity_id,
        account_id,
        owner_id,
        cast(activity_type as {{ dbt.type_string() }}) as activity_type,
        occurred_at
    from task_activities
    union all
    select
        activity_id,
        account_id,
        owner_id,
        cast(activity_type as {{ dbt.type_string() }}) as activity_type,
        occurred_at
    from event_activities
)

select * from final
