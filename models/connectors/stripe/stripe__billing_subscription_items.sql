{#-
    billing.subscription_items from Stripe (docs/presets/stripe.md): Stripe
    keeps only an item's current state (table subscription_item), so its
    effective-dated versions are rebuilt from the invoice lines that billed
    it:
      - each subscription line gives the item's price and quantity from the
        start of its billing period, each proration line that is not a
        credit the new price and quantity from the instant of the change
        (credits - unused time - only close the old state);
      - the first version starts when the item was created (a trial bills
        nothing before it ends) - an item never billed has one version, its
        current price and quantity;
      - a gap between one line's period end and the item's next line is
        a version with quantity 0 (a pause); an item whose lines stop while
        its current quantity is 0 stays at quantity 0; an item whose lines
        stop while its subscription is billed on was removed at the end of
        its last period; otherwise the last version ends with the
        subscription (ended_at);
      - a version also starts where a discount of the item (or of its
        subscription) starts or ends (stripe__discounts); an amount-off
        coupon is the share it takes off quantity x unit price, as
        discount_percent (4 decimals), so it changes with the quantity.
    Consecutive versions with the same price, quantity and discount are one.
    A negotiated price is a Stripe price (a plan) of its own, so
    unit_amount is always null. Metered (usage) prices are billed in arrears
    and are not subscription items of the contract.
-#}

-- a view: its one reader, stg_billing__subscription_items,
-- is a table with a preset (macro staging_materialization) and stores
-- these rows; a table here would write them twice
{{ config(
    enabled=cs_metrics.preset_selected('stripe'),
    materialized='view'
) }}

{%- set items_relation = source('stripe', 'subscription_item') -%}

with

lines as (
    select * from {{ ref('stripe__invoice_lines_kept') }}
),

items as (
    select * from {{ items_relation }}
),

prices as (
    select * from {{ source('stripe', 'price') }}
),

subscriptions as (
    select * from {{ ref('stripe__billing_subscriptions') }}
),

discounts as (
    select * from {{ ref('stripe__discounts') }}
    where not_applied_reason is null
),

renamed_items as (
    select
        cast(id as {{ dbt.type_string() }}) as subscription_item_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(plan_id as {{ dbt.type_string() }}) as plan_id,
        cast(quantity as {{ dbt.type_bigint() }}) as quantity,
        {{ cs_metrics.utc_timestamp(items_relation, 'created') }} as created_at
    from items
),

-- what the lines say: the price and quantity in force from starts_at
-- (usage lines bill metered prices, not items; credits only close a state)
evidence_candidates as (
    select
        lines.subscription_item_id,
        lines.subscription_id,
        lines.price_id as plan_id,
        lines.quantity,
        lines.period_start_at as starts_at,
        lines.period_end_at as ends_at,
        row_number() over (
            partition by lines.subscription_item_id, lines.period_start_at
            order by
                lines.period_end_at desc,
                lines.quantity desc,
                lines.price_id asc
        ) as instant_rank
    from lines
    -- only the preset's (live) subscriptions
    inner join subscriptions
        on lines.subscription_id = subscriptions.subscription_id
    where
        lines.subscription_item_id is not null
        and (
            lines.line_type = 'subscription'
            or (lines.line_type = 'proration' and lines.amount >= 0)
        )
),

evidence as (
    select
        subscription_item_id,
        subscription_id,
        plan_id,
        quantity,
        starts_at,
        ends_at,
        lead(starts_at) over (
            partition by subscription_item_id order by starts_at
        ) as next_starts_at,
        lag(ends_at) over (
            partition by subscription_item_id order by starts_at
        ) as previous_ends_at,
        lag(plan_id) over (
            partition by subscription_item_id order by starts_at
        ) as previous_plan_id,
        lag(quantity) over (
            partition by subscription_item_id order by starts_at
        ) as previous_quantity,
        row_number() over (
            partition by subscription_item_id order by starts_at asc
        ) as first_rank,
        row_number() over (
            partition by subscription_item_id order by starts_at desc
        ) as last_rank,
        max(ends_at) over (partition by subscription_id) as billed_until
    from evidence_candidates
    where instant_rank = 1
),

-- the items as they are now (metered ones are usage, not items)
current_items as (
    select renamed_items.*
    from renamed_items
    inner join subscriptions
        on renamed_items.subscription_id = subscriptions.subscription_id
    left outer join prices
        on renamed_items.plan_id = prices.id
    where
        coalesce(lower(prices.recurring_usage_type), 'licensed') <> 'metered'
),

first_evidence as (
    select * from evidence
    where first_rank = 1
),

last_evidence as (
    select * from evidence
    where last_rank = 1
),

-- one row per item: its start, its end and how its lines stop
item_spans as (
    select
        coalesce(
            first_evidence.subscription_item_id,
            current_items.subscription_item_id
        ) as subscription_item_id,
        coalesce(
            first_evidence.subscription_id, current_items.subscription_id
        ) as subscription_id,
        case
            when first_evidence.starts_at is null
                then current_items.created_at
            when current_items.created_at < first_evidence.starts_at
                then current_items.created_at
            else first_evidence.starts_at
        end as created_at,
        coalesce(first_evidence.plan_id, current_items.plan_id)
            as first_plan_id,
        coalesce(first_evidence.quantity, current_items.quantity)
            as first_quantity,
        current_items.plan_id as current_plan_id,
        last_evidence.ends_at as last_ends_at,
        last_evidence.billed_until,
        coalesce(
            current_items.quantity = 0 and last_evidence.quantity > 0,
            false
        ) as ends_at_zero
    from first_evidence
    inner join last_evidence
        on
            first_evidence.subscription_item_id
            = last_evidence.subscription_item_id
    full outer join current_items
        on
            first_evidence.subscription_item_id
            = current_items.subscription_item_id
),

item_bounds as (
    select
        item_spans.*,
        case
            when
                not item_spans.ends_at_zero
                and item_spans.last_ends_at < item_spans.billed_until
                then item_spans.last_ends_at
            else subscriptions.ended_at
        end as item_ended_at
    from item_spans
    inner join subscriptions
        on item_spans.subscription_id = subscriptions.subscription_id
),

discount_edges as (
    select
        subscription_item_id,
        subscription_id,
        starts_at as changed_at
    from discounts

    union all

    select
        subscription_item_id,
        subscription_id,
        ends_at as changed_at
    from discounts
    where ends_at is not null
),

-- every instant the item's state may change (kind orders equal instants:
-- 0 created, 1 a line, 2 quantity 0, 3 a discount starts or ends)
points as (
    select
        subscription_item_id,
        subscription_id,
        created_at as changed_at,
        0 as kind,
        first_plan_id as plan_id,
        first_quantity as quantity
    from item_bounds

    union all

    select
        subscription_item_id,
        subscription_id,
        starts_at as changed_at,
        1 as kind,
        plan_id,
        quantity
    from evidence
    -- a line that only renews the state of the line before it, without a
    -- gap between them, changes nothing: left out here (most lines are
    -- renewals), the versions are the same and every step below reads
    -- under a third of the rows (a null never counts as the same)
    where
        not coalesce(
            previous_ends_at >= starts_at
            and plan_id = previous_plan_id
            and quantity = previous_quantity,
            false
        )

    union all

    -- a gap before the item's next line
    select
        subscription_item_id,
        subscription_id,
        ends_at as changed_at,
        2 as kind,
        plan_id,
        0 as quantity
    from evidence
    where next_starts_at > ends_at

    union all

    -- lines stopped while the item's current quantity is 0
    select
        subscription_item_id,
        subscription_id,
        last_ends_at as changed_at,
        2 as kind,
        current_plan_id as plan_id,
        0 as quantity
    from item_bounds
    where ends_at_zero

    union all

    -- the item's own discounts, then its subscription's (two equality
    -- joins: an "or" in a join condition is a nested loop over every pair)
    select
        item_bounds.subscription_item_id,
        item_bounds.subscription_id,
        discount_edges.changed_at,
        3 as kind,
        cast(null as {{ dbt.type_string() }}) as plan_id,
        cast(null as {{ dbt.type_bigint() }}) as quantity
    from item_bounds
    inner join discount_edges
        on
            item_bounds.subscription_item_id
            = discount_edges.subscription_item_id

    union all

    select
        item_bounds.subscription_item_id,
        item_bounds.subscription_id,
        discount_edges.changed_at,
        3 as kind,
        cast(null as {{ dbt.type_string() }}) as plan_id,
        cast(null as {{ dbt.type_bigint() }}) as quantity
    from item_bounds
    inner join discount_edges
        on
            item_bounds.subscription_id = discount_edges.subscription_id
            and discount_edges.subscription_item_id is null
),

