"""The demo company's CRM as Fivetran's HubSpot connector writes it.

`convert` turns the contract CRM tables (all but nps_responses) into the HubSpot tables the
dbt HubSpot preset reads (models/connectors/hubspot/_hubspot__sources.yml). HubSpot's ids are
numbers: a company is `company_id(account_id)`, an owner `owner_id(user_id)`, a user account
`USER_ID_BASE` + the same number; contacts, deals and engagements are numbered in id order.

- users -> `owner` (active ones linked to their user account: `active_user_id`), `users`
  (every user account, deactivated ones too, with its role and primary team), `role`
  (crm_common.ROLE_NAME_SQL) and `team`;
- accounts -> `company`: HubSpot keeps no history in this table, so each account's current
  version (the latest updated_at, then the latest load, as staging picks it). The account id
  the other systems use (Stripe metadata, product events, NPS) is kept in custom property
  `property_account_id`, named to the preset by var hubspot_company_account_id_property
  (`VARS`); the parent as `property_hs_parent_company_id`; the owner is the CSM, else an
  account executive (crm_common); region and channel in custom properties `property_region`
  and `property_acquisition_channel` (the preset's defaults);
- contacts -> `contact` (the company as `property_associatedcompanyid`, decision makers with
  buying role DECISION_MAKER);
- opportunities -> `deal`, `deal_company` (the primary association, type 5) and
  `deal_pipeline_stage` (one stage per contract stage: closed won has probability 1, closed
  lost 0); the type as HubSpot's dealtype (newbusiness, existingbusiness, renewal);
- activities -> `engagement` (CALL, EMAIL, MEETING; others as NOTE) with
  `engagement_company`, and the call or meeting type (`property_hs_activity_type`: QBR,
  Onboarding, Training, Escalation) in `engagement_call` / `engagement_meeting`.

HubSpot has rows the contract layout has no counterpart for, added here and listed by the
preset in fct_data_quality_issues (`extra_rows`): a deleted contact, a deleted deal, a
deleted call and an engagement without a time.
"""

from __future__ import annotations

import re
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

__all__ = ["READS", "VARS", "company_id", "convert", "extra_rows", "owner_id"]

ACCOUNT_ID_PROPERTY = "property_account_id"
# the dbt vars the converted tables need: the company property holding the account id
VARS: tuple[tuple[str, str], ...] = (("hubspot_company_account_id_property", ACCOUNT_ID_PROPERTY),)

COMPANY_ID_BASE = 5_000_000_000
OWNER_ID_BASE = 90_000_000
USER_ID_BASE = 7_000_000
CONTACT_ID_BASE = 100_000_000
DEAL_ID_BASE = 20_000_000_000
ENGAGEMENT_ID_BASE = 30_000_000_000

_DELETED_CONTACT = CONTACT_ID_BASE - 1
_DELETED_DEAL = DEAL_ID_BASE - 1
_DELETED_CALL = ENGAGEMENT_ID_BASE - 1
_UNTIMED_ENGAGEMENT = ENGAGEMENT_ID_BASE - 2

EXTRA_ROWS: tuple[tuple[str, str, str], ...] = (
    ("hubspot.contact", str(_DELETED_CONTACT), LEFT_OUT),
    ("hubspot.deal", str(_DELETED_DEAL), LEFT_OUT),
    ("hubspot.engagement", str(_DELETED_CALL), LEFT_OUT),
    ("hubspot.engagement", str(_UNTIMED_ENGAGEMENT), LEFT_OUT),
)

_OPPORTUNITY_TYPES = {
    "new_business": "newbusiness",
    "expansion": "existingbusiness",
    "renewal": "renewal",
}
# activity type -> (engagement type, call or meeting type)
_ENGAGEMENTS = {
    "call": ("CALL", None),
    "escalation": ("CALL", "Escalation"),
    "email": ("EMAIL", None),
    "meeting": ("MEETING", None),
    "qbr": ("MEETING", "QBR"),
    "onboarding": ("MEETING", "Onboarding"),
    "training": ("MEETING", "Training"),
    "other": ("NOTE", None),
}
_NUMBERED = re.compile(r"^[a-z]+_(\d+)$")


def _number(contract_id: str) -> int:
    match = _NUMBERED.match(contract_id)
    if not match:
        raise ValueError(f"not a generated id: {contract_id!r}")
    return int(match.group(1))


def company_id(account_id: str) -> int:
    """The HubSpot company id of a generated account (acc_000123 -> 5000000123)."""
    return COMPANY_ID_BASE + _number(account_id)


