{#-
    The HubSpot rows the preset leaves out, in the shape of
    int_data_quality_issues_unioned (which lists them in
    fct_data_quality_issues): deleted contacts and deals, and the
    engagements hubspot__engagements leaves out (deleted calls and
    meetings, engagements without a time), one row per record. Deleted
    companies are not left out (they stay, flagged is_deleted).
-#}

{{ config(enabled=cs_metrics.preset_selected('hubspot')) }}

{%- set contacts_relation = source('hubspot', 'contact') -%}

with

contacts as (
    select
        'hubspot.contact' as source_table,
        {{ cs_metrics.hubspot_id('id') }} as record_id,
        {{ cs_metrics.hubspot_deleted_reason(
            cs_metrics.source_column_or_null(
                contacts_relation, '_fivetran_deleted', dbt.type_boolean()
            ),
            'contact._fivetran_deleted'
        ) }} as issue_description,
        cast(null as {{ dbt.type_string() }}) as account_id,
        'none' as affected_metric
    from {{ contacts_relation }}
),

deals as (
    select
        'hubspot.deal' as source_table,
        {{ cs_metrics.hubspot_id('deal_id') }} as record_id,
        {{ cs_metrics.hubspot_deleted_reason('is_deleted', 'deal.is_deleted') }}
            as issue_description,
        cast(null as {{ dbt.type_string() }}) as account_id,
        'none' as affected_metric
    from {{ source('hubspot', 'deal') }}
),

engagements as (
    select
        'hubspot.engagement' as source_table,
        engagement_id as record_id,
        left_out_reason as issue_description,
        account_id,
        'cs_coverage' as affected_metric
    from {{ ref('hubspot__engagements') }}
),

unioned as (
    select * from contacts
    union all
    select * from deals
    union all
    select * from engagements
),

left_out as (
    select
        source_table,
        record_id,
        'connector_row_left_out' as issue_type,
        issue_description,
        account_id,
        affected_metric
    from unioned
    where issue_description is not null
),

final as (
    {{ cs_metrics.connector_left_out_issues('left_out') }}
)

select * from final
