{#-
    The percent-off discounts of the Stripe preset, one row per discount
    (docs/presets/stripe.md): attached to one subscription item (type
    subscription_item, type_id the item id) or to every item of a
    subscription (any other discount with a subscription_id), applying over
    [starts_at, ends_at). Only coupons in live mode with a percent_off;
    amount-off coupons are listed by stripe__data_quality_issues instead.
    Read by the item versions (discount_percent) and by the invoice lines
    (amounts after discount), so both apply the same discount.
-#}

{{ config(enabled=cs_metrics.preset_selected('stripe')) }}

{%- set discounts_relation = source('stripe', 'discount') -%}

with

discounts as (
    select * from {{ discounts_relation }}
),

coupons as (
    select * from {{ source('stripe', 'coupon') }}
    where {{ cs_metrics.stripe_is_kept(has_is_deleted=false) }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as discount_id,
        cast(coupon_id as {{ dbt.type_string() }}) as coupon_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        case
            when lower(type) = 'subscription_item'
                then cast(type_id as {{ dbt.type_string() }})
        end as subscription_item_id,
        {{ cs_metrics.utc_timestamp(
            discounts_relation, adapter.quote('start')
        ) }} as starts_at,
        {{ cs_metrics.utc_timestamp(
            discounts_relation, adapter.quote('end')
        ) }} as ends_at
    from discounts
),

final as (
    select
        renamed.discount_id,
        renamed.coupon_id,
        renamed.subscription_id,
        renamed.subscription_item_id,
        renamed.subscription_item_id is not null as is_item_level,
        cast(coupons.percent_off as {{ cs_metrics.type_raw_money() }})
            as percent_off,
        renamed.starts_at,
        renamed.ends_at
    from renamed
    inner join coupons
        on renamed.coupon_id = coupons.id
    where
        coupons.percent_off is not null
        and (
            renamed.subscription_item_id is not null
            or renamed.subscription_id is not null
        )
)

select * from final
