{#-
    The Zendesk tickets the preset leaves out or cannot place, in the shape
    of int_data_quality_issues_unioned (which lists them in
    fct_data_quality_issues), one row per ticket:
      connector_row_left_out   deleted tickets (status deleted, or
                               _fivetran_deleted): not support tickets;
      ticket_without_account   tickets kept whose organization names no
                               CRM account (no organization, or a blank
                               var zendesk_organization_account_id_column):
                               left out of the support score.
-#}

{{ config(enabled=cs_metrics.preset_selected('zendesk')) }}

{%- set tickets_relation = source('zendesk', 'ticket') -%}
{%- set no_account = 'no CRM account: the organization of the ticket (if'
    ~ ' any) has no zendesk_organization_account_id_column value; left out'
    ~ ' of the support score' -%}

with

tickets as (
    select
        *,
        {{ cs_metrics.zendesk_ticket_left_out_reason(tickets_relation) }}
            as left_out_reason
    from {{ tickets_relation }}
),

kept_tickets as (
    select * from {{ ref('zendesk__support_tickets') }}
),

left_out as (
    select
        cast(id as {{ dbt.type_string() }}) as record_id,
        'connector_row_left_out' as issue_type,
        left_out_reason as issue_description
    from tickets
    where left_out_reason is not null
),

without_account as (
    select
        ticket_id as record_id,
        'ticket_without_account' as issue_type,
        '{{ no_account }}' as issue_description
    from kept_tickets
    where account_id is null
),

unioned as (
    select * from left_out
    union all
    select * from without_account
),

listed as (
    select
        'zendesk.ticket' as source_table,
        record_id,
        issue_type,
        issue_description,
        cast(null as {{ dbt.type_string() }}) as account_id,
        'support' as affected_metric
    from unioned
),

final as (
    {{ cs_metrics.connector_left_out_issues('listed') }}
)

select * from final
