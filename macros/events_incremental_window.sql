{#-
    Which product events an incremental run of int_product_events_deduplicated
    re-processes, as a dict, or none on a first build, a --full-refresh, an
    empty table and while parsing (then every event is processed):
      start     - 'YYYY-MM-DD': every event on or after this day. The
                  look-back is anchored on the latest stored day, capped at
                  as_of_date (so a future-dated event cannot move it
                  forward), minus var events_lookback_days;
      late_days - ['YYYY-MM-DD', ...]: earlier days that received an event
                  loaded (_loaded_at) after the latest load already stored:
                  events that arrived later than the look-back. Those days
                  are re-processed whole, so nothing is missed;
      late_events, undated_events - counts for the run's report.
    Each run logs what it found. Without a _loaded_at column late events
    cannot be told apart: the run says so, and events older than the
    look-back then need a --full-refresh.
-#}
{% macro events_incremental_window(events_relation, lookback_days) %}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set state = run_query(
        'select max(activity_date) as max_day, max(loaded_at) as max_loaded_at'
        ~ ' from ' ~ this
    ) -%}
    {%- set max_day = state.columns[0].values()[0] -%}
    {%- set watermark = state.columns[1].values()[0] -%}
    {%- if max_day is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set day_format = '%Y-%m-%d' -%}
    {%- set anchor = [
        modules.datetime.datetime.strptime((max_day | string)[:10], day_format),
        modules.datetime.datetime.strptime(as_of_date_string(), day_format),
    ] | min -%}
    {%- set start = (
        anchor - modules.datetime.timedelta(days=lookback_days | int)
    ).strftime(day_format) -%}
    {%- set window = {
        'start': start, 'late_days': [], 'late_events': 0, 'undated_events': 0
    } -%}
    {%- if watermark is none -%}
        {%- do log(
            'int_product_events_deduplicated: product.events has no _loaded_at'
            ~ ' values, so events arriving more than ' ~ lookback_days
            ~ ' days late (var events_lookback_days) cannot be found by an'
            ~ ' incremental run: rebuild with `dbt build --full-refresh'
            ~ ' --select int_product_events_deduplicated+` after a late load.',
            info=true
        ) -%}
        {{ return(window) }}
    {%- endif -%}
    {%- set late = run_query(
        'select cast(occurred_at as date) as activity_date, count(*) as events'
        ~ ' from ' ~ events_relation
        ~ " where loaded_at > cast('" ~ watermark ~ "' as "
        ~ dbt.type_timestamp() ~ ')'
        ~ " and (occurred_at is null or occurred_at < cast('" ~ start
        ~ "' as " ~ dbt.type_timestamp() ~ '))'
        ~ ' group by cast(occurred_at as date)'
        ~ ' order by 1 nulls first'
    ) -%}
    {%- for row in late.rows -%}
        {%- if row[0] is none -%}
            {%- do window.update({'undated_events': row[1] | int}) -%}
        {%- else -%}
            {%- do window.late_days.append((row[0] | string)[:10]) -%}
            {%- do window.update(
                {'late_events': window.late_events + row[1] | int}
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if window.late_events > 0 -%}
        {%- do log(
            'int_product_events_deduplicated: ' ~ window.late_events
            ~ ' event(s) loaded since the last run happened before the '
            ~ lookback_days ~ '-day look-back (' ~ window.late_days | length
            ~ ' day(s), from ' ~ window.late_days[0] ~ ' to '
            ~ window.late_days[-1] ~ '); those days are re-processed whole.',
            info=true
        ) -%}
    {%- endif -%}
    {%- if window.undated_events > 0 -%}
        {%- do log(
            'int_product_events_deduplicated: ' ~ window.undated_events
            ~ ' event(s) loaded since the last run have no occurred_at; an'
            ~ ' incremental run cannot place them. They are listed in'
            ~ ' fct_data_quality_issues after a `dbt build --full-refresh'
            ~ ' --select int_product_events_deduplicated+`.',
            info=true
        ) -%}
    {%- endif -%}
    {{ return(window) }}
{% endmacro %}
