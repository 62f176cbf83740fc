{#-
    Which account each Segment user belongs to, when (docs/presets/segment.md):
    one row per membership, from the group calls (table groups). A call
    puts its user in its group's account (the column named by var
    segment_group_account_id_column) from its timestamp until the user's
    next call naming another account; consecutive calls naming the same
    account are one membership. The first membership reaches back to the
    beginning (events before the user's first group call belong to the
    first account it was put in) and the last stays open: the bounds are
    the earliest and latest timestamps (0001-01-01, 9999-12-31 23:59:59),
    never null, so the events join on user_id plus a range and stays a hash
    join. Calls without a user_id (anonymous) or an account place nobody
    (listed by segment__data_quality_issues). Calls at the same instant
    are ordered by their id. A table: the events view joins it for every
    event read.
-#}
{{ config(
    enabled=cs_metrics.preset_selected('segment'),
    materialized='table'
) }}

with

calls as (
    select * from {{ ref('segment__group_calls') }}
),

placed_calls as (
    select
        *,
        lag(account_id) over (
            partition by user_id
            order by called_at, group_call_id
        ) as previous_account_id
    from calls
    where
        user_id is not null
        and account_id is not null
        and called_at is not null
),

-- a membership starts at each call that moves the user to another account
membership_starts as (
    select
        user_id,
        account_id,
        called_at,
        group_call_id,
        row_number() over (
            partition by user_id
            order by called_at, group_call_id
        ) as membership_number,
        lead(called_at) over (
            partition by user_id
            order by called_at, group_call_id
        ) as next_called_at
    from placed_calls
    where
        previous_account_id is null
        or previous_account_id <> account_id
),

final as (
    select
        user_id,
        account_id,
        group_call_id,
        case
            when membership_number = 1
                then cast('0001-01-01 00:00:00' as {{ dbt.type_timestamp() }})
            else called_at
        end as valid_from_at,
        coalesce(
            next_called_at,
            cast('9999-12-31 23:59:59' as {{ dbt.type_timestamp() }})
        ) as valid_to_at
    from membership_starts
)

select * from final
