{#-
    Small rules that several models need, each defined once here.
-#}

{#-
    The account a billing customer's revenue belongs to when the customer
    has no CRM account: the stand-in 'billing:<customer_id>'.
-#}
{% macro standin_account_id(customer_id) -%}
    {{ dbt.concat(["'billing:'", customer_id]) }}
{%- endmacro %}


{#- Annual recurring revenue of a monthly amount: arr = 12 x mrr. -#}
{% macro mrr_to_arr(mrr) -%}
    12 * ({{ mrr }})
{%- endmacro %}


{#-
    The latest complete month, as a date literal: the month before the one
    holding as_of_date (the as-of month is never complete, since a month is
    complete only once its last day is before as_of_date).
-#}
{% macro latest_complete_month() -%}
    {{ cs_metrics.add_months(as_of_month(), -1) }}
{%- endmacro %}


{#-
    FX conversion: joins rate(M, c) from int_fx_rates_monthly for a month
    and currency column. int_fx_rates_monthly holds every (month, currency)
    the project converts, the reporting currency at 1, and fails the run
    naming the currency and month when a needed rate is missing, so this
    left join never drops or silently nulls revenue. Always a left join:
    an inner join would drop the amounts of a missing rate.
    Usage, in a from clause:
        from lines
        {{ cs_metrics.join_fx_rates('lines.month_start', 'lines.currency') }}
    then convert with `lines.amount_local * fx_rates.rate_to_reporting`.
-#}
{% macro join_fx_rates(month_start, currency, alias='fx_rates') -%}
    left outer join {{ ref('int_fx_rates_monthly') }} as {{ alias }}
        on
            {{ month_start }} = {{ alias }}.month_start
            and {{ currency }} = {{ alias }}.currency
{%- endmacro %}


{#-
    Whether a month (its first day) is complete: its last day is before
    as_of_date, i.e. it is on or before the latest complete month. The same
    rule as int_months_spined.is_month_complete, for models that do not
    read the calendar.
-#}
{% macro is_month_complete(month_start) -%}
    ({{ month_start }} <= {{ cs_metrics.latest_complete_month() }})
{%- endmacro %}


{#-
    The CS service model of a tier: enterprise -> high_touch, mid_market ->
    mid_touch, smb -> tech_touch (null for no tier).
-#}
{% macro service_model_of(tier) -%}
    case {{ tier }}
        when 'enterprise' then 'high_touch'
        when 'mid_market' then 'mid_touch'
        when 'smb' then 'tech_touch'
    end
{%- endmacro %}


{#-
    Whether a month (its first day) is closed on as_of_date: on or after
    the var close_day-th day of the following month (close_day 8: May 2025
    closes on 2025-06-08).
-#}
{% macro is_month_closed(month_start) -%}
    (
        {{ dbt.dateadd(
            'day',
            cs_metrics.setting('close_day') - 1,
            cs_metrics.add_months(month_start, 1)
        ) }}
        <= cast({{ as_of_date() }} as {{ dbt.type_timestamp() }})
    )
{%- endmacro %}


{#- A month the month close stores on this run: closed (is_month_closed)
    and, on an incremental run, not stored by an earlier run of the calling
    model (its months stay as they were closed). -#}
{% macro is_month_to_store(month_start) -%}
    {{ cs_metrics.is_month_closed(month_start) }}
    {%- if is_incremental() %}
        and {{ month_start }} not in (
            select closed.month_start from {{ this }} as closed
        )
    {%- endif %}
{%- endmacro %}


{#- The month's movements summed over account-months: the customers with
    each movement and the MRR of each movement, one select-list entry per
    line, the last without a comma (fct_mrr_bridge_monthly and
    fct_retention_monthly aggregate them the same way). -#}
{% macro movement_sums() -%}
    {%- set customers = [
        ('movement_type', 'new', 'new_customers'),
        ('movement_type', 'reactivation', 'reactivated_customers'),
        ('movement_type', 'churn', 'churned_customers'),
        ('churn_type', 'voluntary', 'voluntary_churned_customers'),
        ('churn_type', 'involuntary', 'involuntary_churned_customers'),
    ] -%}
    {%- set mrr = [
        'new_mrr', 'reactivation_mrr', 'expansion_mrr', 'contraction_mrr',
        'churned_mrr', 'voluntary_churned_mrr', 'involuntary_churned_mrr',
        'fx_impact_mrr',
    ] -%}
    {%- for column, value, name in customers %}
        sum(
            case when {{ column }} = '{{ value }}' then 1 else 0 end
        ) as {{ name }},
    {%- endfor %}
    {%- for name in mrr %}
        sum({{ name }}) as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- The headline figures of fct_retention_monthly that the month close
    stores and compares (fct_closed_month_figures, fct_restatements). -#}
{% macro closed_figures() -%}
    {{ return([
        'active_customers', 'churned_customers', 'starting_mrr_cc',
        'ending_mrr', 'new_mrr', 'reactivation_mrr', 'expansion_mrr',
        'contraction_mrr', 'churned_mrr', 'fx_impact_mrr', 'logo_churn_rate',
        'gross_mrr_churn_rate', 'net_mrr_churn_rate', 'monthly_nrr',
        'monthly_grr', 'nrr_ttm', 'grr_ttm', 'logo_retention_ttm',
    ]) }}
{%- endmacro %}


{#- The health components and the group each belongs to (outcome or
    experience): the one list the health score, its weights and its
    change explanation are generated from. Each has a var
    health_weight_<component>. -#}
{% macro health_components() -%}
    {{ return([
        ('utilization', 'outcome'),
        ('usage_trend', 'outcome'),
        ('feature_breadth', 'outcome'),
        ('payment', 'outcome'),
        ('nps', 'experience'),
        ('support', 'experience'),
    ]) }}
{%- endmacro %}


{#- The reasons recognised revenue differs from MRR by design, in the
    order int_account_months_revenue_explained builds the expectation up
    from MRR (reason i = level i - level i - 1): the one list the
    explained_<reason> columns of the revenue recognition models are
    generated from. -#}
{% macro revenue_recognition_reasons() -%}
    {{ return([
        'partial_month',
        'day_count',
        'first_payment_failed',
        'billed_in_advance',
        'invoice_currency',
    ]) }}
{%- endmacro %}


{#- The segment types every retention figure is cut by (each account-month's
    value per type: int_account_months_segmented). -#}
{% macro segment_types() -%}
    {{ return([
        'all', 'tier', 'service_model', 'region', 'industry',
        'acquisition_channel', 'csm_owner',
    ]) }}
{%- endmacro %}
