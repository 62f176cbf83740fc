{#-
    crm.opportunities from Salesforce opportunities
    (docs/presets/salesforce.md): the current row of each live opportunity
    (deleted ones are left out and listed). A closed stage is closed_won or
    closed_lost by is_closed and is_won, whatever its name; an open stage
    is its name, lower-cased. The type is mapped by var
    crm_opportunity_types; amount is in currency_iso_code (an org without
    multi-currency: var salesforce_default_currency, else
    reporting_currency).
-#}

{{ config(enabled=cs_metrics.preset_selected('salesforce')) }}

{%- set opportunities_relation = source('salesforce', 'opportunity') -%}

with

opportunities as (
    {{ cs_metrics.salesforce_current_rows('opportunity') }}
),

final as (
    select
        cast(id as {{ dbt.type_string() }}) as opportunity_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast({{ cs_metrics.crm_mapped_value(
            'type', var('crm_opportunity_types')
        ) }} as {{ dbt.type_string() }}) as opportunity_type,
        cast(case
            when coalesce(is_closed, false) and coalesce(is_won, false)
                then 'closed_won'
            when coalesce(is_closed, false) then 'closed_lost'
            else lower(trim(cast(stage_name as {{ dbt.type_string() }})))
        end as {{ dbt.type_string() }}) as stage, -- noqa: RF04
        cast(amount as {{ cs_metrics.type_raw_money() }}) as amount,
        upper(coalesce(
            {{ cs_metrics.source_column_or_null(
                opportunities_relation, 'currency_iso_code', dbt.type_string()
            ) }},
            {{ cs_metrics.crm_default_currency('salesforce_default_currency') }}
        )) as currency,
        {{ cs_metrics.utc_timestamp(opportunities_relation, 'created_date') }}
            as created_at,
        {{ cs_metrics.utc_date(opportunities_relation, 'close_date') }}
            as close_date,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id
    from opportunities
    where left_out_reason is null
)

select * from final
