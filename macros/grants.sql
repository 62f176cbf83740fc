{#-
    on-run-end: give the read-only BI role (var bi_role) usage on the
    schema(s) of the public models (marts) and select on every table in
    them, creating the role (NOLOGIN: grant it to your BI users) when it is
    missing. Nothing else is granted, so raw, staging and intermediate data
    stay out of its reach. PostgreSQL only; a no-op on other adapters.
-#}
{% macro grant_marts_to_bi_role() %}
    {{ return(adapter.dispatch('grant_marts_to_bi_role', 'cs_metrics')()) }}
{% endmacro %}

{% macro default__grant_marts_to_bi_role() %}
    {{ return('') }}
{% endmacro %}

{% macro postgres__grant_marts_to_bi_role() %}
    {%- set role_name = cs_metrics.setting('bi_role') -%}
    {%- if not execute or not role_name -%}
        {{ return('') }}
    {%- endif -%}
    {%- set schemas = [] -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.access == 'public'
            and node.config.materialized != 'ephemeral'
            and node.schema not in schemas -%}
            {%- do schemas.append(node.schema) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set role = adapter.quote(role_name) -%}
    {%- set statements = [] -%}
    {%- do statements.append(
        "do $grant$ begin if not exists (select from pg_catalog.pg_roles"
        ~ " where rolname = " ~ cs_metrics.sql_string(role_name) ~ ") then create role "
        ~ role ~ " nologin; end if; end $grant$"
    ) -%}
    {%- for schema_name in schemas | sort -%}
        {%- set schema = adapter.quote(schema_name) -%}
        {#- only schemas this run (or an earlier one) created -#}
        {%- set found = run_query(
            "select 1 from pg_catalog.pg_namespace where nspname = "
            ~ cs_metrics.sql_string(schema_name)
        ) -%}
        {%- if found.rows | length > 0 -%}
            {%- do statements.append(
                'grant usage on schema ' ~ schema ~ ' to ' ~ role
            ) -%}
            {%- do statements.append(
                'grant select on all tables in schema ' ~ schema
                ~ ' to ' ~ role
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements | join(';\n')) }}
{% endmacro %}
