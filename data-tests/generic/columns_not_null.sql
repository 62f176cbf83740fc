{#-
    Fails for every row where one of the given columns is null, naming the
    null columns of the row (null_columns). One query per model instead of
    one per column: on engines with a per-query cost (Spark, PostgreSQL) a
    project with hundreds of not_null tests spends most of its build in
    their overhead.
-#}
{% test columns_not_null(model, column_names) %}

{%- set conditions = {} -%}
{%- for column in column_names -%}
    {%- do conditions.update({column: column ~ " is null"}) -%}
{%- endfor -%}

{{ cs_metrics.rows_failing_by_column(model, conditions, 'null_columns') }}

{% endtest %}
