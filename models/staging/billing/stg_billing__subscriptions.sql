{{ config(
    materialized=cs_metrics.staging_materialization(
        'billing', 'subscriptions'
    )
) }}

with

subscriptions as (
    select * from {{ cs_metrics.raw_input('billing', 'subscriptions') }}
),

renamed as (
    select
        ---------- ids
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,

        ---------- strings
        lower(trim(cast(status as {{ dbt.type_string() }}))) as status,

        ---------- numerics
        cast(term_months as {{ dbt.type_int() }}) as term_months,

        ---------- timestamps
        {{ cs_metrics.utc_timestamp(
            cs_metrics.raw_input('billing', 'subscriptions'), 'created_at'
        ) }} as created_at,
        {{ cs_metrics.utc_timestamp(
            cs_metrics.raw_input('billing', 'subscriptions'), 'started_at'
        ) }} as started_at,
        {{ cs_metrics.utc_timestamp(
            cs_metrics.raw_input('billing', 'subscriptions'), 'trial_end_at'
        ) }} as trial_end_at,
        {{ cs_metrics.utc_timestamp(
            cs_metrics.raw_input('billing', 'subscriptions'), 'canceled_at'
        ) }} as canceled_at,
        {{ cs_metrics.utc_timestamp(
            cs_metrics.raw_input('billing', 'subscriptions'), 'cancel_at'
        ) }} as cancel_at,
        {{ cs_metrics.utc_timestamp(
            cs_metrics.raw_input('billing', 'subscriptions'), 'ended_at'
        ) }} as ended_at
    from subscriptions
),

checked as (
    select
        *,
        {{ contract_violation_reason([
            ("status not in ('trialing', 'active', 'past_due', 'paused',"
                ~ " 'canceled', 'incomplete')",
                'unknown status'),
            ('term_months is null or term_months < 1', 'term_months below 1'),
            ('started_at is null', 'missing started_at'),
            ('ended_at < started_at', 'ended_at before started_at'),
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
