"""One company, two layouts: the connector presets give the same marts as the raw contract.

The small generated company is built from the contract layout (the shared `built_db`) and,
for every case of LAYOUTS, generated again with the same arguments in a connector layout
(`cs-metrics generate --layout ... [--crm ...]`: the converters of
cs_metrics.generate.fivetran) and built with the vars that select its presets. Every public
mart (models/marts) is compared row by row, both ways, with no tolerance
(scripts/engines/compare.py). The only differences allowed are the ones a connector has and
the contract cannot have: its converter's extra rows (test mode, deleted, an amount-off
coupon, a ticket without an organization, an anonymous group call, ...), each listed exactly
once in fct_data_quality_issues; the names the connector gives the records listed there (a
Zendesk ticket is named by its number: the converter's `record_id`); and, for HubSpot, its
ids: HubSpot numbers its owners, so the CSM ids in the marts are HubSpot owner ids
(docs/presets/hubspot.md), compared through the converter's numbering.

Where a connector cannot express what the contract can, staging differs in exactly the
documented ways (docs/presets/<connector>.md) and no mart does: tested per connector below.

A new preset adds its layout case to LAYOUTS (a layout of cs_metrics.generate.fivetran, and
the extra vars its generator options need) and, if its staging differs, a test like
`test_stripe_staging_differs_only_where_stripe_cannot_express_the_contract`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from conftest import (
    ROOT,
    SMALL_AS_OF,
    generate_small,
    import_script,
    run_dbt,
)
from cs_metrics import contract
from cs_metrics.generate.fivetran.registry import Converter, layout_converters, layout_vars
from cs_metrics.presets import connector_tables, input_domains

pytestmark = pytest.mark.slow

compare = import_script("scripts/engines/compare.py")


def hubspot_owner_ids(contract_db: Path) -> dict[str, str]:
    """HubSpot owner id (text) -> the contract's user_id, by the converter's numbering."""
    from cs_metrics.generate.fivetran.hubspot import owner_id

    con = duckdb.connect(str(contract_db), read_only=True)
    try:
        users = con.execute("select user_id from staging.stg_crm__users").fetchall()
    finally:
        con.close()
    return {str(owner_id(user_id)): user_id for (user_id,) in users}


@dataclass(frozen=True)
class LayoutCase:
    """A connector layout of the small company and how to build it."""

    layout: str  # cs_metrics.generate.fivetran.registry.LAYOUTS
    crm: str | None = None  # the CRM connector instead of the layout's (generate(crm=...))
    generate: dict = field(default_factory=dict)  # extra arguments of generate()
    # dbt build arguments (data tests may be left out where the marts comparison covers them)
    build: tuple[str, ...] = ("build",)
    # the connector's ids of the contract's ids, as the converter numbers them: its text
    # values -> the contract's, read from the contract build (None: the same ids)
    ids: Callable[[Path], dict[str, str]] | None = None
    # staging key columns the connector numbers afresh (not compared)
    renumbered: tuple[str, ...] = ()

    @property
    def vars(self) -> dict[str, str]:
        return layout_vars(self.layout, self.crm)

    @property
    def converters(self) -> list[Converter]:
        return layout_converters(self.layout, self.crm)

    @property
    def extra_rows(self) -> set[tuple[str, str, str]]:
        return compare.layout_extra_rows(self.layout, self.crm)


# One case per combination of presets: Stripe billing, Zendesk support and Segment events
# with Salesforce, or with HubSpot (data tests only in the first: the second's marts
# comparison covers them).
LAYOUTS = {
    "fivetran": LayoutCase("fivetran"),
    "fivetran-hubspot": LayoutCase(
        "fivetran",
        crm="hubspot",
        build=("build", "--exclude", "test_type:data"),
        ids=hubspot_owner_ids,
        renumbered=("contact_id", "opportunity_id", "activity_id"),
    ),
}


@dataclass(frozen=True)
class LayoutBuild:
    case: LayoutCase
    raw_dir: Path
    db_path: Path
    manifest: Path


@pytest.fixture(scope="module", params=sorted(LAYOUTS))
def layout_build(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    case = LAYOUTS[request.param]
    work = tmp_path_factory.mktemp(f"layout_{request.param}")
    raw_dir = generate_small(work / "raw", layout=case.layout, crm=case.crm, **case.generate)
    db_path = work / "layout.duckdb"
    run_dbt(
        list(case.build),
        db_path=db_path,
        target_path=work / "target",
        vars_={"raw_data_dir": str(raw_dir), "as_of_date": SMALL_AS_OF, **case.vars},
    )
    return LayoutBuild(case, raw_dir, db_path, work / "target" / "manifest.json")


def _translated(rows: list[dict], ids: dict[str, str]) -> list[dict]:
    """Rows with every text value that is a connector id replaced by the contract's id."""
    if not ids:
        return rows
    return [
        {name: ids.get(value, value) if isinstance(value, str) else value for name, value in row}
        for row in (r.items() for r in rows)
    ]


