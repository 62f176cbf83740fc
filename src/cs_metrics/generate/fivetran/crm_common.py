"""What the Salesforce and HubSpot converters share: the demo company's CRM roles and
account owners as a CRM records them.

- A contract user's role (csm, ae, manager, other) becomes the name of a role in the CRM
  (`ROLE_NAME_SQL`), one the default of dbt var crm_user_roles maps back.
- Every CRM account has an owner: the account's CSM when it has one; otherwise an account
  executive (the owner of its first opportunity owned by one, else the first active one),
  whose role is not csm, so the preset gives the account no CSM, as the contract does
  (`create_account_owners`).
"""

from __future__ import annotations

import duckdb

READS = ("accounts", "users", "contacts", "opportunities", "activities")

# the CRM role name of a contract user (columns role, team of crm.users)
ROLE_NAME_SQL = """
    case role
        when 'csm' then 'Customer Success Manager'
        when 'ae' then 'Account Executive'
        when 'manager' then
            case when team like 'Sales%' then 'Sales Manager' else 'CS Manager' end
        else case when team = 'Support' then 'Support' else 'Revenue Operations' end
    end
"""


def create_account_owners(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table `fallback_owners` (account_id, owner_id): the account executive owning each
    account that has no CSM in some version."""
    con.execute(
        """
        create temp table fallback_owners as
        with
        ae_opportunities as (
            select o.account_id, o.owner_id,
                row_number() over (
                    partition by o.account_id order by o.created_at, o.opportunity_id
                ) as opportunity_no
            from opportunities as o
            join users as u on u.user_id = o.owner_id
            where u.role = 'ae'
        ),
        first_ae as (
            select min(user_id) as owner_id from users where role = 'ae' and is_active
        )
        select a.account_id, coalesce(o.owner_id, (select owner_id from first_ae)) as owner_id
        from (select distinct account_id from accounts where csm_owner_id is null) as a
        left join ae_opportunities as o
            on o.account_id = a.account_id and o.opportunity_no = 1
        """
    )
