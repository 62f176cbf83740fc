{#-
    The Stripe rows the preset leaves out, in the shape of
    int_data_quality_issues_unioned (which lists them in
    fct_data_quality_issues): rows of test mode (livemode = false) and
    deleted rows (is_deleted = true), one row per Stripe record, and the
    amount-off discounts the preset cannot apply (stripe__discounts
    not_applied_reason): MRR and the invoice lines are before them.
-#}

{{ config(enabled=cs_metrics.preset_selected('stripe')) }}
{#- (table, has is_deleted, metric fed) -#}
{%- set tables = [
    ('customer', true, 'mrr'),
    ('product', true, 'mrr'),
    ('price', true, 'mrr'),
    ('subscription_history', false, 'mrr'),
    ('invoice', true, 'payment'),
    ('invoice_line_item', false, 'revenue_recognition'),
    ('coupon', false, 'mrr'),
] -%}

with

{% for table, has_is_deleted, metric in tables %}
{{ table }}_left_out as (
    select distinct
        'stripe.{{ table }}' as source_table,
        cast(id as {{ dbt.type_string() }}) as record_id,
        'connector_row_left_out' as issue_type,
        {{ cs_metrics.stripe_left_out_reason(has_is_deleted) }}
            as issue_description,
        {% if table == 'customer' -%}
        cast(
            {{ cs_metrics.json_text_value(
                'metadata', var('stripe_account_id_metadata_key')
            ) }} as {{ dbt.type_string() }}
        )
        {%- else -%}
        cast(null as {{ dbt.type_string() }})
        {%- endif %} as account_id,
        '{{ metric }}' as affected_metric
    from {{ source('stripe', table) }}
    where not {{ cs_metrics.stripe_is_kept(has_is_deleted) }}
),

{% endfor %}
discounts as (
    select * from {{ ref('stripe__discounts') }}
),

discounts_not_applied as (
    select
        'stripe.discount' as source_table,
        discount_id as record_id,
        'amount_off_coupon_not_applied' as issue_type,
        not_applied_reason as issue_description,
        cast(null as {{ dbt.type_string() }}) as account_id,
        'mrr' as affected_metric
    from discounts
    where not_applied_reason is not null
),

unioned as (
    {% for table, has_is_deleted, metric in tables %}
    select * from {{ table }}_left_out
    union all
    {% endfor %}
    select * from discounts_not_applied
),

final as (
    {{ cs_metrics.connector_left_out_issues('unioned') }}
)

select * from final
