{#-
    The type of exchange rates in the revenue models: 12 decimals, so the
    rates of small-unit currencies (1 JPY = 0.0067 USD) stay exact to well
    below a cent on any realistic amount.
-#}
{% macro type_fx_rate() %}
    {{ return(adapter.dispatch('type_fx_rate', 'cs_metrics')()) }}
{% endmacro %}

{% macro default__type_fx_rate() %}
    {{ return(api.Column.numeric_type('numeric', 28, 12)) }}
{% endmacro %}
