{#-
    billing.subscriptions from Stripe subscriptions (docs/presets/stripe.md):
    the current row of each live subscription (history mode: the row with
    _fivetran_active). Stripe's statuses map to the contract's
    (incomplete_expired is incomplete, unpaid is past_due); a subscription
    set to cancel at the end of its period (cancel_at_period_end) is
    scheduled to end at current_period_end; term_months is the subscription
    metadata key var stripe_term_months_metadata_key, else the billing
    period of its longest price.
-#}

{{ config(enabled=cs_metrics.preset_selected('stripe')) }}

{%- set subscriptions_relation = source('stripe', 'subscription_history') -%}

with

subscriptions as (
    select * from {{ subscriptions_relation }}
    where
        {{ cs_metrics.stripe_is_kept(has_is_deleted=false) }}
        and coalesce({{ cs_metrics.source_column_or_null(
            subscriptions_relation, '_fivetran_active', dbt.type_boolean()
        ) }}, true)
),

items as (
    select * from {{ source('stripe', 'subscription_item') }}
),

prices as (
    select * from {{ source('stripe', 'price') }}
),

-- the billing period of the subscription's longest price, in months
billing_periods as (
    select
        items.subscription_id,
        max(
            case lower(prices.recurring_interval)
                when 'month' then 1
                when 'year' then 12
            end * prices.recurring_interval_count
        ) as period_months
    from items
    inner join prices
        on items.plan_id = prices.id
    where coalesce(lower(prices.recurring_usage_type), 'licensed') <> 'metered'
    group by items.subscription_id
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as subscription_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        lower(cast(status as {{ dbt.type_string() }})) as status,
        {{ cs_metrics.safe_cast_number(
            cs_metrics.json_text_value(
                'metadata', var('stripe_term_months_metadata_key')
            ),
            dbt.type_int()
        ) }} as metadata_term_months,
        coalesce(cancel_at_period_end, false) as is_cancel_at_period_end,
        {{ cs_metrics.utc_timestamp(subscriptions_relation, 'created') }}
            as created_at,
        {{ cs_metrics.utc_timestamp(subscriptions_relation, 'start_date') }}
            as started_at,
        {{ cs_metrics.utc_timestamp(subscriptions_relation, 'trial_end') }}
            as trial_end_at,
        {{ cs_metrics.utc_timestamp(subscriptions_relation, 'canceled_at') }}
            as canceled_at,
        {{ cs_metrics.utc_timestamp(subscriptions_relation, 'cancel_at') }}
            as cancel_at,
        {{ cs_metrics.utc_timestamp(
            subscriptions_relation, 'current_period_end'
        ) }} as current_period_end_at,
        {{ cs_metrics.utc_timestamp(subscriptions_relation, 'ended_at') }}
            as ended_at
    from subscriptions
),

final as (
    select
        renamed.subscription_id,
        renamed.customer_id,
        cast(case renamed.status
            when 'incomplete_expired' then 'incomplete'
            when 'unpaid' then 'past_due'
            else renamed.status
        end as {{ dbt.type_string() }}) as status,
        renamed.created_at,
        renamed.started_at,
        renamed.trial_end_at,
        cast(coalesce(
            renamed.metadata_term_months, billing_periods.period_months
        ) as {{ dbt.type_bigint() }}) as term_months,
        renamed.canceled_at,
        coalesce(
            renamed.cancel_at,
            case
                when renamed.is_cancel_at_period_end
                    then renamed.current_period_end_at
            end
        ) as cancel_at,
        renamed.ended_at
    from renamed
    left outer join billing_periods
        on renamed.subscription_id = billing_periods.subscription_id
)

select * from final
