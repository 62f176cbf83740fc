{#-
    The discounts of the Stripe preset, one row per discount of a live
    coupon attached to one subscription item (type subscription_item) or to
    a whole subscription (any other discount with a subscription_id),
    applying over [starts_at, ends_at) (docs/presets/stripe.md):
      percent_off  a percent-off coupon's percent;
      amount_off   an amount-off coupon's amount per billing period, in the
                   smallest unit of its currency (JPY: yen), taken off the
                   item's quantity x unit price (the contract's equivalent
                   is the share it takes off, as discount_percent);
      not_applied_reason  null when the discount applies; an amount-off
                   coupon in another currency than the subscription's
                   prices, or attached to a subscription of several items
                   (Stripe spreads it over them by amount), is not applied
                   and stripe__data_quality_issues lists it.
    Read by the item versions (discount_percent) and the invoice lines
    (amounts after discount) through stripe_discount_at, so both apply the
    same discount.
-#}

-- a table: read once per row set by stripe_discount_at (twice in each of
-- the invoice lines and the item versions), by the item versions and by
-- the data-quality listing; as a view each read re-read every invoice line
{{ config(
    enabled=cs_metrics.preset_selected('stripe'),
    materialized='table'
) }}

{%- set discounts_relation = source('stripe', 'discount') -%}

with

discounts as (
    select * from {{ discounts_relation }}
),

coupons as (
    select * from {{ source('stripe', 'coupon') }}
    where {{ cs_metrics.stripe_is_kept(has_is_deleted=false) }}
),

items as (
    select * from {{ source('stripe', 'subscription_item') }}
),

prices as (
    select * from {{ source('stripe', 'price') }}
),

lines as (
    select * from {{ ref('stripe__invoice_lines_kept') }}
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

-- every item a subscription has had: its current items and the items its
-- lines billed (Stripe drops removed items from subscription_item)
subscription_items as (
    select
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(id as {{ dbt.type_string() }}) as subscription_item_id
    from items

    union

    select
        subscription_id,
        subscription_item_id
    from lines
    where subscription_item_id is not null
),

item_counts as (
    select
        subscription_id,
        count(distinct subscription_item_id) as item_count
    from subscription_items
    group by subscription_id
),

subscription_currencies as (
    select
        cast(items.subscription_id as {{ dbt.type_string() }})
            as subscription_id,
        min(lower(trim(prices.currency))) as currency
    from items
    inner join prices
        on items.plan_id = prices.id
    group by cast(items.subscription_id as {{ dbt.type_string() }})
),

attached as (
    select
        renamed.discount_id,
        renamed.coupon_id,
        renamed.subscription_id,
        renamed.subscription_item_id,
        renamed.subscription_item_id is not null as is_item_level,
        cast(coupons.percent_off as {{ cs_metrics.type_raw_money() }})
            as percent_off,
        case
            when coupons.percent_off is null
                then cast(coupons.amount_off as {{ dbt.type_bigint() }})
        end as amount_off,
        lower(trim(cast(coupons.currency as {{ dbt.type_string() }})))
            as currency,
        renamed.starts_at,
        renamed.ends_at,
        coalesce(item_counts.item_count, 0) as item_count,
        subscription_currencies.currency as subscription_currency
    from renamed
    inner join coupons
        on renamed.coupon_id = coupons.id
    left outer join item_counts
        on renamed.subscription_id = item_counts.subscription_id
    left outer join subscription_currencies
        on renamed.subscription_id = subscription_currencies.subscription_id
    where
        (coupons.percent_off is not null or coupons.amount_off is not null)
        and (
            renamed.subscription_item_id is not null
            or renamed.subscription_id is not null
        )
),

final as (
    select
        discount_id,
        coupon_id,
        subscription_id,
        subscription_item_id,
        is_item_level,
        percent_off,
        amount_off,
        currency,
        starts_at,
        ends_at,
        case
            when amount_off is null then cast(null as {{ dbt.type_string() }})
            when
                currency is null
                or currency <> coalesce(subscription_currency, currency)
                then {{ dbt.concat([
                    "'coupon '", 'coupon_id',
                    "' takes '", 'cast(amount_off as ' ~ dbt.type_string() ~ ')',
                    "' '", "coalesce(currency, '(no currency)')",
                    "' off a subscription billed in '",
                    "coalesce(subscription_currency, '(unknown)')",
                    "': not applied, MRR and invoice line amounts are before it'",
                ]) }}
            when not is_item_level and item_count > 1
                then {{ dbt.concat([
                    "'coupon '", 'coupon_id',
                    "' takes an amount off a subscription of '",
                    'cast(item_count as ' ~ dbt.type_string() ~ ')',
                    "' items (Stripe spreads it over them): not applied, MRR'",
                    "' and invoice line amounts are before it'",
                ]) }}
        end as not_applied_reason
    from attached
)

select * from final