def owner_id(user_id: str) -> int:
    """The HubSpot owner id of a generated user (emp_00007 -> 90000007)."""
    return OWNER_ID_BASE + _number(user_id)


def extra_rows() -> tuple[tuple[str, str, str], ...]:
    """HubSpot rows the converter adds that the preset leaves out and lists."""
    return EXTRA_ROWS


def convert(tables: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    """The HubSpot tables of the contract CRM tables (keys "crm.<table>")."""
    con = connect(tables)
    users = tables["crm.users"].column("user_id").to_pylist()
    accounts = sorted(set(tables["crm.accounts"].column("account_id").to_pylist()))
    con.register(
        "owner_ids",
        pa.table({"user_id": users, "owner_id": [owner_id(u) for u in users]}),
    )
    con.register(
        "company_ids",
        pa.table({"account_id": accounts, "company_id": [company_id(a) for a in accounts]}),
    )
    create_account_owners(con)
    out = {
        "owner": _owners(con),
        "users": _users(con),
        "role": _roles(con),
        "team": _teams(con),
        "company": _companies(con),
        "contact": _contacts(con),
        "deal": _deals(con),
        "deal_company": _deal_companies(con),
        "deal_pipeline_stage": _stages(con),
        **_engagements(con),
    }
    con.close()
    return {name: utc_instants(table) for name, table in out.items()}


def _owners(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"""
        select
            o.owner_id,
            nullif(split_part(u.full_name, ' ', 1), '') as first_name,
            nullif(substr(u.full_name, length(split_part(u.full_name, ' ', 1)) + 2), '')
                as last_name,
            u.email,
            case when u.is_active then o.owner_id - {OWNER_ID_BASE} + {USER_ID_BASE} end
                as active_user_id
        from users as u
        join owner_ids as o using (user_id)
        order by owner_id
        """
    ).to_arrow_table()


def _role_and_team_ids(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""
        create temp table role_names as select user_id, {ROLE_NAME_SQL} as name from users;
        create temp table role_ids as
        select name, 100 + row_number() over (order by name) as id
        from (select distinct name from role_names);
        create temp table team_ids as
        select name, 200 + row_number() over (order by name) as id
        from (select distinct team as name from users where team is not null);
        """
    )


def _users(con: duckdb.DuckDBPyConnection) -> pa.Table:
    _role_and_team_ids(con)
    return con.sql(
        f"""
        select
            o.owner_id - {OWNER_ID_BASE} + {USER_ID_BASE} as id,
            u.email,
            r.id as role_id,
            t.id as primary_team_id
        from users as u
        join owner_ids as o using (user_id)
        join role_names as n using (user_id)
        join role_ids as r on r.name = n.name
        left join team_ids as t on t.name = u.team
        order by id
        """
    ).to_arrow_table()


def _roles(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql("select id, name from role_ids order by id").to_arrow_table()


def _teams(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql("select id, name from team_ids order by id").to_arrow_table()


def _companies(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"""
        with
        current_versions as (
            select *,
                row_number() over (
                    partition by account_id order by updated_at desc, _loaded_at desc
                ) as version_rank
            from accounts
        )
        select
            c.company_id as id,
            a.account_id as {ACCOUNT_ID_PROPERTY},
            a.account_name as property_name,
            p.company_id as property_hs_parent_company_id,
            a.industry as property_industry,
            a.region as property_region,
            a.country_code as property_country,
            cast(a.employee_count as double) as property_numberofemployees,
            a.acquisition_channel as property_acquisition_channel,
            o.owner_id as property_hubspot_owner_id,
            a.created_at as property_createdate,
            a.updated_at as property_hs_lastmodifieddate,
            a.is_deleted,
            a._loaded_at as _fivetran_synced
        from current_versions as a
        join company_ids as c using (account_id)
        left join company_ids as p on p.account_id = a.parent_account_id
        left join fallback_owners as f using (account_id)
        left join owner_ids as o on o.user_id = coalesce(a.csm_owner_id, f.owner_id)
        where a.version_rank = 1
        order by id
        """
    ).to_arrow_table()


def _contacts(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"""
        select
            {CONTACT_ID_BASE} + row_number() over (order by contact_id) as id,
            c.company_id as property_associatedcompanyid,
            nullif(split_part(full_name, ' ', 1), '') as property_firstname,
            nullif(substr(full_name, length(split_part(full_name, ' ', 1)) + 2), '')
                as property_lastname,
            email as property_email,
            title as property_jobtitle,
            case when is_decision_maker then 'DECISION_MAKER' end as property_hs_buying_role,
            created_at as property_createdate,
            false as _fivetran_deleted
        from contacts
        left join company_ids as c using (account_id)
        union all
        select {_DELETED_CONTACT}, min(company_id), 'Deleted', 'Contact', null, null, null,
            timestamp '2024-03-01 10:00:00', true
        from company_ids
        order by id
        """
    ).to_arrow_table()


def _deal_rows(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""
        create temp table deals as
        select
            {DEAL_ID_BASE} + row_number() over (order by opportunity_id) as deal_id,
            o.*,
            replace(o.stage, '_', '') as stage_id,
            c.company_id,
            w.owner_id as hubspot_owner_id
        from opportunities as o
        left join company_ids as c using (account_id)
        left join owner_ids as w on w.user_id = o.owner_id
        """
    )


def _deals(con: duckdb.DuckDBPyConnection) -> pa.Table:
    _deal_rows(con)
    return con.sql(
        f"""
        select
            deal_id,
            stage_id as deal_pipeline_stage_id,
            hubspot_owner_id as owner_id,
            {sql_case("opportunity_type", _OPPORTUNITY_TYPES)} as property_dealtype,
            cast(amount as double) as property_amount,
            currency as property_deal_currency_code,
            created_at as property_createdate,
            cast(close_date as timestamp) as property_closedate,
            false as is_deleted
        from deals
        union all
        select {_DELETED_DEAL}, 'prospecting', null, 'newbusiness', 1000.0, 'USD',
            timestamp '2024-03-01 10:00:00', timestamp '2024-06-30 00:00:00', true
        order by deal_id
        """
    ).to_arrow_table()


def _deal_companies(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"""
        select deal_id, company_id, 5 as type_id
        from deals
        where company_id is not null
        union all
        select {_DELETED_DEAL}, min(company_id), 5 from company_ids
        order by deal_id
        """
    ).to_arrow_table()


def _stages(con: duckdb.DuckDBPyConnection) -> pa.Table:
    label = "replace(upper(left(stage, 1)) || substr(stage, 2), '_', ' ')"
    return con.sql(
        f"""
        select distinct
            stage_id,
            {label} as label,
            stage in ('closed_won', 'closed_lost') as is_closed,
            case stage when 'closed_won' then 1.0 when 'closed_lost' then 0.0 else 0.5 end
                as probability
        from (select stage, stage_id from deals union select 'prospecting', 'prospecting')
        order by stage_id
        """
    ).to_arrow_table()


def _engagements(con: duckdb.DuckDBPyConnection) -> dict[str, pa.Table]:
    types = {kind: engagement for kind, (engagement, _) in _ENGAGEMENTS.items()}
    subtypes = {kind: subtype for kind, (_, subtype) in _ENGAGEMENTS.items()}
    con.execute(
        f"""
        create temp table engagements as
        select
            {ENGAGEMENT_ID_BASE} + row_number() over (order by a.activity_id) as id,
            {sql_case("a.activity_type", types)} as type,
            {sql_case("a.activity_type", subtypes)} as activity_type,
            a.occurred_at,
            o.owner_id,
            c.company_id,
            false as is_deleted
        from activities as a
        left join owner_ids as o on o.user_id = a.owner_id
        left join company_ids as c using (account_id)
        union all
        select {_DELETED_CALL}, 'CALL', null, timestamp '2024-03-01 10:00:00', null,
            (select min(company_id) from company_ids), true
        union all
        select {_UNTIMED_ENGAGEMENT}, 'EMAIL', null, null, null,
            (select min(company_id) from company_ids), false
        """
    )

    def of_type(engagement_type: str) -> pa.Table:
        return con.sql(
            f"""
            select id as engagement_id, activity_type as property_hs_activity_type,
                is_deleted as _fivetran_deleted
            from engagements
            where type = '{engagement_type}'
            order by engagement_id
            """
        ).to_arrow_table()

    return {
        "engagement": con.sql(
            """
            select id, type, occurred_at as "timestamp", owner_id
            from engagements order by id
            """
        ).to_arrow_table(),
        "engagement_company": con.sql(
            """
            select id as engagement_id, company_id
            from engagements where company_id is not null order by engagement_id
            """
        ).to_arrow_table(),
        "engagement_call": of_type("CALL"),
        "engagement_meeting": of_type("MEETING"),
    }
