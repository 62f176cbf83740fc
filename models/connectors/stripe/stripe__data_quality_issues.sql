{#-
    The Stripe rows the preset leaves out, in the shape of
    int_data_quality_issues_unioned (which lists them in
    fct_data_quality_issues): rows of test mode (livemode = false) and
    deleted rows (is_deleted = true), one row per Stripe record, and
    discounts whose coupon takes an amount off (not a percent): MRR and the
    invoice lines leave them out.
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
    select * from {{ source('stripe', 'discount') }}
),

coupons as (
    select * from {{ source('stripe', 'coupon') }}
),

amount_off_discounts as (
    select
        'stripe.discount' as source_table,
        cast(discounts.id as {{ dbt.type_string() }}) as record_id,
        'amount_off_coupon_not_applied' as issue_type,
        {{ dbt.concat([
            "'coupon '", 'cast(coupons.id as ' ~ dbt.type_string() ~ ')',
            "' takes an amount off, not a percent: MRR and invoice line'",
            "' amounts are before this discount'",
        ]) }} as issue_description,
        cast(null as {{ dbt.type_string() }}) as account_id,
        'mrr' as affected_metric
    from discounts
    inner join coupons
        on discounts.coupon_id = coupons.id
    where
        coupons.percent_off is null
        and coupons.amount_off is not null
        and coalesce(coupons.livemode, true)
),

unioned as (
    {% for table, has_is_deleted, metric in tables %}
    select * from {{ table }}_left_out
    union all
    {% endfor %}
    select * from amount_off_discounts
),

final as (
    {{ cs_metrics.connector_left_out_issues('unioned') }}
)

select * from final
