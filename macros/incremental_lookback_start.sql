{#-
    Incremental models with a late-arrival look-back: the first day an
    incremental run re-processes, 'YYYY-MM-DD' = (greatest day already in
    the model's table) - lookback_days. None on a first or full-refresh
    build, while parsing, or when the table is empty: then everything is
    processed. Rendered as a literal so engines can prune the scan on it.
-#}
{% macro incremental_lookback_start(date_column, lookback_days) %}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set result = run_query(
        'select max(' ~ date_column ~ ') as max_day from ' ~ this
    ) -%}
    {%- set max_day = result.columns[0].values()[0] -%}
    {%- if max_day is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set max_date = modules.datetime.datetime.strptime(
        (max_day | string)[:10], '%Y-%m-%d'
    ) -%}
    {%- set start = max_date - modules.datetime.timedelta(
        days=lookback_days | int
    ) -%}
    {{ return(start.strftime('%Y-%m-%d')) }}
{% endmacro %}