def test_every_public_mart_is_identical_but_for_the_connector_rows_listed(
    layout_build: LayoutBuild, built_db: Path
) -> None:
    case = layout_build.case
    marts = compare.discover_marts(layout_build.manifest)
    on_disk = {path.stem for path in (ROOT / "models" / "marts").rglob("*.sql")}
    assert on_disk <= {m.name for m in marts}, "a mart of models/marts is not compared"
    ids = case.ids(built_db) if case.ids else {}
    unexpected, listed = [], set()
    for mart in marts:
        expected = compare.read_duckdb(built_db, mart)
        if mart.name == compare.QUALITY_MART:
            expected = compare.named_by_the_connectors(expected, case.converters)
        differences = compare.compare_mart(
            mart,
            expected,
            _translated(compare.read_duckdb(layout_build.db_path, mart).to_pylist(), ids),
            actual_engine=case.layout,
            exact=True,
        )
        others, found = compare.split_connector_rows(differences, case.layout)
        listed |= found
        unexpected.extend(d.describe("contract", case.layout) for d in others)
    assert not unexpected, "\n".join(unexpected[:30])
    assert listed == case.extra_rows


def test_preset_models_have_exactly_the_contract_columns_and_types(
    layout_build: LayoutBuild,
) -> None:
    """Each <preset>__<source>_<table> model: the contract table's columns, order and types."""
    duckdb_type = {
        contract.TEXT: "VARCHAR",
        contract.INT: "BIGINT",
        contract.BOOL: "BOOLEAN",
        contract.TS: "TIMESTAMP",
        contract.DATE: "DATE",
        contract.MONEY: "DECIMAL(18,4)",
    }
    con = duckdb.connect(str(layout_build.db_path), read_only=True)
    try:
        checked = 0
        for converter in layout_build.case.converters:
            for key in converter.reads:
                table = contract.BY_KEY[key]
                model = f"{converter.connector}__{table.source}_{table.name}"
                found = con.execute(
                    "select column_name, data_type from information_schema.columns"
                    " where table_name = ? order by ordinal_position",
                    [model],
                ).fetchall()
                expected = [(c.name, duckdb_type[c.type]) for c in table.columns]
                assert found == expected, model
                checked += 1
        assert checked
    finally:
        con.close()


def _staging(built_db: Path, layout_db: Path) -> duckdb.DuckDBPyConnection:
    """Both builds attached under their own names (the staging views name their catalog)."""
    con = duckdb.connect()
    con.execute(f"attach '{built_db}' as {built_db.stem} (read_only)")
    con.execute(f"attach '{layout_db}' as {layout_db.stem} (read_only)")
    return con


