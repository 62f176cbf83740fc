with

events as (
    select * from {{ source('product', 'events') }}
),

renamed as (
    select
        ---------- ids
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,

        ---------- strings
        lower(trim(cast(event_name as {{ dbt.type_string() }}))) as event_name,

        ---------- timestamps
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at,
        {{ source_column_or_null(
            source('product', 'events'), '_loaded_at', dbt.type_timestamp()
        ) }} as loaded_at,

        ---------- last tie-breaker between copies of one event
        {{ row_fingerprint([
            'event_id', 'account_id', 'user_id', 'event_name', 'occurred_at',
        ]) }} as row_fingerprint
    from events
),

-- an event delivered twice keeps its first-loaded copy (then a fixed order)
ranked as (
    select
        *,
        row_number() over (
            partition by event_id
            order by
                loaded_at asc nulls last,
                row_fingerprint asc
        ) as copy_rank
    from renamed
),

first_copies as (
    select * from ranked
    where copy_rank = 1
),

checked as (
    select
        event_id,
        account_id,
        user_id,
        event_name,
        occurred_at,
        loaded_at,
        {{ contract_violation_reason([
            ('account_id is null', 'missing account_id'),
            ('user_id is null', 'missing user_id'),
            ('event_name is null', 'missing event_name'),
            ('occurred_at is null', 'missing occurred_at'),
        ]) }} as contract_violation_reason
    from first_copies
),

final as (
    select
        *,
        contract_violation_reason is not null as is_contract_violation
    from checked
)

select * from final
