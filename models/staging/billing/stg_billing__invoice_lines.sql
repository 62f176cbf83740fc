{{ config(
    materialized=cs_metrics.staging_materialization(
        'billing', 'invoice_lines'
    )
) }}

with

lines as (
    select * from {{ cs_metrics.raw_input('billing', 'invoice_lines') }}
),

renamed as (
    select
        ---------- ids
        cast(invoice_line_id as {{ dbt.type_string() }}) as invoice_line_id,
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(plan_id as {{ dbt.type_string() }}) as plan_id,

        ---------- strings
        lower(trim(cast(line_type as {{ dbt.type_string() }}))) as line_type,

        ---------- numerics
        cast(quantity as {{ dbt.type_bigint() }}) as quantity,
        -- negative amounts are credits (e.g. a downgrade's proration)
        cast(amount as {{ cs_metrics.type_money() }}) as amount,

        ---------- dates: the service period is [start, end)
        {{ cs_metrics.utc_date(
            cs_metrics.raw_input('billing', 'invoice_lines'), 'period_start'
        ) }} as period_start_date,
        {{ cs_metrics.utc_date(
            cs_metrics.raw_input('billing', 'invoice_lines'), 'period_end'
        ) }} as period_end_date
    from lines
),

checked as (
    select
        *,
        {{ contract_violation_reason([
            ("line_type not in ('subscription', 'proration', 'one_time',"
                ~ " 'usage')",
                'unknown line_type'),
            ('amount is null', 'missing amount'),
            ('quantity < 0', 'negative quantity'),
            ('period_end_date < period_start_date',
                'period_end before period_start'),
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
