{#-
    crm.users from HubSpot owners (docs/presets/hubspot.md): every owner is
    a user (user_id = owner_id), active while linked to a user account
    (active_user_id). The contract role is the name of the user account's
    role mapped by var crm_user_roles (no role: other), the team its
    primary team; a deactivated owner's user account is found by email.
-#}

{{ config(enabled=cs_metrics.preset_selected('hubspot')) }}

with

owners as (
    select * from {{ source('hubspot', 'owner') }}
),

user_accounts as (
    select * from {{ source('hubspot', 'users') }}
),

roles as (
    select * from {{ source('hubspot', 'role') }}
),

teams as (
    select * from {{ source('hubspot', 'team') }}
),

final as (
    select
        {{ cs_metrics.hubspot_id('owners.owner_id') }} as user_id,
        cast(nullif(trim({{ dbt.concat([
            "coalesce(owners.first_name, '')", "' '",
            "coalesce(owners.last_name, '')",
        ]) }}), '') as {{ dbt.type_string() }}) as full_name,
        cast(owners.email as {{ dbt.type_string() }}) as email,
        cast(
            {{ cs_metrics.crm_user_role('roles.name') }}
            as {{ dbt.type_string() }}
        ) as role, -- noqa: RF04
        cast(teams.name as {{ dbt.type_string() }}) as team,
        owners.active_user_id is not null as is_active
    from owners
    left outer join user_accounts
        on
            owners.active_user_id = user_accounts.id
            or (
                owners.active_user_id is null
                and lower(owners.email) = lower(user_accounts.email)
            )
    left outer join roles
        on user_accounts.role_id = roles.id
    left outer join teams
        on user_accounts.primary_team_id = teams.id
)

select * from final
