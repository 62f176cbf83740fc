{{ config(
    materialized=cs_metrics.staging_materialization(
        'billing', 'invoices'
    )
) }}

with

invoices as (
    select * from {{ cs_metrics.raw_input('billing', 'invoices') }}
),

renamed as (
    select
        ---------- ids
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,

        ---------- strings
        lower(trim(cast(status as {{ dbt.type_string() }}))) as status,
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,

        ---------- numerics
        cast(subtotal as {{ cs_metrics.type_money() }}) as subtotal,
        cast(tax as {{ cs_metrics.type_money() }}) as tax,
        cast(total as {{ cs_metrics.type_money() }}) as total,
        cast(amount_paid as {{ cs_metrics.type_money() }}) as amount_paid,

        ---------- timestamps
        {{ cs_metrics.utc_timestamp(
            cs_metrics.raw_input('billing', 'invoices'), 'issued_at'
        ) }} as issued_at,
        {{ cs_metrics.utc_timestamp(
            cs_metrics.raw_input('billing', 'invoices'), 'due_at'
        ) }} as due_at,
        {{ cs_metrics.utc_timestamp(
            cs_metrics.raw_input('billing', 'invoices'), 'paid_at'
        ) }} as paid_at,
        -- optional raw column: null when the export leaves it out (a void
        -- then applies to every month)
        {{ source_column_or_null(
            cs_metrics.raw_input('billing', 'invoices'), 'voided_at', dbt.type_timestamp()
        ) }} as voided_at
    from invoices
),

checked as (
    select
        *,
        {{ contract_violation_reason([
            ("status not in ('draft', 'open', 'paid', 'void', 'uncollectible')",
                'unknown status'),
            ('currency is null', 'missing currency'),
            ('subtotal < 0 or tax < 0 or total < 0 or amount_paid < 0',
                'negative amount'),
            ('due_at is null', 'missing due_at'),
            ('paid_at < issued_at', 'paid_at before issued_at'),
            ('voided_at < issued_at', 'voided_at before issued_at'),
        ]) }} as contract_violation_reason
    from renamed
),

final as (
    select
        *,
        contract_violation_reason is not null as is_contract_violation
    from checked
)

select * from final
