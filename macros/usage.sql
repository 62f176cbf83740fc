{#-
    The usage counts of a set of events, per key (account and period), as
    CTEs ending in one named `usage_summed`: active_users (distinct users),
    active_days (distinct UTC days), event_count and core_features_used
    (distinct core features of the feature_catalog seed). `keyed_events` is
    a CTE with the key columns, activity_date, user_id and feature (null
    for an event that is not a core feature). Distinct users, days and
    features are counted over the period, never added up from days.

    Each distinct count is a group by of its own followed by a count of the
    grouped rows, not a count(distinct ...): a grouped aggregate spills to
    disk when it outgrows the memory limit, a distinct aggregate over
    hundreds of millions of events does not (DuckDB), so the usage steps
    stay within the profile's memory_limit at any size.
    Used by int_account_months_usage_summed (calendar months) and
    int_account_windows_usage_summed (the windows of the month in progress).
-#}
{% macro usage_summed_ctes(keyed_events, keys) -%}
{%- set key_list = keys | join(', ') -%}
{%- set key_cols = keys | join(',\n        ') -%}
usage_by_user as (
    select
        {{ key_cols }},
        user_id,
        count(*) as event_count
    from {{ keyed_events }}
    group by {{ key_list }}, user_id
),

usage_by_day as (
    select
        {{ key_cols }},
        activity_date
    from {{ keyed_events }}
    group by {{ key_list }}, activity_date
),

usage_by_feature as (
    select
        {{ key_cols }},
        feature
    from {{ keyed_events }}
    where feature is not null
    group by {{ key_list }}, feature
),

users_summed as (
    select
        {{ key_cols }},
        count(*) as active_users,
        sum(event_count) as event_count
    from usage_by_user
    group by {{ key_list }}
),

days_summed as (
    select
        {{ key_cols }},
        count(*) as active_days
    from usage_by_day
    group by {{ key_list }}
),

features_summed as (
    select
        {{ key_cols }},
        count(*) as core_features_used
    from usage_by_feature
    group by {{ key_list }}
),

usage_summed as (
    select
        {%- for key in keys %}
        users_summed.{{ key }},
        {%- endfor %}
        cast(users_summed.active_users as {{ dbt.type_int() }}) as active_users,
        cast(days_summed.active_days as {{ dbt.type_int() }}) as active_days,
        cast(users_summed.event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(
            coalesce(features_summed.core_features_used, 0) as {{ dbt.type_int() }}
        ) as core_features_used
    from users_summed
    inner join days_summed
        on
            {%- for key in keys %}
            {{ 'and ' if not loop.first }}users_summed.{{ key }} = days_summed.{{ key }}
            {%- endfor %}
    left outer join features_summed
        on
            {%- for key in keys %}
            {{ 'and ' if not loop.first }}users_summed.{{ key }} = features_summed.{{ key }}
            {%- endfor %}
)
{%- endmacro %}
