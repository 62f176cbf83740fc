{#-
    The rows of a model where one of the conditions holds (conditions: column
    name -> SQL condition on the row), with label_column naming the columns
    whose condition holds: the body of the generic tests columns_not_null and
    columns_within_range (one query per model instead of one per column).
-#}
{% macro rows_failing_by_column(model, conditions, label_column) %}

{%- set named = ["''"] -%}
{%- for column, condition in conditions.items() -%}
    {%- do named.append(
        "case when " ~ condition ~ " then '" ~ column ~ " ' else '' end"
    ) -%}
{%- endfor %}

with

checked as (
    select
        *,
        {{ dbt.concat(named) }} as {{ label_column }}
    from {{ model }}
)

select * from checked
where
    {% for condition in conditions.values() -%}
        {{ condition }}{{ " or" if not loop.last }}
    {% endfor %}

{% endmacro %}
