{#-
    The renewal risk windows: var renewal_risk_windows_days as a sorted list
    of distinct whole numbers of days (> 0). The last one is the horizon:
    int_subscription_renewals_scheduled schedules every renewal up to
    as_of_date + that many days, fct_renewal_risk lists them and
    fct_renewal_risk_by_segment sums them per window. Fails the compile
    with a message naming the var when it is not such a list.
-#}
{% macro renewal_risk_windows() %}
    {%- set value = var('renewal_risk_windows_days') -%}
    {%- set message = (
        "var renewal_risk_windows_days must be a list of whole numbers of"
        ~ " days above 0, e.g. [30, 90, 180]; got " ~ value
    ) -%}
    {%- if value is string or value is not iterable or value | length == 0 -%}
        {{ exceptions.raise_compiler_error(message) }}
    {%- endif -%}
    {%- set windows = [] -%}
    {%- for window in value -%}
        {%- if not modules.re.match('^[0-9]+$', window | string)
            or window | int <= 0 -%}
            {{ exceptions.raise_compiler_error(message) }}
        {%- endif -%}
        {%- if window | int not in windows -%}
            {%- do windows.append(window | int) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(windows | sort) }}
{% endmacro %}


{#- The longest renewal risk window (days): the scheduling horizon. -#}
{% macro renewal_risk_horizon_days() %}
    {{ return(cs_metrics.renewal_risk_windows() | last) }}
{% endmacro %}
