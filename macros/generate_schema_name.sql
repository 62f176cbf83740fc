{#-
    Custom schemas are used as-is (staging, intermediate, marts, config)
    instead of dbt's default "<target_schema>_<custom>", so BI tools and
    grants can rely on fixed schema names. The environment variable
    CS_METRICS_SCHEMA_PREFIX (empty by default) is put in front of each, so
    two developers can share one PostgreSQL database (e.g. CS_METRICS_
    SCHEMA_PREFIX=dev_ana_ builds dev_ana_staging ... dev_ana_marts). The
    raw schemas (vars <source>_schema) are not prefixed: they are shared.

    Installed as a package (docs/package.md), dbt still calls this macro for
    the package's nodes; it then names them as the host project names its
    own: with the host's generate_schema_name when it has one, else dbt's
    default (<target_schema>_marts, ...).
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if cs_metrics.is_installed_as_package() -%}
        {%- set host_macro = context.get(project_name, {}).get('generate_schema_name') -%}
        {%- if host_macro is not none -%}
            {{ host_macro(custom_schema_name, node) }}
        {%- else -%}
            {{ dbt.generate_schema_name(custom_schema_name, node) }}
        {%- endif -%}
    {%- elif custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ env_var('CS_METRICS_SCHEMA_PREFIX', '') ~ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