def test_stripe_staging_differs_only_where_stripe_cannot_express_the_contract(
    layout_build: LayoutBuild, built_db: Path
) -> None:
    """billing.* from Stripe equals the contract's except, exactly (docs/presets/stripe.md):

    - a negotiated unit price is a Stripe price of its own: a plan besides the list plans,
      named by the item instead of plan + unit_amount override (the same price);
    - an item of a subscription that ends after the as-of date ends with it (the contract
      leaves its last version open: the end is its subscription's either way).

    A contract discount given as an amount-off coupon comes back as the same discount_percent
    (compared with every item version below), so the rule is covered here.
    """
    if layout_build.case.vars.get("billing_source") != "stripe":
        pytest.skip("the layout reads billing from the contract")
    c, s = built_db.stem, layout_build.db_path.stem
    assert c != s
    import pyarrow.parquet as pq

    stripe_dir = layout_build.raw_dir / "stripe"
    amount_off = {
        c["id"]
        for c in pq.read_table(stripe_dir / "coupon.parquet").to_pylist()
        if c["amount_off"] is not None and c["currency"] != "xts"
    }
    discounted = [
        d for d in pq.read_table(stripe_dir / "discount.parquet").to_pylist()
        if d["coupon_id"] in amount_off
    ]  # fmt: skip
    assert len(amount_off) == len(discounted) == 1
    con = _staging(built_db, layout_build.db_path)
    try:

        def only(table: str, left: str, right: str, columns: str = "*") -> int:
            return con.execute(
                f"select count(*) from (select {columns} from {left}.staging.{table}"
                f" except select {columns} from {right}.staging.{table})"
            ).fetchone()[0]

        for table in ("stg_billing__customers", "stg_billing__subscriptions"):
            assert only(table, c, s) == only(table, s, c) == 0, table
        lines = "* exclude (plan_id)"
        assert only("stg_billing__invoice_lines", c, s, lines) == 0
        assert only("stg_billing__invoice_lines", s, c, lines) == 0
        assert only("stg_billing__invoices", c, s) == only("stg_billing__invoices", s, c) == 0
        # every contract plan is a Stripe price; the others are the negotiated prices
        assert only("stg_billing__plans", c, s) == 0
        custom = con.execute(
            f"select plan_id from {s}.staging.stg_billing__plans"
            f" except select plan_id from {c}.staging.stg_billing__plans"
        ).fetchall()
        overrides = con.execute(
            f"select count(distinct plan_id || '@' || cast(unit_amount_override as varchar))"
            f" from {c}.staging.stg_billing__subscription_items"
            " where unit_amount_override is not null"
        ).fetchone()[0]
        assert len(custom) == overrides > 0
        # item versions: the same price (list price or override = the custom price) ...
        priced = """
            select i.subscription_item_id, i.subscription_id, i.quantity, i.discount_percent,
                i.valid_from_at, i.is_contract_violation,
                coalesce(i.unit_amount_override, p.unit_amount) as unit_amount, p.currency,
                p.billing_interval, p.interval_count, p.is_per_seat,
                i.valid_to_at, sub.ended_at
            from {db}.staging.stg_billing__subscription_items as i
            join {db}.staging.stg_billing__plans as p using (plan_id)
            join {db}.staging.stg_billing__subscriptions as sub using (subscription_id)
        """
        differing = con.execute(
            f"""
            select c.valid_to_at, s.valid_to_at, s.ended_at
            from ({priced.format(db=c)}) as c
            full join ({priced.format(db=s)}) as s
                using (subscription_item_id, valid_from_at)
            where c.subscription_item_id is null or s.subscription_item_id is null
                or (c.subscription_id, c.quantity, c.discount_percent, c.unit_amount,
                    c.currency, c.billing_interval, c.interval_count, c.is_per_seat,
                    c.is_contract_violation)
                is distinct from (s.subscription_id, s.quantity, s.discount_percent,
                    s.unit_amount, s.currency, s.billing_interval, s.interval_count,
                    s.is_per_seat, s.is_contract_violation)
                or c.valid_to_at is distinct from s.valid_to_at
            """
        ).fetchall()
    finally:
        con.close()
    as_of_end = dt.datetime.fromisoformat(SMALL_AS_OF) + dt.timedelta(days=1)
    # ... and the same validity, but for the open end of subscriptions ending after as_of
    for contract_to, stripe_to, ended_at in differing:
        assert contract_to is None and stripe_to == ended_at and ended_at >= as_of_end, (
            contract_to,
            stripe_to,
            ended_at,
        )


CRM_STAGING = (
    "stg_crm__accounts",
    "stg_crm__users",
    "stg_crm__contacts",
    "stg_crm__opportunities",
    "stg_crm__activities",
)


