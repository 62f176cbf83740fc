{#-
    Helpers of the HubSpot CRM preset (models/connectors/hubspot/,
    docs/presets/hubspot.md).
-#}

{#-
    A HubSpot id (a number; a number property may arrive as a float) as the
    contract's text id: 5000000123, never 5000000123.0.
-#}
{% macro hubspot_id(expression) -%}
    cast(cast({{ expression }} as {{ dbt.type_bigint() }}) as {{ dbt.type_string() }})
{%- endmacro %}


{#-
    Why a HubSpot row is left out, or null when the preset uses it: the
    boolean column `deleted_column` (is_deleted, _fivetran_deleted) is true.
    `label` names the column in the reason, e.g. engagement_call._fivetran_deleted.
-#}
{% macro hubspot_deleted_reason(deleted_column, label) -%}
    case
        when coalesce({{ deleted_column }}, false)
            then 'deleted in HubSpot ({{ label }} = true)'
    end
{%- endmacro %}
