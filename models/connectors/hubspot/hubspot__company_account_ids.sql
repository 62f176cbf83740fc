{#-
    The contract account_id of each HubSpot company: the value of the
    company property var hubspot_company_account_id_property (the id your
    billing, product and NPS data use) when set and not blank, else the
    HubSpot company id. Every reference to a company (parent, contact,
    deal, engagement) goes through it.
-#}

{{ config(enabled=cs_metrics.preset_selected('hubspot')) }}

{%- set companies_relation = source('hubspot', 'company') -%}
{%- set account_id_property = var('hubspot_company_account_id_property') -%}

with

companies as (
    select * from {{ companies_relation }}
),

final as (
    select
        {{ cs_metrics.hubspot_id('id') }} as company_id,
        {% if account_id_property -%}
        coalesce(
            nullif(trim({{ cs_metrics.source_column_or_null(
                companies_relation, account_id_property, dbt.type_string()
            ) }}), ''),
            {{ cs_metrics.hubspot_id('id') }}
        )
        {%- else -%}
        {{ cs_metrics.hubspot_id('id') }}
        {%- endif %} as account_id
    from companies
)

select * from final
