{#-
    One row per month M and subscription item version counted in MRR at the
    snapshot t(M) (the first instant of M + 1). A version counts when
      valid_from_at < t(M) and (valid_to_at is null or valid_to_at >= t(M))
      and started_at < t(M)
      and (trial_end_at is null or trial_end_at < t(M))
      and (ended_at is null or ended_at >= t(M)).
    The current subscription status is not used. The conditions are folded
    into one window per version, (counts_after_at, counts_through_at], so the
    versions join the month spine on a range instead of a cross join.
-#}
with

priced_items as (
    select * from {{ ref('int_subscription_items_priced') }}
    where not is_excluded_from_mrr
),

months as (
    select * from {{ ref('int_months_spined') }}
),

windowed as (
    select
        *,
        -- t(M) must be after all three starts (nulls never block: a
        -- missing trial end falls back to started_at)
        greatest(
            valid_from_at,
            started_at,
            coalesce(trial_end_at, started_at)
        ) as counts_after_at,
        -- ... and not after either end; an open end reaches past the last
        -- snapshot of the spine, t(as-of month)
        least(
            coalesce(valid_to_at, {{ last_snapshot_at() }}),
            coalesce(ended_at, {{ last_snapshot_at() }})
        ) as counts_through_at
    from priced_items
),

final as (
    select
        ---------- keys
        months.month_start,

        ---------- ids
        windowed.account_id,
        windowed.customer_id,
        windowed.subscription_id,
        windowed.subscription_item_id,
        windowed.plan_id,

        ---------- strings
        windowed.currency,

        ---------- numerics
        windowed.quantity,
        windowed.mrr_local,

        ---------- booleans
        windowed.is_per_seat,

        ---------- timestamps
        windowed.valid_from_at
    from windowed
    inner join months
        on
            windowed.counts_after_at < months.snapshot_at
            and windowed.counts_through_at >= months.snapshot_at
)

select * from final
