{#-
    The usage counts of a set of events, one select-list entry per line
    (the last without a comma), for a query grouped by account and period:
    active_users (distinct users), active_days (distinct UTC days),
    event_count and core_features_used (distinct core features of the
    feature_catalog seed, left-joined as `core_events`). Distinct users and
    features are counted over the period, never added up from days.
    Used by int_account_months_usage_summed (calendar months) and
    int_account_windows_usage_summed (the windows of the month in progress).
-#}
{% macro usage_summed_columns(events, core_events) -%}
    cast(
            count(distinct {{ events }}.user_id) as {{ dbt.type_int() }}
        ) as active_users,
        cast(
            count(distinct {{ events }}.activity_date) as {{ dbt.type_int() }}
        ) as active_days,
        cast(count(*) as {{ dbt.type_bigint() }}) as event_count,
        cast(
            count(distinct {{ core_events }}.feature) as {{ dbt.type_int() }}
        ) as core_features_used
{%- endmacro %}
