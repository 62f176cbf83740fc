{#-
    The usage counts of a set of events, per key (account and period), as
    CTEs ending in one named `usage_summed`: active_users (distinct users),
    active_days (distinct UTC days), event_count and core_features_used
    (distinct core features of the feature_catalog seed). `keyed_events` is
    a CTE with the key columns, day_index (the event's UTC day in its
    period, 0 for the period's first day; a period has at most 63 days),
    user_id and feature (null for an event that is not a core feature).
    Distinct users, days and features are counted over the period, never
    added up from days.

    Each distinct count is a group by followed by a count of the grouped
    rows, not a count(distinct ...): a grouped aggregate spills to disk when
    it outgrows the memory limit, a distinct aggregate over hundreds of
    millions of events does not (DuckDB), so the usage steps stay within the
    profile's memory_limit at any size. The days ride along with the users:
    each user's group keeps the set of its days as bits of one integer
    (day_bit, bit_or), and the key's active days are the bits set in the
    union of its users' sets (bits_set); one pass over the events less than
    a group by of its own.
    Used by int_account_months_usage_summed (calendar months) and
    int_account_windows_usage_summed (the windows of the month in progress).
    features_where: a condition on the key columns of keyed_events for the
    periods whose core features are counted, so that count reads only their
    events; the other periods get a null core_features_used (not counted,
    rather than none used). none counts every period.
-#}
{% macro usage_summed_ctes(keyed_events, keys, features_where=none) -%}
{%- set key_list = keys | join(', ') -%}
{%- set key_cols = keys | join(',\n        ') -%}
usage_by_user as (
    select
        {{ key_cols }},
        user_id,
        count(*) as event_count,
        bit_or({{ cs_metrics.day_bit('day_index') }}) as day_bits
    from {{ keyed_events }}
    group by {{ key_list }}, user_id
),

usage_by_feature as (
    select
        {{ key_cols }},
        feature
    from {{ keyed_events }}
    where
        feature is not null
        {%- if features_where %}
        and {{ features_where }}
        {%- endif %}
    group by {{ key_list }}, feature
),

users_summed as (
    select
        {{ key_cols }},
        count(*) as active_users,
        sum(event_count) as event_count,
        {{ cs_metrics.bits_set('bit_or(day_bits)') }} as active_days
        {%- if features_where %},
        {{ features_where }} as is_feature_period
        {%- endif %}
    from usage_by_user
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
        cast(users_summed.active_days as {{ dbt.type_int() }}) as active_days,
        cast(users_summed.event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(
            {%- if features_where %}
            case
                when users_summed.is_feature_period
                    then coalesce(features_summed.core_features_used, 0)
            end
            {%- else %}
            coalesce(features_summed.core_features_used, 0)
            {%- endif %}
            as {{ dbt.type_int() }}
        ) as core_features_used
    from users_summed
    left outer join features_summed
        on
            {%- for key in keys %}
            {{ 'and ' if not loop.first }}users_summed.{{ key }} = features_summed.{{ key }}
            {%- endfor %}
)
{%- endmacro %}


{#- The bit of a day in a period's set of days: 2^day_index, a bigint
    (day_index 0 .. 62). -#}
{% macro day_bit(day_index) %}
    {{ return(adapter.dispatch('day_bit', 'cs_metrics')(day_index)) }}
{% endmacro %}

{% macro default__day_bit(day_index) -%}
    (cast(1 as {{ dbt.type_bigint() }}) << cast({{ day_index }} as integer))
{%- endmacro %}

{% macro spark__day_bit(day_index) -%}
    shiftleft(cast(1 as bigint), cast({{ day_index }} as int))
{%- endmacro %}


{#- The number of bits set in a non-negative bigint (a set of days). -#}
{% macro bits_set(expression) %}
    {{ return(adapter.dispatch('bits_set', 'cs_metrics')(expression)) }}
{% endmacro %}

{% macro default__bits_set(expression) -%}
    bit_count({{ expression }})
{%- endmacro %}

{#- PostgreSQL: bit_count() takes a bit string (and only from version 14) -#}
{% macro postgres__bits_set(expression) -%}
    length(replace(cast(cast({{ expression }} as bit(64)) as text), '0', ''))
{%- endmacro %}
