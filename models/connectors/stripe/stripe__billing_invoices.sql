{#-
    billing.invoices from Stripe invoices (docs/presets/stripe.md): live,
    not deleted. issued_at is when the invoice was finalized (created for
    drafts); voided_at from status_transitions_voided_at; an invoice without a due_date (charged automatically) is due
    when issued; subtotal is after discounts and before tax (total - tax:
    Stripe's own subtotal is before discounts); amounts in major units.
-#}

{{ config(enabled=cs_metrics.preset_selected('stripe')) }}

{%- set invoices_relation = source('stripe', 'invoice') -%}

with

invoices as (
    select * from {{ invoices_relation }}
    where {{ cs_metrics.stripe_is_kept() }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as invoice_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        lower(cast(status as {{ dbt.type_string() }})) as status,
        upper(cast(currency as {{ dbt.type_string() }})) as currency,
        coalesce(
            {{ cs_metrics.utc_timestamp(
                invoices_relation, 'status_transitions_finalized_at'
            ) }},
            {{ cs_metrics.utc_timestamp(invoices_relation, 'created') }}
        ) as issued_at,
        {{ cs_metrics.utc_timestamp(invoices_relation, 'due_date') }}
            as due_date_at,
        {{ cs_metrics.utc_timestamp(
            invoices_relation, 'status_transitions_paid_at'
        ) }} as paid_at,
        -- optional: without it a void applies to every month
        {{ cs_metrics.source_column_or_null(
            invoices_relation,
            'status_transitions_voided_at',
            dbt.type_timestamp(),
        ) }} as voided_at,
        total - coalesce(tax, 0) as subtotal_minor,
        coalesce(tax, 0) as tax_minor,
        total as total_minor,
        amount_paid as amount_paid_minor
    from invoices
),

final as (
    select
        invoice_id,
        customer_id,
        subscription_id,
        status,
        currency,
        issued_at,
        coalesce(due_date_at, issued_at) as due_at,
        paid_at,
        {{ cs_metrics.stripe_major_units('subtotal_minor', 'currency') }}
            as subtotal,
        {{ cs_metrics.stripe_major_units('tax_minor', 'currency') }} as tax,
        {{ cs_metrics.stripe_major_units('total_minor', 'currency') }} as total,
        {{ cs_metrics.stripe_major_units('amount_paid_minor', 'currency') }}
            as amount_paid,
        voided_at
    from renamed
)

select * from final
