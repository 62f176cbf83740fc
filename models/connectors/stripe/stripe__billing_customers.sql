{#-
    billing.customers from Stripe customers (docs/presets/stripe.md): live,
    not deleted; the CRM account_id is the value of the customer metadata
    key var stripe_account_id_metadata_key (absent or blank: unmapped).
-#}

{{ config(enabled=cs_metrics.preset_selected('stripe')) }}

with

customers as (
    select * from {{ source('stripe', 'customer') }}
    where {{ cs_metrics.stripe_is_kept() }}
),

final as (
    select
        cast(id as {{ dbt.type_string() }}) as customer_id,
        cast(
            nullif(trim({{ cs_metrics.json_text_value(
                'metadata', var('stripe_account_id_metadata_key')
            ) }}), '') as {{ dbt.type_string() }}
        ) as account_id,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        {{ cs_metrics.utc_timestamp(
            source('stripe', 'customer'), 'created'
        ) }} as created_at
    from customers
)

select * from final
