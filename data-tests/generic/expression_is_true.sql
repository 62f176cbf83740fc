{#-
    Fails for every row where the expression (SQL over the model's columns)
    is false. Rows where it is null (a null input) are not checked.
-#}
{% test expression_is_true(model, expression) %}

select * from {{ model }}
where not ({{ expression }})

{% endtest %}
