{#-
    crm.contacts from HubSpot contacts (docs/presets/hubspot.md): every
    contact not deleted (deleted ones are left out and listed), its account
    the primary company (associatedcompanyid); a decision maker when its
    buying roles include DECISION_MAKER.
-#}

{{ config(enabled=cs_metrics.preset_selected('hubspot')) }}

{%- set contacts_relation = source('hubspot', 'contact') -%}

with

contacts as (
    select * from {{ contacts_relation }}
),

account_ids as (
    select * from {{ ref('hubspot__company_account_ids') }}
),

renamed as (
    select
        {{ cs_metrics.hubspot_id('id') }} as contact_id,
        {{ cs_metrics.hubspot_id('property_associatedcompanyid') }}
            as company_id,
        cast(nullif(trim({{ dbt.concat([
            "coalesce(property_firstname, '')", "' '",
            "coalesce(property_lastname, '')",
        ]) }}), '') as {{ dbt.type_string() }}) as full_name,
        cast(property_email as {{ dbt.type_string() }}) as email,
        cast(property_jobtitle as {{ dbt.type_string() }}) as title,
        coalesce(
            lower({{ cs_metrics.source_column_or_null(
                contacts_relation, 'property_hs_buying_role', dbt.type_string()
            ) }}) like '%decision_maker%',
            false
        ) as is_decision_maker,
        {{ cs_metrics.utc_timestamp(contacts_relation, 'property_createdate') }}
            as created_at,
        {{ cs_metrics.hubspot_deleted_reason(
            cs_metrics.source_column_or_null(
                contacts_relation, '_fivetran_deleted', dbt.type_boolean()
            ),
            'contact._fivetran_deleted'
        ) }} as left_out_reason
    from contacts
),

final as (
    select
        renamed.contact_id,
        coalesce(account_ids.account_id, renamed.company_id) as account_id,
        renamed.full_name,
        renamed.email,
        renamed.title,
        renamed.is_decision_maker,
        renamed.created_at
    from renamed
    left outer join account_ids
        on renamed.company_id = account_ids.company_id
    where renamed.left_out_reason is null
)

select * from final
