"""Connector presets on the Python side: the registry of the dbt project, the tables a choice of
presets reads, the layout a directory has, and `cs-metrics validate` on a connector layout."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import ROOT, SMALL_AS_OF, SMALL_END, SMALL_SEED, SMALL_START
from cs_metrics import contract
from cs_metrics.cli import main
from cs_metrics.generate.fivetran.registry import (
    CONVERTERS,
    CRMS,
    LAYOUTS,
    layout_converters,
    layout_vars,
)
from cs_metrics.presets import (
    Domain,
    PresetError,
    check_choice,
    connector_tables,
    detect_presets,
    input_domains,
    raw_tables,
)


def test_the_registry_is_read_from_the_dbt_macro() -> None:
    domains = input_domains(ROOT)
    assert list(domains) == ["billing", "crm", "support", "events"]
    assert domains["billing"].presets == ("stripe",)
    assert domains["crm"].presets == ("salesforce", "hubspot")
    assert domains["support"].presets == ("zendesk",)
    assert domains["events"].presets == ("segment",)
    assert domains["events"].source == "product"
    assert domains["crm"].var == "crm_source"
    # NPS stays with the contract whatever CRM preset is chosen
    assert "crm.nps_responses" not in domains["crm"].replaced_tables
    assert "crm.accounts" in domains["crm"].replaced_tables


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        (
            {"billing": "strip"},
            "billing_source = 'strip' is not an input; allowed: contract, stripe",
        ),
        (
            {"crm": "pipedrive"},
            "crm_source = 'pipedrive' is not an input; allowed: contract, salesforce, hubspot",
        ),
        ({"finance": "x"}, "unknown domain(s) finance"),
    ],
)
def test_unknown_values_name_the_var_the_value_and_the_values_allowed(
    chosen: dict, message: str
) -> None:
    with pytest.raises(PresetError) as error:
        check_choice(input_domains(ROOT), chosen)
    assert message in str(error.value)


def test_a_planned_preset_is_named_as_not_built_yet() -> None:
    domains = {"crm": Domain("crm", "crm", ("salesforce",), ("pipedrive",), ("nps_responses",))}
    with pytest.raises(PresetError) as error:
        check_choice(domains, {"crm": "Pipedrive"})
    assert (
        "crm_source = 'pipedrive' is not an input (pipedrive is planned but not built yet);"
        " allowed: contract, salesforce"
    ) in str(error.value)


def test_a_preset_replaces_its_domain_tables_with_the_connector_tables() -> None:
    keys = [t.key for t in raw_tables(ROOT, {"billing": "stripe"})]
    assert not [k for k in keys if k.startswith("billing.")]
    assert [k for k in keys if not k.startswith("stripe.")] == [
        t.key for t in contract.TABLES if t.source != "billing"
    ]
    stripe = {t.name: t for t in connector_tables(ROOT, "stripe")}
    assert [k.split(".")[1] for k in keys if k.startswith("stripe.")] == list(stripe)
    # one home: the sources YAML says which columns are required and their family
    history = stripe["subscription_history"]
    assert "_fivetran_active" not in history.required_columns
    assert history.column("metadata").type == contract.TEXT  # json counts as text
    assert stripe["coupon"].column("percent_off").type == contract.pa.decimal128(9, 4)


def test_every_converter_builds_a_registered_preset_of_its_domain() -> None:
    domains = input_domains(ROOT)
    for name, converter in CONVERTERS.items():
        domain = domains[converter.domain]
        assert name == converter.connector and converter.connector in domain.presets
        assert tuple(converter.reads) == domain.replaced_tables
    assert layout_vars("fivetran") == {
        "billing_source": "stripe",
        "crm_source": "salesforce",
        "support_source": "zendesk",
        "events_source": "segment",
    }
    assert set(LAYOUTS["fivetran"]) <= set(CONVERTERS)


def test_crm_chooses_the_layout_s_crm_connector() -> None:
    assert CRMS == ("salesforce", "hubspot")
    hubspot = layout_vars("fivetran", crm="hubspot")
    assert hubspot["crm_source"] == "hubspot" and hubspot["billing_source"] == "stripe"
    # HubSpot's ids are numbers: the account id the other systems use is a company property
    assert hubspot["hubspot_company_account_id_property"] == "property_account_id"
    assert [c.connector for c in layout_converters("fivetran", "hubspot")] == [
        "hubspot" if c.domain == "crm" else c.connector for c in layout_converters("fivetran")
    ]
    with pytest.raises(ValueError, match="layout 'contract' has no CRM connector"):
        layout_converters("contract", crm="hubspot")
    with pytest.raises(ValueError, match="unknown CRM 'pipedrive'"):
        layout_converters("fivetran", crm="pipedrive")


@pytest.fixture(scope="module")
def fivetran_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cs_metrics.generate.core import generate

    out = tmp_path_factory.mktemp("layout") / "fivetran"
    stats = generate(
        out_dir=out, accounts=40, start=SMALL_START, end=SMALL_END, seed=SMALL_SEED,
        layout="fivetran",
    )  # fmt: skip
    assert "stripe.invoice_line_item" in stats["rows"] and "billing.invoices" not in stats["rows"]
    assert stats["rows"]["segment.tracks"] == stats["events"] > 0
    return out


@pytest.fixture(scope="module")
def hubspot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cs_metrics.generate.core import generate

    out = tmp_path_factory.mktemp("layout") / "hubspot"
    generate(
        out_dir=out, accounts=40, start=SMALL_START, end=SMALL_END, seed=SMALL_SEED,
        layout="fivetran", crm="hubspot",
    )  # fmt: skip
    return out


def test_the_generator_writes_the_connector_tables_and_names_the_vars(fivetran_dir: Path) -> None:
    for contract_source, connector in (
        ("billing", "stripe"),
        ("support", "zendesk"),
        ("product", "segment"),
    ):
        assert not (fivetran_dir / contract_source).exists()
        assert {p.stem for p in (fivetran_dir / connector).glob("*.parquet")} >= {
            t.name for t in connector_tables(ROOT, connector)
        }
    assert {p.stem for p in (fivetran_dir / "salesforce").glob("*.parquet")} == {
        t.name for t in connector_tables(ROOT, "salesforce")
    }
    # NPS stays in the contract layout
    assert {p.name for p in (fivetran_dir / "crm").iterdir()} == {"nps_responses.parquet"}
    marker = json.loads((fivetran_dir / ".cs_metrics_demo").read_text())
    assert marker["layout"] == "fivetran" and marker["vars"] == layout_vars("fivetran")
    assert detect_presets(fivetran_dir, ROOT) == {
        "billing": "stripe",
        "crm": "salesforce",
        "support": "zendesk",
        "events": "segment",
    }


def test_the_generator_writes_hubspot_instead_of_salesforce_with_crm(hubspot_dir: Path) -> None:
    assert not (hubspot_dir / "salesforce").exists()
    assert {p.stem for p in (hubspot_dir / "hubspot").glob("*.parquet")} == {
        t.name for t in connector_tables(ROOT, "hubspot")
    }
    marker = json.loads((hubspot_dir / ".cs_metrics_demo").read_text())
    assert marker["crm"] == "hubspot" and marker["vars"] == layout_vars("fivetran", "hubspot")
    assert detect_presets(hubspot_dir, ROOT)["crm"] == "hubspot"


def test_a_crm_layout_with_its_contract_tables_left_is_not_detected(
    fivetran_dir: Path, tmp_path: Path
) -> None:
    """Both a CRM connector folder and the contract's crm tables: the contract (ambiguous)."""
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(fivetran_dir, raw)
    (raw / "crm" / "accounts.csv").write_text("account_id\n", encoding="utf-8")
    assert detect_presets(raw, ROOT)["crm"] == "contract"