def test_crm_staging_is_the_contract_s_but_for_the_connector_ids(
    layout_build: LayoutBuild, built_db: Path
) -> None:
    """crm.* from Salesforce equals the contract's, row for row; from HubSpot too, once its
    owner ids are read as the contract's user ids, except the ids of contacts, opportunities
    and activities, which HubSpot numbers afresh (docs/presets/hubspot.md). Each contract
    version of an account that HubSpot does not keep (it keeps the current one) or Salesforce
    merges (two versions at one instant) is left out by staging either way."""
    case = layout_build.case
    if case.vars.get("crm_source", "contract") == "contract":
        pytest.skip("the layout reads the CRM from the contract")
    ids = case.ids(built_db) if case.ids else {}
    con = _staging(built_db, layout_build.db_path)
    try:
        for table in CRM_STAGING:

            def rows(db: str, table: str = table) -> Counter:
                result = con.execute(f"select * from {db}.staging.{table}")
                names = [column[0] for column in result.description]
                kept = [i for i, name in enumerate(names) if name not in case.renumbered]
                return Counter(tuple(row[i] for i in kept) for row in result.fetchall())

            contract_rows = rows(built_db.stem)
            connector_rows = Counter(
                {
                    tuple(ids.get(v, v) if isinstance(v, str) else v for v in row): n
                    for row, n in rows(layout_build.db_path.stem).items()
                }
            )
            assert contract_rows, table
            assert contract_rows == connector_rows, (
                table,
                list((contract_rows - connector_rows).items())[:3],
                list((connector_rows - contract_rows).items())[:3],
            )
    finally:
        con.close()


