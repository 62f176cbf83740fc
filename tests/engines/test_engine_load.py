"""cs-metrics load: contract checks, schema names, profile rendering and COPY batches."""

from __future__ import annotations

import io
from datetime import date as dt_date
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from cs_metrics import contract
from cs_metrics.load.plan import LoadError, plan_load
from cs_metrics.load.postgres import csv_batches, postgres_type
from cs_metrics.project import ProjectError, read_target, source_schemas

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = {source: source for source in contract.SOURCES}


@pytest.fixture()
def raw_dir(tmp_path: Path) -> Path:
    """Every contract table present (empty) with its exact schema."""
    for table in contract.TABLES:
        path = tmp_path / table.source / f"{table.name}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table.schema.empty_table(), path)
    return tmp_path


def test_postgres_types_follow_the_contract() -> None:
    plans = contract.table("billing", "plans")
    fx = contract.table("finance", "fx_rates")
    types = {c.name: postgres_type(c.type) for c in (*plans.columns, *fx.columns)}
    assert types["plan_id"] == "text"
    assert types["interval_count"] == "bigint"
    assert types["unit_amount"] == "numeric(18,4)"
    assert types["is_per_seat"] == "boolean"
    assert types["rate_date"] == "date"
    assert types["rate_to_reporting"] == "numeric(18,8)"
    occurred_at = contract.table("product", "events").columns[4]
    assert postgres_type(occurred_at.type) == "timestamp"


def test_a_complete_directory_plans_every_table(raw_dir: Path) -> None:
    plan = plan_load(raw_dir, {**SCHEMAS, "crm": "raw_crm"})
    assert len(plan) == len(contract.TABLES)
    accounts = next(item for item in plan if item.table.name == "accounts")
    assert accounts.label == "raw_crm.accounts"


def test_a_missing_column_stops_the_load_and_is_named(raw_dir: Path) -> None:
    users = contract.table("crm", "users")
    path = raw_dir / "crm" / "users.parquet"
    pq.write_table(pa.schema([f for f in users.schema if f.name != "role"]).empty_table(), path)
    (raw_dir / "support" / "tickets.parquet").unlink()
    with pytest.raises(LoadError) as error:
        plan_load(raw_dir, SCHEMAS)
    message = str(error.value)
    assert "crm.users: missing required column(s): role" in message
    assert "support.tickets: file not found" in message
    assert "nothing was loaded" in message


def test_optional_columns_may_be_absent(raw_dir: Path) -> None:
    events = contract.table("product", "events")
    schema = pa.schema([f for f in events.schema if f.name != "_loaded_at"])
    pq.write_table(schema.empty_table(), raw_dir / "product" / "events.parquet")
    item = next(i for i in plan_load(raw_dir, SCHEMAS) if i.table.name == "events")
    assert [column.name for column, _ in item.columns] == [f.name for f in schema]


def test_csv_batches_keep_nulls_and_empty_strings_apart(raw_dir: Path) -> None:
    users = contract.table("crm", "users")
    rows = pa.table(
        {
            "USER_ID": ["u1", "u2"],  # the file's spelling may differ in case
            "full_name": ["Ann", ""],
            "email": pa.array([None, "b@x"]).dictionary_encode(),
            "role": ["csm", "ae"],
            "team": [None, "EMEA"],
            "is_active": [True, None],
            "extra": [1, 2],  # extra columns are not loaded
        }
    )
    pq.write_table(rows, raw_dir / "crm" / "users.parquet")
    item = next(i for i in plan_load(raw_dir, SCHEMAS) if i.table.name == "users")
    [(count, buffer)] = list(csv_batches(item, batch_rows=10))
    assert count == 2
    parsed = pa_csv.read_csv(
        io.BytesIO(buffer.getvalue()),
        read_options=pa_csv.ReadOptions(column_names=[c.name for c in users.columns]),
        convert_options=pa_csv.ConvertOptions(
            strings_can_be_null=True, quoted_strings_can_be_null=False
        ),
    )
    assert parsed.column("user_id").to_pylist() == ["u1", "u2"]
    assert parsed.column("full_name").to_pylist() == ["Ann", ""]
    assert parsed.column("email").to_pylist() == [None, "b@x"]
    assert parsed.column("is_active").to_pylist() == [True, None]