def test_the_connector_layout_is_byte_identical_for_the_same_arguments(
    fivetran_dir: Path, tmp_path: Path
) -> None:
    """The converters (the streamed Segment events too) keep the generator's promise."""
    from cs_metrics.generate.core import generate

    again = tmp_path / "again"
    generate(
        out_dir=again, accounts=40, start=SMALL_START, end=SMALL_END, seed=SMALL_SEED,
        layout="fivetran",
    )  # fmt: skip
    files = sorted(p.relative_to(fivetran_dir) for p in fivetran_dir.glob("*/*.parquet"))
    assert files == sorted(p.relative_to(again) for p in again.glob("*/*.parquet"))
    different = [f for f in files if (fivetran_dir / f).read_bytes() != (again / f).read_bytes()]
    assert not different


def test_each_segment_user_has_one_group_call_before_their_first_event(
    fivetran_dir: Path,
) -> None:
    """The demo's users each belong to one account: one group call per user, made before
    any of their events (docs/presets/segment.md)."""
    import duckdb

    con = duckdb.connect()
    try:
        mismatched = con.execute(
            f"""
            select count(*)
            from read_parquet('{fivetran_dir}/segment/tracks.parquet') as t
            join read_parquet('{fivetran_dir}/segment/groups.parquet') as g using (user_id)
            where t.timestamp < g.timestamp
            """
        ).fetchone()[0]
        calls_per_user = con.execute(
            f"""
            select max(calls) from (
                select user_id, count(*) as calls
                from read_parquet('{fivetran_dir}/segment/groups.parquet')
                where user_id is not null
                group by user_id
            )
            """
        ).fetchone()[0]
    finally:
        con.close()
    assert mismatched == 0 and calls_per_user == 1


