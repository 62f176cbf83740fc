{#-
    The renewal risk windows: var renewal_risk_windows_days as a sorted list
    of distinct whole numbers of days (> 0). The last one is the horizon:
    int_subscription_renewals_scheduled schedules every renewal up to
    as_of_date + that many days, fct_renewal_risk lists them and
    fct_renewal_risk_by_segment sums them per window. The var's form (a
    non-empty list of whole numbers above 0) is checked with every var
    (macros/vars.sql).
-#}
{% macro renewal_risk_windows() %}
    {%- set windows = [] -%}
    {%- for window in cs_metrics.setting('renewal_risk_windows_days') -%}
        {%- if window not in windows -%}
            {%- do windows.append(window) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(windows | sort) }}
{% endmacro %}


{#- The longest renewal risk window (days): the scheduling horizon. -#}
{% macro renewal_risk_horizon_days() %}
    {{ return(cs_metrics.renewal_risk_windows() | last) }}
{% endmacro %}
