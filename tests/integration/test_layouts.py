"""One company, two layouts: the connector presets give the same marts as the raw contract.

The small generated company is built from the contract layout (the shared `built_db`) and,
for every case of LAYOUTS, generated again with the same arguments in a connector layout
(`cs-metrics generate --layout ...`: the converters of cs_metrics.generate.fivetran) and built
with the vars that select its presets. Every public mart (models/marts) is compared row by
row, both ways, with no tolerance (scripts/engines/compare.py). The only differences allowed
are the ones a connector has and the contract cannot have: its converter's extra rows (test
mode, deleted, an amount-off coupon), each listed exactly once in fct_data_quality_issues.

Where a connector cannot express what the contract can, staging differs in exactly the
documented ways (docs/presets/stripe.md) and no mart does: tested per connector below.

A new preset adds its layout case to LAYOUTS (a layout of cs_metrics.generate.fivetran, and
the extra vars its generator options need) and, if its staging differs, a test like
`test_stripe_staging_differs_only_where_stripe_cannot_express_the_contract`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from conftest import (
    SMALL_AS_OF,
    apart_from_listed_connector_rows,
    generate_small,
    import_script,
    mart_differences,
    run_dbt,
)
from cs_metrics import contract
from cs_metrics.generate.fivetran.registry import layout_converters, layout_vars
from cs_metrics.presets import input_domains

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class LayoutCase:
    """A connector layout of the small company and how to build it."""

    layout: str  # cs_metrics.generate.fivetran.registry.LAYOUTS
    generate: dict = field(default_factory=dict)  # extra arguments of generate()

    @property
    def vars(self) -> dict[str, str]:
        return layout_vars(self.layout)

    @property
    def extra_rows(self) -> set[tuple[str, str, str]]:
        return {row for c in layout_converters(self.layout) for row in c.extra_rows()}


# One case per combination of presets (stage 1: Stripe billing, contract CRM/support/events).
LAYOUTS = {"fivetran": LayoutCase("fivetran")}


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
    raw_dir = generate_small(work / "raw", layout=case.layout, **case.generate)
    db_path = work / "layout.duckdb"
    run_dbt(
        ["build"],
        db_path=db_path,
        target_path=work / "target",
        vars_={"raw_data_dir": str(raw_dir), "as_of_date": SMALL_AS_OF, **case.vars},
    )
    return LayoutBuild(case, raw_dir, db_path, work / "target" / "manifest.json")


def test_every_public_mart_is_identical_but_for_the_connector_rows_listed(
    layout_build: LayoutBuild, built_db: Path
) -> None:
    compare = import_script("scripts/engines/compare.py")
    marts = compare.discover_marts(layout_build.manifest)
    on_disk = {
        path.stem for path in (Path(__file__).parents[2] / "models" / "marts").rglob("*.sql")
    }
    assert on_disk <= {m.name for m in marts}, "a mart of models/marts is not compared"
    differences = mart_differences(
        built_db,
        built_db.parent / "target" / "manifest.json",
        layout_build.db_path,
        layout_build.manifest,
        layout_build.case.layout,
    )
    unexpected, listed = apart_from_listed_connector_rows(differences, layout_build.case.layout)
    assert not unexpected, "\n".join(unexpected[:30])
    assert listed == layout_build.case.extra_rows


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
        for converter in layout_converters(layout_build.case.layout):
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
    """
    if "stripe" not in layout_build.case.vars.values():
        pytest.skip("the layout reads billing from the contract")
    c, s = built_db.stem, layout_build.db_path.stem
    assert c != s
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


def test_the_contract_check_reads_the_selected_connector_tables(
    layout_build: LayoutBuild, tmp_path: Path
) -> None:
    """on-run-start checks the connector tables a selected preset reads (not the contract
    tables it replaces), naming the table and the missing column."""
    import shutil

    import pyarrow.parquet as pq

    connector = next(iter(layout_converters(layout_build.case.layout))).connector
    raw = tmp_path / "raw"
    shutil.copytree(layout_build.raw_dir, raw)
    tables = sorted((raw / connector).glob("*.parquet"))
    first = pq.read_table(tables[0])
    dropped = first.schema.names[1]
    pq.write_table(first.drop_columns([dropped]), tables[0])
    with pytest.raises(AssertionError) as failure:
        run_dbt(
            ["run", "--select", "stg_crm__users"],
            db_path=tmp_path / "check.duckdb",
            target_path=tmp_path / "target",
            vars_={"raw_data_dir": str(raw), "as_of_date": SMALL_AS_OF, **layout_build.case.vars},
        )
    message = " ".join(str(failure.value).split())
    assert (
        f"Raw table {connector}.{tables[0].stem} is missing required column(s): {dropped}"
        in message
    )
    domains = input_domains(Path(__file__).parents[2])
    replaced = {key for c in layout_converters(layout_build.case.layout) for key in c.reads}
    assert replaced and not [key for key in replaced if key in message]
    assert all(c.connector in domains[c.domain].presets for c in layout_converters("fivetran"))