def test_validate_checks_the_connector_tables_and_names_what_is_missing(
    fivetran_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.json"
    args = ["validate", str(fivetran_dir), "--as-of", SMALL_AS_OF, "--out", str(out)]
    assert main(args) == 0, capsys.readouterr().err
    results = json.loads(out.read_text())
    assert results["run"]["source"]["presets"]["billing"] == "stripe"
    assert results["run"]["source"]["presets"]["crm"] == "salesforce"
    assert results["run"]["source"]["presets"]["events"] == "segment"
    checked = {r["table"] for r in results["results"]}
    assert {
        "stripe.invoice_line_item",
        "salesforce.account",
        "crm.nps_responses",
        "zendesk.ticket",
        "zendesk.ticket_metric",
        "stripe.coupon",
        "segment.tracks",
    } <= checked
    assert not checked & {"billing.invoices", "crm.accounts", "support.tickets", "product.events"}
    path = fivetran_dir / "stripe" / "customer.parquet"
    table = pq.read_table(path)
    pq.write_table(table.drop_columns(["metadata"]), path)
    try:
        assert main([*args, "--table", "stripe.customer"]) == 1
        err = capsys.readouterr().err
        assert f"stripe.customer: missing required column(s): metadata in {path}" in err
    finally:
        pq.write_table(table, path)


def test_validate_names_a_missing_reply_time_and_coupon_currency(
    fivetran_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Zendesk first reply (ticket_metric) and the currency of an amount-off coupon are
    required columns of their connector tables: validate names them when they are missing."""
    out = tmp_path / "results.json"
    for table_key, column in (
        ("zendesk.ticket_metric", "reply_time_in_minutes_calendar"),
        ("stripe.coupon", "currency"),
    ):
        connector, name = table_key.split(".")
        path = fivetran_dir / connector / f"{name}.parquet"
        table = pq.read_table(path)
        pq.write_table(table.drop_columns([column]), path)
        try:
            args = ["validate", str(fivetran_dir), "--as-of", SMALL_AS_OF, "--out", str(out)]
            assert main([*args, "--table", table_key]) == 1
            err = capsys.readouterr().err
            assert f"{table_key}: missing required column(s): {column} in {path}" in err
        finally:
            pq.write_table(table, path)


def test_zendesk_reply_times_are_whole_minutes_rounded_up() -> None:
    """ticket_metric from the contract's tickets, hand-computed: 30 min exactly is 30; one
    second more is 31; 59.5 s is 1; no reply yet is null; ticket 13 (every METRICLESS-th) has
    no row, so the preset reads its comments."""
    import datetime as dt

    import pyarrow as pa

    from cs_metrics.generate.fivetran import zendesk

    at = dt.datetime(2024, 3, 1, 9, 0, 0)
    rows = [
        ("tkt_0000001", at + dt.timedelta(minutes=30)),
        ("tkt_0000002", at + dt.timedelta(minutes=30, seconds=1)),
        ("tkt_0000003", at + dt.timedelta(seconds=59.5)),
        ("tkt_0000004", None),
        ("tkt_0000013", at + dt.timedelta(hours=2)),
    ]
    tickets = pa.table(
        {
            "ticket_id": [r[0] for r in rows],
            "account_id": ["acc_1"] * len(rows),
            "priority": ["normal"] * len(rows),
            "status": ["open"] * len(rows),
            "csat_score": pa.array([None] * len(rows), pa.int64()),
            "opened_at": pa.array([at] * len(rows), pa.timestamp("us")),
            "first_response_at": pa.array([r[1] for r in rows], pa.timestamp("us")),
            "solved_at": pa.array([None] * len(rows), pa.timestamp("us")),
        }
    )
    assert zendesk.METRICLESS == 13
    metrics = zendesk.convert({"support.tickets": tickets})["ticket_metric"]
    got = dict(
        zip(
            metrics.column("ticket_id").to_pylist(),
            metrics.column("reply_time_in_minutes_calendar").to_pylist(),
            strict=True,
        )
    )
    assert got == {1: 30, 2: 31, 3: 1, 4: None}


def test_stripe_amount_off_coupon_is_a_contract_discount_in_the_smallest_unit(
    fivetran_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The demo's amount-off coupon (amount_off_<amount>_<currency>) takes off, each period,
    exactly the contract discount of the item it replaces: quantity x unit price (smallest
    unit) x discount_percent / 100, recomputed here from the contract layout of the same
    company, with the item's quantity and price constant over the discount."""
    from cs_metrics.generate import catalog as cat
    from cs_metrics.generate.core import generate

    contract_dir = tmp_path_factory.mktemp("contract") / "demo"
    generate(
        out_dir=contract_dir, accounts=40, start=SMALL_START, end=SMALL_END, seed=SMALL_SEED,
    )  # fmt: skip
    coupons = pq.read_table(fivetran_dir / "stripe" / "coupon.parquet").to_pylist()
    discounts = pq.read_table(fivetran_dir / "stripe" / "discount.parquet").to_pylist()
    applied = [c for c in coupons if c["amount_off"] is not None and c["currency"] != "xts"]
    assert len(applied) == 1
    coupon = applied[0]
    (discount,) = [d for d in discounts if d["coupon_id"] == coupon["id"]]
    item_id = discount["id"].removeprefix("di_").rsplit("_", 1)[0]
    items = pq.read_table(contract_dir / "billing" / "subscription_items.parquet").to_pylist()
    plans = {
        p["plan_id"]: p
        for p in pq.read_table(contract_dir / "billing" / "plans.parquet").to_pylist()
    }
    versions = [i for i in items if i["subscription_item_id"] == item_id]
    assert len({(v["quantity"], v["unit_amount"], v["discount_percent"]) for v in versions}) == 1
    version = versions[0]
    plan = plans[version["plan_id"]]
    minor = dict(zip(cat.CURRENCIES, cat.MINOR_PER_MAJOR, strict=True))[plan["currency"]]
    unit = (version["unit_amount"] or plan["unit_amount"]) * minor
    expected = version["quantity"] * unit * version["discount_percent"] / 100
    assert coupon["amount_off"] == expected and coupon["currency"] == plan["currency"].lower()
    assert coupon["id"] == f"amount_off_{coupon['amount_off']}_{coupon['currency']}"


def test_validate_preset_option_overrides_the_detection(
    fivetran_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.json"
    code = main(
        ["validate", str(fivetran_dir), "--preset", "billing=contract", "--out", str(out),
         "--table", "billing.plans"]
    )  # fmt: skip
    assert code == 1
    assert "billing.plans: file not found" in capsys.readouterr().err
    assert main(["validate", str(fivetran_dir), "--preset", "billing=chargebee"]) == 1
    assert "billing_source = 'chargebee' is not an input" in capsys.readouterr().err


def test_validate_checks_the_hubspot_tables(
    hubspot_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.json"
    args = ["validate", str(hubspot_dir), "--as-of", SMALL_AS_OF, "--out", str(out)]
    assert main(args) == 0, capsys.readouterr().err
    results = json.loads(out.read_text())
    assert results["run"]["source"]["presets"]["crm"] == "hubspot"
    assert {"hubspot.company", "hubspot.engagement"} <= {r["table"] for r in results["results"]}
    path = hubspot_dir / "hubspot" / "company.parquet"
    table = pq.read_table(path)
    pq.write_table(table.drop_columns(["property_name"]), path)
    try:
        assert main([*args, "--table", "hubspot.company"]) == 1
        err = capsys.readouterr().err
        assert f"hubspot.company: missing required column(s): property_name in {path}" in err
    finally:
        pq.write_table(table, path)


def test_generate_refuses_a_crm_without_a_connector_layout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["generate", "--accounts", "5", "--out", str(tmp_path / "x"), "--crm", "hubspot"])
    assert code == 2
    assert "layout 'contract' has no CRM connector to replace with 'hubspot'" in (
        capsys.readouterr().err
    )


def test_load_plans_each_connector_table_into_its_connector_schema(
    fivetran_dir: Path, tmp_path: Path
) -> None:
    from cs_metrics.load.plan import plan_load
    from cs_metrics.project import source_schemas

    presets = detect_presets(fivetran_dir, ROOT)
    connectors = [p for p in presets.values() if p != "contract"]
    schemas = source_schemas(ROOT, extra_sources=connectors)
    plan = plan_load(fivetran_dir, schemas, workdir=tmp_path, tables=raw_tables(ROOT, presets))
    labels = {item.label for item in plan}
    assert {"salesforce.user", "salesforce.account", "stripe.invoice", "crm.nps_responses"} <= (
        labels
    )
    assert not labels & {"crm.accounts", "billing.invoices"}
    account = next(item for item in plan if item.label == "salesforce.account")
    assert "_fivetran_start" in {column.name for column, _ in account.columns}
