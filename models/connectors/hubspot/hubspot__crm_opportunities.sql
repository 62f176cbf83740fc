{#-
    crm.opportunities from HubSpot deals (docs/presets/hubspot.md): every
    deal not deleted (deleted ones are left out and listed). The account is
    the deal's primary company (association type 5), else its company with
    the lowest id. A closed stage with probability 1 is closed_won, any
    other closed stage closed_lost; an open stage is its label, lower-cased.
    The type is dealtype mapped by var crm_opportunity_types; the amount is
    in deal_currency_code (else var hubspot_default_currency, else
    reporting_currency); close_date is the UTC date of closedate.
-#}

{{ config(enabled=cs_metrics.preset_selected('hubspot')) }}

{%- set deals_relation = source('hubspot', 'deal') -%}
{%- set deal_companies_relation = source('hubspot', 'deal_company') -%}

with

deals as (
    select * from {{ deals_relation }}
),

deal_companies as (
    select * from {{ deal_companies_relation }}
),

stages as (
    select * from {{ source('hubspot', 'deal_pipeline_stage') }}
),

account_ids as (
    select * from {{ ref('hubspot__company_account_ids') }}
),

renamed as (
    select
        {{ cs_metrics.hubspot_id('deal_id') }} as opportunity_id,
        cast(deal_pipeline_stage_id as {{ dbt.type_string() }}) as stage_id,
        {{ cs_metrics.hubspot_id('owner_id') }} as owner_id,
        {{ cs_metrics.crm_mapped_value(
            'property_dealtype', var('crm_opportunity_types')
        ) }} as opportunity_type,
        cast(property_amount as {{ cs_metrics.type_raw_money() }}) as amount,
        upper(coalesce(
            {{ cs_metrics.source_column_or_null(
                deals_relation, 'property_deal_currency_code', dbt.type_string()
            ) }},
            {{ cs_metrics.crm_default_currency('hubspot_default_currency') }}
        )) as currency,
        {{ cs_metrics.utc_timestamp(deals_relation, 'property_createdate') }}
            as created_at,
        cast(
            {{ cs_metrics.utc_timestamp(deals_relation, 'property_closedate') }}
            as date
        ) as close_date,
        {{ cs_metrics.hubspot_deleted_reason('is_deleted', 'deal.is_deleted') }}
            as left_out_reason
    from deals
),

-- each deal's company: the primary association, else the lowest company id
ranked_companies as (
    select
        {{ cs_metrics.hubspot_id('deal_id') }} as opportunity_id,
        {{ cs_metrics.hubspot_id('company_id') }} as company_id,
        row_number() over (
            partition by deal_id
            order by
                case
                    when {{ cs_metrics.source_column_or_null(
                        deal_companies_relation, 'type_id', dbt.type_bigint()
                    ) }} = 5 then 0
                    else 1
                end,
                company_id
        ) as company_rank
    from deal_companies
),

final as (
    select
        renamed.opportunity_id,
        coalesce(account_ids.account_id, ranked_companies.company_id)
            as account_id,
        cast(renamed.opportunity_type as {{ dbt.type_string() }})
            as opportunity_type,
        cast(case
            when coalesce(stages.is_closed, false) and stages.probability >= 1
                then 'closed_won'
            when coalesce(stages.is_closed, false) then 'closed_lost'
            else lower(trim(coalesce(
                cast(stages.label as {{ dbt.type_string() }}), renamed.stage_id
            )))
        end as {{ dbt.type_string() }}) as stage, -- noqa: RF04
        renamed.amount,
        renamed.currency,
        renamed.created_at,
        renamed.close_date,
        renamed.owner_id
    from renamed
    left outer join ranked_companies
        on
            renamed.opportunity_id = ranked_companies.opportunity_id
            and ranked_companies.company_rank = 1
    left outer join account_ids
        on ranked_companies.company_id = account_ids.company_id
    left outer join stages
        on renamed.stage_id = cast(stages.stage_id as {{ dbt.type_string() }})
    where renamed.left_out_reason is null
)

select * from final