bounded as (
    select
        points.*,
        item_bounds.item_ended_at,
        -- the state a discount point carries: the last state before it
        count(case when points.kind < 3 then 1 end) over (
            partition by points.subscription_item_id
            order by points.changed_at asc, points.kind asc
            rows between unbounded preceding and current row
        ) as state_group
    from points
    inner join item_bounds
        on points.subscription_item_id = item_bounds.subscription_item_id
    where
        points.changed_at >= item_bounds.created_at
        and (
            item_bounds.item_ended_at is null
            or points.changed_at < item_bounds.item_ended_at
        )
),

filled as (
    select
        subscription_item_id,
        subscription_id,
        changed_at,
        kind,
        item_ended_at,
        max(plan_id) over (
            partition by subscription_item_id, state_group
        ) as plan_id,
        max(quantity) over (
            partition by subscription_item_id, state_group
        ) as quantity
    from bounded
),

-- the price's unit amount and currency: the base of an amount-off coupon
filled_priced as (
    select
        filled.*,
        cast(prices.unit_amount as {{ dbt.type_bigint() }}) as unit_amount,
        lower(cast(prices.currency as {{ dbt.type_string() }})) as currency
    from filled
    left outer join prices
        on filled.plan_id = prices.id
),

discounted as (
    {{ cs_metrics.stripe_discount_at(
        'filled_priced', ['subscription_item_id', 'changed_at', 'kind'],
        'subscription_item_id', 'subscription_id', 'changed_at',
        'quantity', 'unit_amount', 'currency'
    ) }}
),

