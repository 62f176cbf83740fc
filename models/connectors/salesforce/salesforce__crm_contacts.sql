{#-
    crm.contacts from Salesforce contacts (docs/presets/salesforce.md): the
    current row of each live contact (deleted ones are left out and listed
    by salesforce__data_quality_issues); a decision maker when the checkbox
    field var salesforce_contact_decision_maker_field is true (absent: no
    contact is).
-#}

{{ config(enabled=cs_metrics.preset_selected('salesforce')) }}

{%- set contacts_relation = source('salesforce', 'contact') -%}

with

contacts as (
    {{ cs_metrics.salesforce_current_rows('contact') }}
),

final as (
    select
        cast(id as {{ dbt.type_string() }}) as contact_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(name as {{ dbt.type_string() }}) as full_name,
        cast(email as {{ dbt.type_string() }}) as email,
        cast(title as {{ dbt.type_string() }}) as title,
        coalesce({{ cs_metrics.source_column_or_null(
            contacts_relation,
            var('salesforce_contact_decision_maker_field'),
            dbt.type_boolean()
        ) }}, false) as is_decision_maker,
        {{ cs_metrics.utc_timestamp(contacts_relation, 'created_date') }}
            as created_at
    from contacts
    where left_out_reason is null
)

select * from final
