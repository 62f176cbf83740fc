{#-
    The value types of the project, one precision per kind. Every model
    casts money, ratios, scores and exchange rates through these, so a
    precision is changed in one place and every mart contract agrees.
-#}

{#- Money in major units of the reporting (or a local) currency. -#}
{% macro type_money() %}
    {{ return(adapter.dispatch('type_money', 'cs_metrics')()) }}
{% endmacro %}

{% macro default__type_money() %}
    {{ return(api.Column.numeric_type('numeric', 28, 6)) }}
{% endmacro %}


{#-
    Ratios and rates (NRR, churn rates, shares): 10 decimals, and room for
    the large values a tiny denominator gives (a segment whose starting MRR
    is a few cents).
-#}
{% macro type_ratio() %}
    {{ return(adapter.dispatch('type_ratio', 'cs_metrics')()) }}
{% endmacro %}

{% macro default__type_ratio() %}
    {{ return(api.Column.numeric_type('numeric', 38, 10)) }}
{% endmacro %}


{#- Scores on the 0-100 scale (health components, health scores, NPS). -#}
{% macro type_score() %}
    {{ return(adapter.dispatch('type_score', 'cs_metrics')()) }}
{% endmacro %}

{% macro default__type_score() %}
    {{ return(api.Column.numeric_type('numeric', 28, 6)) }}
{% endmacro %}


{#-
    Exchange rates: 12 decimals, so the rates of small-unit currencies
    (1 JPY = 0.0067 USD) stay exact to well below a cent on any amount.
-#}
{% macro type_fx_rate() %}
    {{ return(adapter.dispatch('type_fx_rate', 'cs_metrics')()) }}
{% endmacro %}

{% macro default__type_fx_rate() %}
    {{ return(api.Column.numeric_type('numeric', 28, 12)) }}
{% endmacro %}


{#-
    Double-precision floating point, for intermediate arithmetic whose
    result is rounded to a decimal type afterwards (dbt.type_float() is a
    4-byte float on DuckDB).
-#}
{% macro type_double() %}
    {{ return(adapter.dispatch('type_double', 'cs_metrics')()) }}
{% endmacro %}

{% macro default__type_double() %}
    {{ return('double precision') }}
{% endmacro %}

{% macro spark__type_double() %}
    {{ return('double') }}
{% endmacro %}


{#-
    Money as the raw contract stores it (decimal(18,4), major units): the
    type connector presets give the contract tables' amount columns.
-#}
{% macro type_raw_money() %}
    {{ return(api.Column.numeric_type('numeric', 18, 4)) }}
{% endmacro %}
