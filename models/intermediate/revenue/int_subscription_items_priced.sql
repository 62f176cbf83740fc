{#-
    One row per subscription item version with everything the counting rule
    needs: the subscription's dates, the account the revenue belongs to, the
    version's monthly amount in the plan's currency and its counting window.
    Versions that cannot be priced or placed in time are kept here with a
    reason (is_excluded_from_mrr) so int_revenue_data_quality_issues can
    list them.

    The counting rule (doc block revenue_counted_item) in one place: a version counts at the
    snapshot t(M) when
      valid_from_at < t(M) and (valid_to_at is null or valid_to_at >= t(M))
      and started_at < t(M)
      and (trial_end_at is null or trial_end_at < t(M))
      and (ended_at is null or ended_at >= t(M)),
    folded here into one window (counts_after_at, counts_through_at]: it
    counts exactly when counts_after_at < t(M) <= counts_through_at. An
    open end reaches past the last snapshot the project builds.

    Versions of one item must not overlap (raw contract). When a loader
    delivers overlapping versions anyway, the later version wins from its
    valid_from: the earlier one is cut there (effective_valid_to_at), so
    the item never counts twice, and the cut is listed
    (int_revenue_data_quality_issues, overlapping_item_version).
-#}
with

items as (
    select * from {{ ref('stg_billing__subscription_items') }}
),

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

plans as (
    select * from {{ ref('stg_billing__plans') }}
),

customers as (
    select * from {{ ref('int_billing_customers_mapped') }}
),

joined as (
    select
        ---------- ids
        items.subscription_item_id,
        items.subscription_id,
        items.plan_id,
        subscriptions.customer_id,
        customers.account_id,

        ---------- strings
        plans.currency,
        customers.customer_currency,
        plans.billing_interval,
        case
            when items.is_contract_violation
                then {{ dbt.concat([
                    "'subscription item breaks the raw contract: '",
                    "coalesce(items.contract_violation_reason, 'unknown')",
                ]) }}
            when subscriptions.subscription_id is null
                then 'subscription not found in billing.subscriptions'
            when subscriptions.started_at is null
                then 'subscription has no started_at'
            -- a reversed service interval would never count: say so
            when subscriptions.ended_at < subscriptions.started_at
                then 'subscription ended_at is before its started_at'
            when subscriptions.customer_id is null
                then 'subscription has no customer_id'
            when plans.plan_id is null
                then 'plan not found in billing.plans'
            when plans.is_contract_violation
                then {{ dbt.concat([
                    "'plan breaks the raw contract: '",
                    "coalesce(plans.contract_violation_reason, 'unknown')",
                ]) }}
            when
                plans.unit_amount is null
                or plans.currency is null
                or plans.interval_count is null
                or plans.interval_count < 1
                or plans.billing_interval not in ('month', 'quarter', 'year')
                then 'plan has no usable price, currency or billing interval'
        end as exclusion_reason,

        ---------- numerics
        items.quantity,
        coalesce(
            items.unit_amount_override, plans.unit_amount
        ) as unit_amount,
        items.discount_percent,
        plans.interval_count,
        case plans.billing_interval
            when 'month' then 1
            when 'quarter' then 3
            when 'year' then 12
        end as months_per_interval,

        ---------- booleans
        plans.is_per_seat,

        ---------- timestamps
        items.valid_from_at,
        items.valid_to_at,
        subscriptions.created_at,
        subscriptions.started_at,
        subscriptions.trial_end_at,
        subscriptions.canceled_at,
        subscriptions.ended_at
    from items
    left outer join subscriptions
        on items.subscription_id = subscriptions.subscription_id
    left outer join plans
        on items.plan_id = plans.plan_id
    left outer join customers
        on subscriptions.customer_id = customers.customer_id
),

-- the next countable version of the same item, for the overlap rule
sequenced as (
    select
        *,
        case
            when exclusion_reason is null
                then lead(valid_from_at) over (
                    partition by subscription_item_id, exclusion_reason is null
                    order by valid_from_at asc nulls last
                )
        end as next_valid_from_at
    from joined
),

cut as (
    select
        *,
        coalesce(
            next_valid_from_at is not null
            and (valid_to_at is null or valid_to_at > next_valid_from_at),
            false
        ) as is_overlapping,
        case
            when
                next_valid_from_at is not null
                and (valid_to_at is null or valid_to_at > next_valid_from_at)
                then next_valid_from_at
            else valid_to_at
        end as effective_valid_to_at
    from sequenced
),

final as (
    select
        ---------- ids
        subscription_item_id,
        subscription_id,
        plan_id,
        customer_id,
        account_id,

        ---------- strings
        currency,
        customer_currency,
        billing_interval,
        exclusion_reason,

        ---------- numerics
        quantity,
        unit_amount,
        discount_percent,
        interval_count,
        -- quantity x unit price x (1 - discount / 100), spread over the
        -- months one billing interval covers (a 2-year prepaid plan: 24),
        -- exactly (divide_money); null above the exact range, where the
        -- post_hook raise_on_money_beyond_bound stops the build
        case
            when
                exclusion_reason is null
                and not {{ cs_metrics.is_beyond_money_bound(
                    'quantity', 'unit_amount'
                ) }}
                then {{ cs_metrics.divide_money(
                    'quantity * unit_amount * (100 - discount_percent)',
                    '100 * interval_count * months_per_interval'
                ) }}
        end as mrr_local,
        -- months one billing period covers: a monthly plan 1, a quarterly 3,
        -- a 2-year prepaid plan 24 (the revenue recognition check bills
        -- mrr_local x this per period)
        case
            when exclusion_reason is null
                then interval_count * months_per_interval
        end as months_per_billing_period,

        ---------- booleans
        is_per_seat,
        -- the first countable version of an item (signed-not-live MRR)
        exclusion_reason is null
        and row_number() over (
            partition by subscription_item_id, exclusion_reason is null
            order by valid_from_at asc nulls last
        ) = 1 as is_first_version,
        exclusion_reason is not null as is_excluded_from_mrr,
        is_overlapping,
        coalesce(
            currency <> customer_currency, false
        ) as has_currency_mismatch,

        ---------- timestamps
        valid_from_at,
        valid_to_at,
        effective_valid_to_at,
        next_valid_from_at,
        created_at,
        started_at,
        trial_end_at,
        canceled_at,
        ended_at,
        -- t(M) must be after all three starts (a missing trial end falls
        -- back to started_at) ...
        greatest(
            valid_from_at,
            started_at,
            coalesce(trial_end_at, started_at)
        ) as counts_after_at,
        -- ... and not after either end
        least(
            coalesce(effective_valid_to_at, {{ last_snapshot_at() }}),
            coalesce(ended_at, {{ last_snapshot_at() }})
        ) as counts_through_at
    from cut
)

select * from final