def test_schemas_default_to_the_dbt_vars_and_can_be_overridden() -> None:
    assert source_schemas(ROOT) == SCHEMAS
    assert source_schemas(ROOT, {"billing": "stripe"})["billing"] == "stripe"
    with pytest.raises(ProjectError, match="unknown source 'hubspot'"):
        source_schemas(ROOT, {"hubspot": "x"})


def test_the_target_comes_from_the_dbt_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CS_METRICS_PG_HOST", raising=False)
    monkeypatch.setenv("CS_METRICS_PG_PORT", "6543")
    settings = read_target(ROOT / "profiles", "postgres")
    assert (settings["type"], settings["host"], settings["port"]) == (
        "postgres",
        "127.0.0.1",
        "6543",
    )
    spark = read_target(ROOT / "profiles", "spark")["server_side_parameters"]
    assert spark["spark.driver.bindAddress"] == "127.0.0.1"
    with pytest.raises(ProjectError, match="known targets"):
        read_target(ROOT / "profiles", "snowflake")


def test_the_load_command_refuses_duckdb_and_bad_data(
    raw_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cs_metrics.cli import main

    assert main(["load", "--target", "duckdb", str(raw_dir)]) == 1
    assert "supports postgres and spark" in capsys.readouterr().err
    (raw_dir / "crm" / "accounts.parquet").unlink()
    assert main(["load", "--target", "postgres", str(raw_dir)]) == 1
    assert "crm.accounts: file not found" in capsys.readouterr().err


def test_csv_batches_write_zoned_timestamps_as_utc_wall_clock(raw_dir: Path) -> None:
    import datetime as dt

    tickets = contract.table("support", "tickets")
    instant = pa.array([dt.datetime(2024, 1, 1, 8, 0)], pa.timestamp("us", tz="UTC"))
    columns = {c.name: pa.nulls(1, c.type) for c in tickets.columns}
    columns["ticket_id"] = pa.array(["t1"])
    columns["opened_at"] = instant.cast(pa.timestamp("us", tz="Europe/Paris"))  # 09:00+01
    pq.write_table(pa.table(columns), raw_dir / "support" / "tickets.parquet")
    item = next(i for i in plan_load(raw_dir, SCHEMAS) if i.table.name == "tickets")
    [(_, buffer)] = list(csv_batches(item, batch_rows=10))
    assert "2024-01-01 08:00:00.000000," in buffer.getvalue().decode()


def test_a_connector_layout_plans_the_connector_tables_into_their_schema(tmp_path: Path) -> None:
    """`load` of a connector layout (stripe/ without billing/): the preset's tables go to the
    connector's schema (var stripe_schema), the contract tables it replaces are not loaded."""
    from cs_metrics.generate.core import generate
    from cs_metrics.presets import choose_presets, raw_tables

    raw = tmp_path / "raw"
    generate(
        out_dir=raw,
        accounts=3,
        start=dt_date(2025, 1, 1),
        end=dt_date(2025, 3, 31),
        seed=1,
        layout="fivetran",
    )
    presets = choose_presets(ROOT, raw, {})
    assert presets["billing"] == "stripe"
    connectors = [preset for preset in presets.values() if preset != "contract"]
    schemas = source_schemas(ROOT, {"stripe": "raw_stripe"}, extra_sources=connectors)
    plan = plan_load(raw, schemas, tables=raw_tables(ROOT, presets))
    labels = {item.label for item in plan}
    assert {
        "raw_stripe.invoice_line_item",
        "raw_stripe.subscription_item",
        "crm.nps_responses",
    } <= labels
    assert not [label for label in labels if label.startswith(("billing.", "crm.accounts"))]
    (raw / "stripe" / "price.parquet").unlink()
    with pytest.raises(LoadError, match=r"stripe\.price: file not found"):
        plan_load(raw, schemas, tables=raw_tables(ROOT, presets))
