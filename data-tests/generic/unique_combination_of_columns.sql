{#-
    Fails for every combination of the given columns that occurs more than
    once (a composite primary key). Rows where a key column is null count
    like any other value; pair with not_null tests on the key columns.
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

duplicated as (
    select
        {% for column in combination_of_columns -%}
            {{ column }},
        {% endfor -%}
        count(*) as row_count
    from {{ model }}
    group by
        {% for column in combination_of_columns -%}
            {{ column }}{{ "," if not loop.last }}
        {% endfor %}
    having count(*) > 1
)

select * from duplicated

{% endtest %}