-- the percent in force: a percent-off coupon's, or the share an amount-off
-- coupon takes off quantity x unit price as a percent (4 decimals, the
-- contract's precision)
effective as (
    select
        subscription_item_id,
        subscription_id,
        plan_id,
        quantity,
        case
            when amount_off_share > 0
                then round(cast(
                    100 * amount_off_share as {{ cs_metrics.type_money() }}
                ), 4)
            else percent_off
        end as percent_off,
        changed_at,
        kind,
        item_ended_at
    from discounted
    where discount_rank = 1
),

states as (
    select
        subscription_item_id,
        subscription_id,
        plan_id,
        quantity,
        percent_off,
        changed_at,
        kind,
        item_ended_at,
        lag(plan_id) over (
            partition by subscription_item_id
            order by changed_at asc, kind asc
        ) as previous_plan_id,
        lag(quantity) over (
            partition by subscription_item_id
            order by changed_at asc, kind asc
        ) as previous_quantity,
        lag(percent_off) over (
            partition by subscription_item_id
            order by changed_at asc, kind asc
        ) as previous_percent_off,
        row_number() over (
            partition by subscription_item_id
            order by changed_at asc, kind asc
        ) as point_rank
    from effective
),

versions as (
    select
        subscription_item_id,
        subscription_id,
        plan_id,
        quantity,
        percent_off,
        changed_at as valid_from,
        coalesce(
            lead(changed_at) over (
                partition by subscription_item_id
                order by changed_at asc, kind asc
            ),
            item_ended_at
        ) as valid_to
    from states
    where
        point_rank = 1
        or plan_id <> previous_plan_id
        or quantity <> previous_quantity
        or percent_off <> previous_percent_off
),

final as (
    select
        subscription_item_id,
        subscription_id,
        plan_id,
        quantity,
        cast(null as {{ cs_metrics.type_raw_money() }}) as unit_amount,
        cast(
            case when percent_off > 0 then percent_off end
            as {{ cs_metrics.type_raw_money() }}
        ) as discount_percent,
        valid_from,
        valid_to
    from versions
)

select * from final
