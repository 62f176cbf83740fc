{#-
    crm.accounts from HubSpot companies (docs/presets/hubspot.md): one
    version per company (HubSpot keeps no earlier ones in this table),
    updated at hs_lastmodifieddate; deleted companies stay, flagged
    is_deleted. The account_id and the parent's come from
    hubspot__company_account_ids. The CSM is the owner in the company
    property var hubspot_company_csm_property (default the company owner)
    when that owner's role is csm; region and acquisition channel are the
    properties named by vars (the channel's values mapped by
    crm_acquisition_channels); country_code is the country property.
-#}

{{ config(enabled=cs_metrics.preset_selected('hubspot')) }}

{%- set companies_relation = source('hubspot', 'company') -%}

with

companies as (
    select * from {{ companies_relation }}
),

account_ids as (
    select * from {{ ref('hubspot__company_account_ids') }}
),

users as (
    select * from {{ ref('hubspot__crm_users') }}
),

renamed as (
    select
        {{ cs_metrics.hubspot_id('id') }} as company_id,
        {{ cs_metrics.hubspot_id('property_hs_parent_company_id') }}
            as parent_company_id,
        cast(property_name as {{ dbt.type_string() }}) as account_name,
        cast(property_industry as {{ dbt.type_string() }}) as industry,
        {{ cs_metrics.source_column_or_null(
            companies_relation,
            var('hubspot_company_region_property'),
            dbt.type_string()
        ) }} as region,
        cast(property_country as {{ dbt.type_string() }}) as country_code,
        cast(property_numberofemployees as {{ dbt.type_bigint() }})
            as employee_count,
        {{ cs_metrics.crm_mapped_value(
            cs_metrics.source_column_or_null(
                companies_relation,
                var('hubspot_company_channel_property'),
                dbt.type_string()
            ),
            var('crm_acquisition_channels')
        ) }} as acquisition_channel,
        {{ cs_metrics.hubspot_id(cs_metrics.source_column_or_null(
            companies_relation,
            var('hubspot_company_csm_property'),
            dbt.type_bigint()
        )) }} as csm_user_id,
        {{ cs_metrics.utc_timestamp(
            companies_relation, 'property_createdate'
        ) }} as created_at,
        {{ cs_metrics.utc_timestamp(
            companies_relation, 'property_hs_lastmodifieddate'
        ) }} as updated_at,
        coalesce(is_deleted, false) as is_deleted,
        {{ cs_metrics.utc_timestamp(companies_relation, '_fivetran_synced') }}
            as synced_at
    from companies
),

final as (
    select
        account_ids.account_id,
        renamed.account_name,
        coalesce(parents.account_id, renamed.parent_company_id)
            as parent_account_id,
        renamed.industry,
        renamed.region,
        renamed.country_code,
        renamed.employee_count,
        renamed.acquisition_channel,
        cast({{ cs_metrics.crm_csm_owner_id(
            'renamed.csm_user_id', 'users.role'
        ) }} as {{ dbt.type_string() }}) as csm_owner_id,
        renamed.created_at,
        renamed.updated_at,
        renamed.is_deleted,
        renamed.synced_at as _loaded_at
    from renamed
    inner join account_ids
        on renamed.company_id = account_ids.company_id
    left outer join account_ids as parents
        on renamed.parent_company_id = parents.company_id
    left outer join users
        on renamed.csm_user_id = users.user_id
)

select * from final
