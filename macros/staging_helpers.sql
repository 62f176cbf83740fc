{#-
    Small helpers shared by the staging models.
-#}

{#-
    The reason(s) a row breaks the raw contract, or null when it does not.
    checks: list of (condition, reason) pairs; a condition that is null
    (e.g. on a null value) does not count as a violation. Reasons are joined
    with '; '.
-#}
{% macro contract_violation_reason(checks) %}
    {{ return(adapter.dispatch('contract_violation_reason', 'cs_metrics')(checks)) }}
{% endmacro %}

{#- the reasons are joined only on a row that breaks a check: most rows
    break none, and building an empty string on each of 50 million events
    costs more than testing the conditions once more -#}
{% macro default__contract_violation_reason(checks) -%}
    case
        when
            {%- for condition, reason in checks %}
            {{ 'or ' if not loop.first }}({{ condition }})
            {%- endfor %}
            then concat_ws(
                '; ',
                {%- for condition, reason in checks %}
                case when {{ condition }} then '{{ reason }}' end
                {{- "," if not loop.last }}
                {%- endfor %}
            )
    end
{%- endmacro %}


{#-
    A deterministic fingerprint (hash) of the given columns, used as the
    last tie-breaker when de-duplicating so reruns pick the same row.
-#}
{% macro row_fingerprint(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- if not loop.first -%}
            {%- do parts.append("'|'") -%}
        {%- endif -%}
        {%- do parts.append(
            "coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '~')"
        ) -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

