{#-
    The HubSpot engagements as CS touches, with why one is left out (null
    when used): read by hubspot__crm_activities (the touches) and
    hubspot__data_quality_issues (the others). The account is the
    engagement's company (the lowest id when several); the activity type
    is the call or meeting type (hs_activity_type, e.g. QBR) when set, else
    the engagement type, mapped by var crm_activity_types. Left out: calls
    and meetings deleted in HubSpot, and engagements without a time
    (connectors of HubSpot's v3 API leave engagement.timestamp empty).
-#}

{{ config(enabled=cs_metrics.preset_selected('hubspot')) }}

{%- set engagements_relation = source('hubspot', 'engagement') -%}
{%- set calls_relation = source('hubspot', 'engagement_call') -%}
{%- set meetings_relation = source('hubspot', 'engagement_meeting') -%}

with

engagements as (
    select * from {{ engagements_relation }}
),

engagement_companies as (
    select * from {{ source('hubspot', 'engagement_company') }}
),

account_ids as (
    select * from {{ ref('hubspot__company_account_ids') }}
),

calls as (
    select
        {{ cs_metrics.hubspot_id('engagement_id') }} as engagement_id,
        {{ cs_metrics.source_column_or_null(
            calls_relation, 'property_hs_activity_type', dbt.type_string()
        ) }} as activity_subtype,
        {{ cs_metrics.hubspot_deleted_reason(
            cs_metrics.source_column_or_null(
                calls_relation, '_fivetran_deleted', dbt.type_boolean()
            ),
            'engagement_call._fivetran_deleted'
        ) }} as left_out_reason
    from {{ calls_relation }}
),

meetings as (
    select
        {{ cs_metrics.hubspot_id('engagement_id') }} as engagement_id,
        {{ cs_metrics.source_column_or_null(
            meetings_relation, 'property_hs_activity_type', dbt.type_string()
        ) }} as activity_subtype,
        {{ cs_metrics.hubspot_deleted_reason(
            cs_metrics.source_column_or_null(
                meetings_relation, '_fivetran_deleted', dbt.type_boolean()
            ),
            'engagement_meeting._fivetran_deleted'
        ) }} as left_out_reason
    from {{ meetings_relation }}
),

details as (
    select * from calls
    union all
    select * from meetings
),

companies as (
    select
        {{ cs_metrics.hubspot_id('engagement_id') }} as engagement_id,
        {{ cs_metrics.hubspot_id('min(company_id)') }} as company_id
    from engagement_companies
    group by engagement_id
),

renamed as (
    select
        {{ cs_metrics.hubspot_id('id') }} as engagement_id,
        cast(type as {{ dbt.type_string() }}) as engagement_type,
        {{ cs_metrics.hubspot_id('owner_id') }} as owner_id,
        {{ cs_metrics.utc_timestamp(
            engagements_relation, adapter.quote('timestamp')
        ) }} as occurred_at
    from engagements
),

final as (
    select
        renamed.engagement_id,
        coalesce(account_ids.account_id, companies.company_id) as account_id,
        renamed.owner_id,
        cast({{ cs_metrics.crm_mapped_value(
            "coalesce(nullif(trim(details.activity_subtype), ''),"
            ~ " renamed.engagement_type)",
            var('crm_activity_types')
        ) }} as {{ dbt.type_string() }}) as activity_type,
        renamed.occurred_at,
        coalesce(
            details.left_out_reason,
            case
                when renamed.occurred_at is null
                    then {{ dbt.concat([
                        "'no time: engagement.timestamp is empty'",
                        "' (HubSpot v3 API connector)'",
                    ]) }}
            end
        ) as left_out_reason
    from renamed
    left outer join details
        on renamed.engagement_id = details.engagement_id
    left outer join companies
        on renamed.engagement_id = companies.engagement_id
    left outer join account_ids
        on companies.company_id = account_ids.company_id
)

select * from final
