{#-
    cs_metrics installed as a package of another dbt project (the host;
    docs/package.md). dbt runs the on-run-start and on-run-end hooks of
    every installed package on every command, and gives the macros of a
    package the root project's name as project_name: these helpers let the
    hooks tell the two cases apart and act only on this project's nodes.
-#}

{#- The package name of this project's nodes (dbt_project.yml name), which
    project_name is only when cs_metrics is the root project. -#}
{% macro package_name() %}
    {{ return('cs_metrics') }}
{% endmacro %}


{#- Whether cs_metrics is installed as a package of another project. -#}
{% macro is_installed_as_package() %}
    {{ return(project_name != cs_metrics.package_name()) }}
{% endmacro %}


{#-
    Whether the running command selected any node of this project (model,
    seed, test, unit test): the hooks do nothing when a host project builds
    only its own models. Always true when cs_metrics is the root project.
-#}
{% macro package_nodes_selected() %}
    {%- if not cs_metrics.is_installed_as_package() -%}
        {{ return(true) }}
    {%- endif -%}
    {%- for unique_id in selected_resources or []
        if unique_id.split('.')[1] == cs_metrics.package_name() -%}
        {{ return(true) }}
    {%- endfor -%}
    {{ return(false) }}
{% endmacro %}


{#-
    on-run-start, installed as a package: stop when dbt would not use this
    project's versions of dbt's own macros (macros/
    cross_database_overrides.sql: <adapter>__<macro> in namespace dbt, e.g.
    postgres__datediff, which keeps datediff an integer). dbt looks for
    them only in the root project unless its dispatch config puts
    cs_metrics before dbt; without them the numbers or the unit tests could
    differ from the standalone build's. Names the config line to add.
-#}
{% macro check_package_dispatch() %}
    {%- if not execute or not cs_metrics.is_installed_as_package()
        or not cs_metrics.package_nodes_selected() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set prefix = target.type ~ '__' -%}
    {%- set builtins_of_dbt = context.get('dbt', {}) -%}
    {#- dbt's parser reads the macro name of a literal adapter.dispatch(...)
        call; this one is computed, so it is called through a variable -#}
    {%- set dispatch = adapter.dispatch -%}
    {%- set ignored = [] -%}
    {%- for name in context.get(cs_metrics.package_name(), {}) | sort
        if name.startswith(prefix) and name[prefix | length:] in builtins_of_dbt -%}
        {%- set used = dispatch(name[prefix | length:], 'dbt') -%}
        {%- if used.macro.package_name not in [cs_metrics.package_name(), project_name] -%}
            {%- do ignored.append(name[prefix | length:]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if ignored | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "cs_metrics is installed as a package, and dbt does not use its "
            ~ target.type ~ " versions of dbt's " ~ ignored | join(', ')
            ~ ": add `dispatch: [{macro_namespace: dbt, search_order: ['"
            ~ project_name ~ "', 'cs_metrics', 'dbt']}]` to " ~ project_name
            ~ "'s dbt_project.yml (docs/package.md)."
        ) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
