{#-
    Helpers shared by the CRM presets (models/connectors/salesforce/,
    models/connectors/hubspot/; docs/presets/salesforce.md, hubspot.md).
-#}

{#-
    A CRM's own value of an enumeration as the contract's value: the value
    lower-cased and trimmed, looked up in `mapping` (a var such as
    crm_opportunity_types: CRM value -> contract value, keys in any case);
    a value not listed is returned lower-cased as it is, so a contract value
    needs no entry and any other is flagged by staging and listed in
    fct_data_quality_issues. Null stays null.
-#}
{% macro crm_mapped_value(expression, mapping) -%}
    {%- set normalised = 'lower(trim(cast(' ~ expression ~ ' as '
        ~ dbt.type_string() ~ ')))' -%}
    {%- if mapping -%}
    case {{ normalised }}
        {%- for crm_value, contract_value in mapping | dictsort %}
        when '{{ crm_value | string | trim | lower | replace("'", "''") }}'
            then '{{ contract_value | string | trim | lower | replace("'", "''") }}'
        {%- endfor %}
        else {{ normalised }}
    end
    {%- else -%}
    {{ normalised }}
    {%- endif -%}
{%- endmacro %}


{#-
    The contract role of a CRM user from the name of their role in the CRM
    (var crm_user_roles): a user without any role is `other`.
-#}
{% macro crm_user_role(role_name) -%}
    coalesce({{ cs_metrics.crm_mapped_value(role_name, var('crm_user_roles')) }}, 'other')
{%- endmacro %}


{#-
    The account's CSM: the user named by the account's owner field
    (`user_id`) when that user's contract role is csm, else null (an account
    owned by an account executive, a manager or an integration user has no
    CSM). `role` is the user's contract role (the preset's users model).
-#}
{% macro crm_csm_owner_id(user_id, role) -%}
    case when {{ role }} = 'csm' then {{ user_id }} end
{%- endmacro %}


{#- The currency of CRM amounts without a currency column: the preset's var, else reporting_currency. -#}
{% macro crm_default_currency(var_name) -%}
    '{{ (var(var_name) or var('reporting_currency')) | string | trim | upper }}'
{%- endmacro %}
