{{ config(
    materialized=cs_metrics.staging_materialization(
        'finance', 'fx_rates'
    )
) }}

with

rates as (
    select * from {{ cs_metrics.raw_input('finance', 'fx_rates') }}
),

renamed as (
    select
        ---------- strings
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,

        ---------- numerics
        -- rates carry up to 8 decimals: keep them (type_numeric has 6)
        cast(rate_to_reporting as {{ type_fx_rate() }}) as rate_to_reporting,

        ---------- dates
        {{ cs_metrics.utc_date(
            cs_metrics.raw_input('finance', 'fx_rates'), 'rate_date'
        ) }} as rate_date
    from rates
),

checked as (
    select
        *,
        {{ contract_violation_reason([
            ('currency is null', 'missing currency'),
            ('rate_to_reporting is null', 'missing rate_to_reporting'),
            ('rate_to_reporting <= 0', 'rate_to_reporting not positive'),
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