def test_zendesk_staging_differs_only_where_zendesk_cannot_express_the_contract(
    layout_build: LayoutBuild, built_db: Path
) -> None:
    """support.tickets from Zendesk equals the contract's except, exactly
    (docs/presets/zendesk.md):

    - a ticket is named by its Zendesk number (tkt_0000123 is 123);
    - a priority Zendesk does not have (p2) arrives as no priority: the same flag
      (unknown priority) and the same SLA (var support_default_priority);
    - a rating is good or bad: csat_score 4-5 is 5, 1-3 is 1;
    - a first reply time is whole minutes (ticket_metric): first_response_at is opened_at plus
      the contract's reply time rounded up to a minute, but for the tickets without a
      ticket_metric row (every METRICLESS-th), whose comments give the contract's instant;
    - the Zendesk-only tickets without a CRM account are there, with no account.
    """
    if "zendesk" not in layout_build.case.vars.values():
        pytest.skip("the layout reads support from the contract")
    from cs_metrics.generate.fivetran import zendesk

    c, z = built_db.stem, layout_build.db_path.stem
    con = _staging(built_db, layout_build.db_path)
    try:
        ids = con.execute(f"select ticket_id from {c}.staging.stg_support__tickets").fetchall()
        contract_ids = pa.array([row[0] for row in ids])
        numbers = zendesk.ticket_numbers(contract_ids).cast(pa.string())
        con.register("numbered", pa.table({"contract_id": contract_ids, "zendesk_id": numbers}))
        same = (
            "account_id",
            "opened_at",
            "solved_at",
            "status",
            "is_response_time_valid",
            "contract_violation_reason",
            "is_contract_violation",
        )
        rows = con.execute(
            f"""
            select
                c.priority, z.priority, c.csat_score, z.csat_score,
                c.ticket_id is null, z.ticket_id is null, z.account_id,
                c.zendesk_id, c.opened_at, c.first_response_at, z.first_response_at,
                ({", ".join(f"c.{name}" for name in same)})
                    is not distinct from ({", ".join(f"z.{name}" for name in same)})
            from (
                select n.zendesk_id, t.*
                from {c}.staging.stg_support__tickets as t
                join numbered as n on n.contract_id = t.ticket_id
            ) as c
            full join {z}.staging.stg_support__tickets as z on z.ticket_id = c.zendesk_id
            """
        ).fetchall()
    finally:
        con.close()
    known = {"urgent", "high", "normal", "low"}
    extra = {r[1] for r in zendesk.extra_rows() if r[2] == "ticket_without_account"}
    assert len(rows) == len(ids) + len(extra)
    rounded = 0
    for row in rows:
        c_priority, z_priority, c_csat, z_csat, only_z, only_c, z_account = row[:7]
        number, opened_at, c_reply, z_reply, rest = row[7:]
        assert not only_c
        if only_z:
            assert z_account is None
            continue
        assert rest, (c_priority, z_priority)
        if c_reply is None or int(number) % zendesk.METRICLESS == 0:
            assert z_reply == c_reply, number
        else:
            # whole minutes, rounded up, computed here from the contract's instants
            seconds = (c_reply - opened_at) / dt.timedelta(seconds=1)
            minutes = -(-seconds // 60)
            assert z_reply == opened_at + dt.timedelta(minutes=minutes), number
            rounded += z_reply != c_reply
        assert z_priority == (c_priority if c_priority in known else None)
        assert z_csat == (None if c_csat is None else 5 if c_csat >= 4 else 1)
    assert any(c_priority not in known for c_priority, *_ in rows if c_priority is not None)
    # both rules ran: tickets rounded to the minute, and the fallback's exact instants
    assert rounded > 0
    assert any(r[7] is not None and int(r[7]) % zendesk.METRICLESS == 0 and r[9] for r in rows)
    assert {r[2] for r in rows if r[2] is not None} == {1, 2, 3, 4, 5}


def test_segment_staging_is_the_contract_events(layout_build: LayoutBuild, built_db: Path) -> None:
    """product.events from Segment's tracks and group calls equals the contract's, every
    delivered copy (docs/presets/segment.md: the demo's users each belong to one account)."""
    if "segment" not in layout_build.case.vars.values():
        pytest.skip("the layout reads events from the contract")
    c, s = built_db.stem, layout_build.db_path.stem
    con = _staging(built_db, layout_build.db_path)
    try:
        for left, right in ((c, s), (s, c)):
            only = con.execute(
                f"select count(*) from (select * from {left}.staging.stg_product__events"
                f" except all select * from {right}.staging.stg_product__events)"
            ).fetchone()[0]
            assert only == 0, (left, right)
        copies = con.execute(
            f"select count(*) - count(distinct event_id) from {s}.staging.stg_product__events"
        ).fetchone()[0]
    finally:
        con.close()
    assert copies > 0  # the re-deliveries reach staging, which keeps the first-loaded copy


def test_the_contract_check_reads_the_selected_connector_tables(
    layout_build: LayoutBuild, tmp_path: Path
) -> None:
    """on-run-start checks the connector tables the selected presets read (not the contract
    tables they replace), naming each table and its missing column."""
    import shutil

    import pyarrow.parquet as pq

    raw = tmp_path / "raw"
    shutil.copytree(layout_build.raw_dir, raw)
    expected = []
    for converter in layout_build.case.converters:
        table = connector_tables(ROOT, converter.connector)[0]
        dropped = table.required_columns[1]
        path = raw / converter.connector / f"{table.name}.parquet"
        pq.write_table(pq.read_table(path).drop_columns([dropped]), path)
        expected.append(f"Raw table {table.key} is missing required column(s): {dropped}")
    with pytest.raises(AssertionError) as failure:
        run_dbt(
            ["run", "--select", "stg_crm__users"],
            db_path=tmp_path / "check.duckdb",
            target_path=tmp_path / "target",
            vars_={"raw_data_dir": str(raw), "as_of_date": SMALL_AS_OF, **layout_build.case.vars},
        )
    message = " ".join(str(failure.value).split())
    assert [line for line in expected if line not in message] == []
    domains = input_domains(ROOT)
    replaced = {key for c in layout_build.case.converters for key in c.reads}
    assert replaced and not [key for key in replaced if key in message]
    assert all(c.connector in domains[c.domain].presets for c in layout_build.case.converters)


def test_an_account_column_the_connector_lacks_stops_the_build_naming_it(
    layout_build: LayoutBuild, tmp_path: Path
) -> None:
    """The column a var names for the CRM account id (a Zendesk organization's, a Segment
    group's) cannot be checked from the sources YAML: the preset model stops in one line
    naming the table, the column and the var."""
    presets = set(layout_build.case.vars.values())
    if not {"zendesk", "segment"} & presets:
        pytest.skip("the layout has no preset with a var-named account column")
    with pytest.raises(AssertionError) as failure:
        run_dbt(
            ["run", "--select", "zendesk__support_tickets", "segment__group_calls"],
            db_path=tmp_path / "compile.duckdb",
            target_path=tmp_path / "target",
            vars_={
                "raw_data_dir": str(layout_build.raw_dir),
                "as_of_date": SMALL_AS_OF,
                "check_raw_contract": False,
                "zendesk_organization_account_id_column": "custom_crm_account_id",
                "segment_group_account_id_column": "crm_account_id",
                **layout_build.case.vars,
            },
        )
    message = " ".join(str(failure.value).split())
    if "zendesk" in presets:
        assert (
            "Zendesk table organization has no column custom_crm_account_id"
            " (var zendesk_organization_account_id_column)" in message
        )
    if "segment" in presets:
        assert (
            "Segment table groups has no column crm_account_id"
            " (var segment_group_account_id_column)" in message
        )
