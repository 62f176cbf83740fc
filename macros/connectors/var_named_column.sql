{#-
    The text of a connector column whose name a var gives (the column of a
    Zendesk organization or a Segment group holding the CRM account id):
    `nullif(trim(cast(<column> as text)), '')`, so blank is null.
    A column the connector table does not have stops the build in one line
    naming the table, the column, the var and the page that explains it
    (the sources YAML cannot list a column whose name is configured).
-#}
{% macro var_named_column_text(relation, var_name, table_label, docs_page) -%}
    {%- set column = var(var_name) | string | trim | lower -%}
    {%- if execute
        and not cs_metrics.is_unit_test_fixture(relation)
        and cs_metrics.raw_relation_exists(relation)
        and column not in cs_metrics.raw_column_names(relation) -%}
        {{ exceptions.raise_compiler_error(
            table_label ~ ' has no column ' ~ column ~ ' (var ' ~ var_name
            ~ '): set the var to the column that holds the CRM account id'
            ~ ' (' ~ docs_page ~ ').'
        ) }}
    {%- endif -%}
    nullif(trim(cast({{ adapter.quote(column) }} as {{ dbt.type_string() }})), '')
{%- endmacro %}
