{#-
    crm.users from Salesforce users (docs/presets/salesforce.md): the
    current row of each user; the contract role is the name of the user's
    role (table user_role) mapped by var crm_user_roles (no role: other);
    the team is the User field var salesforce_user_team_field (absent:
    null). Salesforce deactivates users rather than deleting them; a user
    Fivetran saw deleted is kept, inactive, so the accounts and activities
    it owned keep their owner.
-#}

{{ config(enabled=cs_metrics.preset_selected('salesforce')) }}

{%- set users_relation = source('salesforce', 'user') -%}

with

users as (
    {{ cs_metrics.salesforce_current_rows('user', has_is_deleted=false) }}
),

roles as (
    {{ cs_metrics.salesforce_current_rows('user_role', has_is_deleted=false) }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as user_id,
        cast(name as {{ dbt.type_string() }}) as full_name,
        cast(email as {{ dbt.type_string() }}) as email,
        cast(user_role_id as {{ dbt.type_string() }}) as user_role_id,
        {{ cs_metrics.source_column_or_null(
            users_relation, var('salesforce_user_team_field'), dbt.type_string()
        ) }} as team,
        coalesce(is_active, false) and left_out_reason is null as is_active
    from users
),

final as (
    select
        renamed.user_id,
        renamed.full_name,
        renamed.email,
        cast(
            {{ cs_metrics.crm_user_role('roles.name') }}
            as {{ dbt.type_string() }}
        ) as role, -- noqa: RF04
        renamed.team,
        renamed.is_active
    from renamed
    left outer join roles
        on renamed.user_role_id = cast(roles.id as {{ dbt.type_string() }})
)

select * from final
