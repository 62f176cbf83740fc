{#-
    on-run-start: every check that can refuse a run, before the first model
    is rebuilt, so a refused run leaves every table as it was:
      1. the vars (var_problems, macros/vars.sql): each value of its form,
         the rules between vars, no unknown --vars name;
      2. as_of_date not moved back before the month the month-window
         tables were built for (refuse_as_of_moved_back,
         macros/month_window.sql; not on --full-refresh);
      3. the raw input contract (check_raw_contract): tables, required
         columns, types (skipped with var check_raw_contract false);
      4. the keys of the raw tables (duplicate_key_problems_before_run) that
         the models of this run read.
    Each stops the run with one message; the next is not run. Two data
    checks need the pipeline and run where their rule is computed, before
    any public mart (docs/bad-input.md, "A refused run changes nothing"):
    FX coverage (raise_on_missing_fx_rates) and amounts beyond the exact
    range (raise_on_money_beyond_bound). Nothing while parsing.
-#}
{% macro check_before_run() %}
    {#- installed as a package: only on runs of this project's nodes -#}
    {%- if not execute or not cs_metrics.package_nodes_selected() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set var_lines = cs_metrics.var_problems() -%}
    {%- if var_lines | length > 0 -%}
        {%- set message -%}
The vars of this run are not valid (checked before running; nothing was built):
{{ var_lines | join('\n') }}
Set them with --vars or in dbt_project.yml; docs/configuration.md gives the
allowed form of every var.
        {%- endset -%}
        {{ exceptions.raise_compiler_error(message) }}
    {%- endif -%}
    {%- do cs_metrics.refuse_as_of_moved_back() -%}
    {%- do cs_metrics.check_raw_contract() -%}
    {%- do cs_metrics.raise_duplicate_keys(
        cs_metrics.duplicate_key_problems_before_run()
    ) -%}
    {{ return('') }}
{% endmacro %}
