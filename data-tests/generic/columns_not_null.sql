{#-
    Fails for every row where one of the given columns is null, naming the
    null columns of the row (null_columns). One query per model instead of
    one per column: on engines with a per-query cost (Spark, PostgreSQL) a
    project with hundreds of not_null tests spends most of its build in
    their overhead.
-#}
{% test columns_not_null(model, column_names) %}

{%- set named = ["''"] -%}
{%- for column in column_names -%}
    {%- do named.append(
        "case when " ~ column ~ " is null then '" ~ column ~ " ' else '' end"
    ) -%}
{%- endfor %}

with

checked as (
    select
        *,
        {{ dbt.concat(named) }} as null_columns
    from {{ model }}
)

select * from checked
where
    {% for column in column_names -%}
        {{ column }} is null{{ " or" if not loop.last }}
    {% endfor %}

{% endtest %}
