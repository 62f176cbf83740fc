{#-
    crm.accounts from Salesforce accounts (docs/presets/salesforce.md): every
    row is a version of its account. In history mode a version's updated_at
    is its _fivetran_start, and an account whose versions are all inactive
    was deleted: its last version becomes a deleted one, updated when it
    ended (_fivetran_end). Without history mode there is one version per
    account, updated at last_modified_date. Accounts in the recycle bin
    (is_deleted) or deleted (_fivetran_deleted) stay, flagged is_deleted.
    The CSM is the user of the Account field var salesforce_account_csm_field
    (default the owner) when that user's role is csm; region and
    acquisition channel are the fields named by vars (the channel's values
    mapped by crm_acquisition_channels); country_code is
    billing_country_code, else billing_country.
-#}

{{ config(enabled=cs_metrics.preset_selected('salesforce')) }}

{%- set accounts_relation = source('salesforce', 'account') -%}

with

accounts as (
    select * from {{ accounts_relation }}
),

users as (
    select * from {{ ref('salesforce__crm_users') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as account_id,
        cast(name as {{ dbt.type_string() }}) as account_name,
        cast(parent_id as {{ dbt.type_string() }}) as parent_account_id,
        cast(industry as {{ dbt.type_string() }}) as industry,
        {{ cs_metrics.source_column_or_null(
            accounts_relation,
            var('salesforce_account_region_field'),
            dbt.type_string()
        ) }} as region,
        coalesce(
            nullif(trim({{ cs_metrics.source_column_or_null(
                accounts_relation, 'billing_country_code', dbt.type_string()
            ) }}), ''),
            cast(billing_country as {{ dbt.type_string() }})
        ) as country_code,
        cast(number_of_employees as {{ dbt.type_bigint() }}) as employee_count,
        {{ cs_metrics.crm_mapped_value(
            cs_metrics.source_column_or_null(
                accounts_relation,
                var('salesforce_account_channel_field'),
                dbt.type_string()
            ),
            var('crm_acquisition_channels')
        ) }} as acquisition_channel,
        {{ cs_metrics.source_column_or_null(
            accounts_relation,
            var('salesforce_account_csm_field'),
            dbt.type_string()
        ) }} as csm_user_id,
        coalesce(is_deleted, false)
        or coalesce({{ cs_metrics.source_column_or_null(
            accounts_relation, '_fivetran_deleted', dbt.type_boolean()
        ) }}, false) as is_deleted_in_salesforce,
        {{ cs_metrics.source_column_or_null(
            accounts_relation, '_fivetran_active', dbt.type_boolean()
        ) }} as is_fivetran_active,
        {{ cs_metrics.source_column_or_null(
            accounts_relation, '_fivetran_start', dbt.type_timestamp()
        ) }} as fivetran_start_at,
        {{ cs_metrics.source_column_or_null(
            accounts_relation, '_fivetran_end', dbt.type_timestamp()
        ) }} as fivetran_end_at,
        {{ cs_metrics.utc_timestamp(accounts_relation, 'created_date') }}
            as created_at,
        {{ cs_metrics.utc_timestamp(accounts_relation, 'last_modified_date') }}
            as last_modified_at,
        {{ cs_metrics.utc_timestamp(accounts_relation, '_fivetran_synced') }}
            as synced_at
    from accounts
),

-- history mode: an account none of whose versions is active was deleted
versions as (
    select
        *,
        max(
            case when coalesce(is_fivetran_active, true) then 1 else 0 end
        ) over (partition by account_id) = 0 as is_removed,
        row_number() over (
            partition by account_id
            order by
                fivetran_start_at desc nulls last,
                synced_at desc nulls last
        ) as version_from_last
    from renamed
),

dated as (
    select
        *,
        is_removed and version_from_last = 1 as is_deletion
    from versions
),

final as (
    select
        dated.account_id,
        dated.account_name,
        dated.parent_account_id,
        dated.industry,
        dated.region,
        dated.country_code,
        dated.employee_count,
        dated.acquisition_channel,
        cast({{ cs_metrics.crm_csm_owner_id(
            'dated.csm_user_id', 'users.role'
        ) }} as {{ dbt.type_string() }}) as csm_owner_id,
        dated.created_at,
        case
            when dated.is_deletion
                then coalesce(
                    dated.fivetran_end_at,
                    dated.fivetran_start_at,
                    dated.last_modified_at
                )
            else coalesce(dated.fivetran_start_at, dated.last_modified_at)
        end as updated_at,
        dated.is_deleted_in_salesforce or dated.is_deletion as is_deleted,
        dated.synced_at as _loaded_at
    from dated
    left outer join users
        on dated.csm_user_id = users.user_id
)

select * from final
