{#-
    Custom schemas are used as-is (staging, intermediate, marts, config)
    instead of dbt's default "<target_schema>_<custom>", so BI tools and
    grants can rely on fixed schema names. The environment variable
    CS_METRICS_SCHEMA_PREFIX (empty by default) is put in front of each, so
    two developers can share one PostgreSQL database (e.g. CS_METRICS_
    SCHEMA_PREFIX=dev_ana_ builds dev_ana_staging ... dev_ana_marts). The
    raw schemas (vars <source>_schema) are not prefixed: they are shared.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ env_var('CS_METRICS_SCHEMA_PREFIX', '') ~ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
