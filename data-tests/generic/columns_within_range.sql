{#-
    Fails for every row where one of the given columns is outside
    [min_value, max_value] (either bound may be left out), naming the
    columns out of range (out_of_range_columns). Nulls are not checked
    (pair with columns_not_null). One query per model, as columns_not_null.
-#}
{% test columns_within_range(model, column_names, min_value=none, max_value=none) %}

{%- set conditions = {} -%}
{%- for column in column_names -%}
    {%- set bounds = [] -%}
    {%- if min_value is not none -%}
        {%- do bounds.append(column ~ " < " ~ min_value) -%}
    {%- endif -%}
    {%- if max_value is not none -%}
        {%- do bounds.append(column ~ " > " ~ max_value) -%}
    {%- endif -%}
    {%- do conditions.update({column: "(" ~ bounds | join(" or ") ~ ")"}) -%}
{%- endfor -%}

{{ cs_metrics.rows_failing_by_column(model, conditions, 'out_of_range_columns') }}

{% endtest %}
