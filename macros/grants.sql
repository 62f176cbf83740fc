{#-
    on-run-end: give the read-only BI role (var bi_role) usage on the
    schema(s) of the public models (marts) and select on each of those
    models, creating the role (NOLOGIN: grant it to your BI users) when it
    is missing. Nothing else is granted, so raw, staging and intermediate
    data stay out of its reach, and so do the tables of a host project that
    installed cs_metrics as a package (its models may share a schema with
    the marts; the hook does nothing on a run of none of our nodes).
    PostgreSQL only; a no-op on other adapters.
-#}
{% macro grant_marts_to_bi_role() %}
    {{ return(adapter.dispatch('grant_marts_to_bi_role', 'cs_metrics')()) }}
{% endmacro %}

{% macro default__grant_marts_to_bi_role() %}
    {{ return('') }}
{% endmacro %}

{% macro postgres__grant_marts_to_bi_role() %}
    {%- set role_name = cs_metrics.setting('bi_role') -%}
    {%- if not execute or not role_name
        or not cs_metrics.package_nodes_selected() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set public = {} -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.access == 'public'
            and node.package_name == cs_metrics.package_name()
            and node.config.materialized != 'ephemeral' -%}
            {%- do public.update({
                (node.schema ~ '.' ~ node.alias) | lower: node
            }) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if public | length == 0 -%}
        {{ return('') }}
    {%- endif -%}
    {%- set schemas = [] -%}
    {%- for node in public.values() if node.schema not in schemas -%}
        {%- do schemas.append(node.schema) -%}
    {%- endfor -%}
    {#- only the relations this run (or an earlier one) built -#}
    {%- set found = run_query(
        "select namespace.nspname, relation.relname"
        ~ " from pg_catalog.pg_class as relation"
        ~ " inner join pg_catalog.pg_namespace as namespace"
        ~ " on relation.relnamespace = namespace.oid"
        ~ " where relation.relkind in ('r', 'p', 'v', 'm')"
        ~ " and namespace.nspname in ('" ~ schemas | join("', '") ~ "')"
        ~ " order by 1, 2"
    ) -%}
    {%- set role = adapter.quote(role_name) -%}
    {%- set statements = [] -%}
    {%- do statements.append(
        "do $grant$ begin if not exists (select from pg_catalog.pg_roles"
        ~ " where rolname = " ~ cs_metrics.sql_string(role_name) ~ ") then create role "
        ~ role ~ " nologin; end if; end $grant$"
    ) -%}
    {%- set granted_schemas = [] -%}
    {%- for row in found.rows
        if (row[0] ~ '.' ~ row[1]) | lower in public -%}
        {%- if row[0] not in granted_schemas -%}
            {%- do granted_schemas.append(row[0]) -%}
            {%- do statements.append(
                'grant usage on schema ' ~ adapter.quote(row[0]) ~ ' to ' ~ role
            ) -%}
        {%- endif -%}
        {%- do statements.append(
            'grant select on ' ~ adapter.quote(row[0]) ~ '.'
            ~ adapter.quote(row[1]) ~ ' to ' ~ role
        ) -%}
    {%- endfor -%}
    {{ return(statements | join(';\n')) }}
{% endmacro %}
