"""The demo company's CRM as Fivetran's Salesforce connector writes it.

`convert` turns the contract CRM tables (all but nps_responses) into the Salesforce tables the
dbt Salesforce preset reads (models/connectors/salesforce/_salesforce__sources.yml):

- users -> `user` (the team as `department`) and `user_role` (crm_common.ROLE_NAME_SQL);
- accounts -> `account` in history mode: each version of an account a row, from its
  updated_at (`_fivetran_start`) until the next version (`_fivetran_end`), the last one
  active; versions sharing an updated_at are one (the later load, as staging picks it). The
  owner is the CSM, else an account executive (crm_common); the region in custom field
  `region_c`, the acquisition channel as Salesforce Account Source picklist values;
- contacts -> `contact` (decision makers in custom checkbox `decision_maker_c`);
- opportunities -> `opportunity` (Salesforce's Type values, stage names with is_closed and
  is_won, amounts in `currency_iso_code`: a multi-currency org);
- activities -> `task` (completed calls, emails, escalations and others) and `event`
  (meetings, QBRs, onboarding and training sessions), the type as a Type picklist value.

Every label maps back to the contract value through the defaults of the dbt vars
crm_user_roles, crm_acquisition_channels, crm_opportunity_types and crm_activity_types.

Salesforce has rows the contract layout has no counterpart for, added here and listed by the
preset in fct_data_quality_issues (`extra_rows`): a deleted contact (`_fivetran_deleted`), a
deleted opportunity and a deleted task (in the recycle bin: `is_deleted`). An open task is
added too: not a touch yet, and not listed.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pyarrow as pa

from cs_metrics.generate.fivetran.arrow import utc_instants
from cs_metrics.generate.fivetran.common import LEFT_OUT, connect, sql_case
from cs_metrics.generate.fivetran.crm_common import (
    READS,
    ROLE_NAME_SQL,
    create_account_owners,
)

__all__ = ["READS", "convert", "extra_rows"]

EXTRA_ROWS: tuple[tuple[str, str, str], ...] = (
    ("salesforce.contact", "con_deleted_0001", LEFT_OUT),
    ("salesforce.opportunity", "opp_deleted_0001", LEFT_OUT),
    ("salesforce.task", "task_deleted_0001", LEFT_OUT),
)

# contract value -> the Salesforce picklist value the demo writes
_CHANNELS = {
    "inbound": "Web",
    "outbound": "Purchased List",
    "partner": "Partner Referral",
    "referral": "External Referral",
    "paid": "Advertisement",
    "self_serve": "Self Serve",
    "other": "Other",
}
_OPPORTUNITY_TYPES = {
    "new_business": "New Customer",
    "expansion": "Existing Customer - Upgrade",
    "renewal": "Renewal",
}
# activity type -> (table, Type picklist value, task subtype)
_ACTIVITIES = {
    "call": ("task", "Call", "Call"),
    "email": ("task", "Email", "Email"),
    "escalation": ("task", "Escalation", "Task"),
    "other": ("task", "Other", "Task"),
    "meeting": ("event", "Meeting", None),
    "qbr": ("event", "QBR", None),
    "onboarding": ("event", "Onboarding", None),
    "training": ("event", "Training", None),
}
_END_OF_TIME = "timestamp '9999-12-31 23:59:59'"  # _fivetran_end of an active version


def extra_rows() -> tuple[tuple[str, str, str], ...]:
    """Salesforce rows the converter adds that the preset leaves out and lists."""
    return EXTRA_ROWS


def convert(tables: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    """The Salesforce tables of the contract CRM tables (keys "crm.<table>")."""
    con = connect(tables)
    create_account_owners(con)
    out = {
        "user": _users(con),
        "user_role": _roles(con),
        "account": _accounts(con),
        "contact": _contacts(con),
        "opportunity": _opportunities(con),
        "task": _tasks(con),
        "event": _events(con),
    }
    con.close()
    return {name: utc_instants(table) for name, table in out.items()}


def _role_id(name: str) -> str:
    return f"'00E' || substr(md5({name}), 1, 15)"


def _users(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"""
        select
            user_id as id,
            full_name as name,
            email,
            is_active,
            {_role_id(ROLE_NAME_SQL)} as user_role_id,
            team as department,
            false as _fivetran_deleted
        from users
        order by id
        """
    ).to_arrow_table()


def _roles(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"""
        select distinct {_role_id("name")} as id, name
        from (select {ROLE_NAME_SQL} as name from users)
        order by id
        """
    ).to_arrow_table()


def _accounts(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"""
        with
        versions as (
            -- versions sharing an updated_at are one: the later load wins
            select *,
                row_number() over (
                    partition by account_id, updated_at order by _loaded_at desc
                ) as load_rank
            from accounts
        ),
        history as (
            select *,
                lead(updated_at) over (partition by account_id order by updated_at)
                    as next_updated_at
            from versions
            where load_rank = 1
        )
        select
            h.account_id as id,
            h.account_name as name,
            h.parent_account_id as parent_id,
            h.industry,
            h.country_code as billing_country,
            h.country_code as billing_country_code,
            h.employee_count as number_of_employees,
            {sql_case("h.acquisition_channel", _CHANNELS)} as account_source,
            h.region as region_c,
            coalesce(h.csm_owner_id, f.owner_id) as owner_id,
            h.created_at as created_date,
            h.updated_at as last_modified_date,
            h.is_deleted,
            h._loaded_at as _fivetran_synced,
            h.next_updated_at is null as _fivetran_active,
            h.updated_at as _fivetran_start,
            coalesce(h.next_updated_at - interval 1 millisecond, {_END_OF_TIME})
                as _fivetran_end
        from history as h
        left join fallback_owners as f using (account_id)
        order by id, _fivetran_start
        """
    ).to_arrow_table()


def _contacts(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        """
        select
            contact_id as id,
            account_id,
            full_name as name,
            email,
            title,
            is_decision_maker as decision_maker_c,
            created_at as created_date,
            false as is_deleted,
            false as _fivetran_deleted
        from contacts
        union all
        select 'con_deleted_0001', min(account_id), 'Deleted Contact', null, null, false,
            timestamp '2024-03-01 10:00:00', false, true
        from accounts
        order by id
        """
    ).to_arrow_table()


def _opportunities(con: duckdb.DuckDBPyConnection) -> pa.Table:
    stage = "replace(upper(left(stage, 1)) || substr(stage, 2), '_', ' ')"
    return con.sql(
        f"""
        select
            opportunity_id as id,
            account_id,
            owner_id,
            {sql_case("opportunity_type", _OPPORTUNITY_TYPES)} as type,
            case stage
                when 'closed_won' then 'Closed Won'
                when 'closed_lost' then 'Closed Lost'
                else {stage}
            end as stage_name,
            stage in ('closed_won', 'closed_lost') as is_closed,
            stage = 'closed_won' as is_won,
            cast(amount as double) as amount,
            currency as currency_iso_code,
            created_at as created_date,
            close_date,
            false as is_deleted
        from opportunities
        union all
        select 'opp_deleted_0001', min(account_id), min(owner_id), 'New Customer', 'Prospecting',
            false, false, 1000.0, 'USD', timestamp '2024-03-01 10:00:00', date '2024-06-30', true
        from opportunities
        order by id
        """
    ).to_arrow_table()


def _activities_of(table: str) -> str:
    kinds = [kind for kind, (target, _, _) in _ACTIVITIES.items() if target == table]
    return ", ".join(f"'{kind}'" for kind in kinds)


_TYPES = {kind: label for kind, (_, label, _) in _ACTIVITIES.items()}
_SUBTYPES = {kind: subtype for kind, (_, _, subtype) in _ACTIVITIES.items()}


def _tasks(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"""
        select
            activity_id as id,
            account_id,
            owner_id,
            {sql_case("activity_type", _TYPES)} as type,
            {sql_case("activity_type", _SUBTYPES)} as task_subtype,
            true as is_closed,
            cast(occurred_at as date) as activity_date,
            occurred_at as completed_date_time,
            occurred_at as created_date,
            false as is_deleted
        from activities
        where activity_type in ({_activities_of("task")})
        union all
        select 'task_deleted_0001', min(account_id), null, 'Call', 'Call', true,
            date '2024-03-01', timestamp '2024-03-01 10:00:00',
            timestamp '2024-03-01 10:00:00', true
        from accounts
        union all
        select 'task_open_0001', min(account_id), null, 'Call', 'Call', false,
            date '2024-03-01', null, timestamp '2024-02-20 10:00:00', false
        from accounts
        order by id
        """
    ).to_arrow_table()


def _events(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"""
        select
            activity_id as id,
            account_id,
            owner_id,
            {sql_case("activity_type", _TYPES)} as type,
            occurred_at as start_date_time,
            occurred_at as activity_date_time,
            false as is_deleted
        from activities
        where activity_type in ({_activities_of("event")})
        order by id
        """
    ).to_arrow_table()
