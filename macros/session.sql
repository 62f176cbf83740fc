{#-
    Engine session settings the numbers depend on, applied by the project
    itself (dbt_project.yml) so they do not depend on the machine, the
    server's defaults or the user's environment.
-#}

{#-
    pre_hook of every model: run the session in UTC. PostgreSQL converts
    `timestamp with time zone` values with the session's time zone, which
    defaults to the server's (or the client's PGTZ); dbt-postgres has no
    profile setting for it, so each model's connection sets it before the
    model runs. DuckDB sets TimeZone in the profile (settings) and Spark
    spark.sql.session.timeZone (server_side_parameters): nothing to do.
-#}
{% macro set_session_utc() %}
    {{ return(adapter.dispatch('set_session_utc', 'cs_metrics')()) }}
{% endmacro %}

{% macro default__set_session_utc() %}
    {{ return('') }}
{% endmacro %}

{% macro postgres__set_session_utc() %}
    {{ return("set time zone 'UTC'") }}
{% endmacro %}


{#-
    post_hook of every model: give the planner statistics on what was just
    built. PostgreSQL does not analyze a table created by `create table as`
    until autovacuum gets to it, and without statistics it misjudges the
    filtered staging and intermediate tables by orders of magnitude (a
    nested-loop plan that took a minute instead of a second). A no-op on
    views and on other engines.
-#}
{% macro refresh_statistics() %}
    {{ return(adapter.dispatch('refresh_statistics', 'cs_metrics')()) }}
{% endmacro %}

{% macro default__refresh_statistics() %}
    {{ return('') }}
{% endmacro %}

{% macro postgres__refresh_statistics() %}
    {%- if model.config.materialized in ['table', 'incremental'] -%}
        {{ return('analyze ' ~ this) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
