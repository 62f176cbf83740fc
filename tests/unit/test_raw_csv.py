"""Raw tables delivered as CSV: read with the contract's types by validate and load.

The same generated data as Parquet and as CSV give the same validation results and the same
rows to load; a CSV value that does not convert, and a folder holding none of the tables, are
one line each. (The dbt build from CSV: tests/integration/test_csv_build.py.)
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import SMALL_AS_OF, as_csv
from cs_metrics import contract
from cs_metrics.cli import main
from cs_metrics.contract import SOURCES
from cs_metrics.load.plan import plan_load
from cs_metrics.rawfiles import file_schema, table_file
from cs_metrics.validate.contract import type_family, validate_raw_dir


@pytest.fixture(scope="module")
def csv_dir(small_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return as_csv(small_raw_dir, tmp_path_factory.mktemp("csv") / "export")


def _validate(raw_dir: Path, out: Path, *extra: str) -> tuple[int, dict]:
    code = main(["validate", str(raw_dir), "--as-of", SMALL_AS_OF, "--out", str(out), *extra])
    return code, json.loads(out.read_text()) if out.exists() else {}


def _outcomes(results: dict) -> list[tuple]:
    return sorted(
        (r["table"], r["rule"], r["success"], r["element_count"], r["unexpected_count"])
        for r in results["results"]
    )


def test_a_csv_export_validates_like_the_same_parquet_export(
    small_raw_dir: Path, csv_dir: Path, tmp_path: Path
) -> None:
    assert all(table_file(csv_dir, t).suffix == ".csv" for t in contract.TABLES)
    code_csv, from_csv = _validate(csv_dir, tmp_path / "csv.json")
    code_parquet, from_parquet = _validate(small_raw_dir, tmp_path / "parquet.json")
    assert code_csv == code_parquet == 0
    assert from_csv["problems"] == [] and from_csv["skipped"] == []
    assert _outcomes(from_csv) == _outcomes(from_parquet)


def test_csv_columns_read_with_the_contract_types(csv_dir: Path) -> None:
    for table in contract.TABLES:
        schema = file_schema(table_file(csv_dir, table), table)
        for column in table.columns:
            if column.name in schema.names:
                found = type_family(schema.field(column.name).type)
                assert found == type_family(column.type), (table.key, column.name, found)
    assert validate_raw_dir(csv_dir) == []


def test_ids_stay_text_and_offsets_count(tmp_path: Path) -> None:
    table = contract.table("crm", "users")
    path = tmp_path / "crm" / "users.csv"
    path.parent.mkdir(parents=True)
    path.write_text(
        "user_id,user_name,user_role,team,is_active,notes\n"
        "00123,Ann,csm,emea,true,x\n"
        "0042,Bo,csm,emea,false,\n",
        encoding="utf-8",
    )
    con = duckdb.connect()
    from cs_metrics.rawfiles import csv_reader_sql

    rows = con.execute(f"select user_id, is_active, notes from {csv_reader_sql(con, path, table)}")
    assert rows.fetchall() == [("00123", True, "x"), ("0042", False, None)]

    events = contract.table("product", "events")
    path = tmp_path / "product" / "events.csv"
    path.parent.mkdir(parents=True)
    path.write_text(
        "event_id,account_id,user_id,event_name,occurred_at\n"
        "e1,a1,u1,login,2025-03-01T10:00:00+02:00\n"
        "e2,a1,u1,login,2025-03-01 10:00:00\n",
        encoding="utf-8",
    )
    con.execute("set TimeZone = 'UTC'")
    sql = csv_reader_sql(con, path, events)
    instants = [r[0] for r in con.execute(f"select occurred_at from {sql}").fetchall()]
    assert [i.astimezone(dt.UTC).replace(tzinfo=None) for i in instants] == [
        dt.datetime(2025, 3, 1, 8),
        dt.datetime(2025, 3, 1, 10),
    ], "a written offset counts; a value without one is UTC"


def test_a_value_that_does_not_convert_is_one_line(
    csv_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = as_csv_copy(csv_dir, tmp_path / "broken")
    path = broken / "billing" / "plans.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[2].split(",")
    cells[header.index("interval_count")] = "twelve"
    lines[2] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    code, _ = _validate(broken, tmp_path / "out.json", "--table", "billing.plans")
    err = capsys.readouterr().err
    assert code == 1
    assert (
        f"billing.plans: the database could not check its rows: {path}: line 3, column"
        " interval_count: 'twelve' is not a whole number (the column's contract type); fix the"
        " value in the export." in err
    )
    assert "Traceback" not in err and "Original Line" not in err

    from cs_metrics.load.plan import LoadError

    with pytest.raises(LoadError, match=r"line 3, column interval_count: 'twelve' is not a whole"):
        plan_load(broken, {source: source for source in SOURCES}, workdir=tmp_path / "work")


def as_csv_copy(csv_dir: Path, out: Path) -> Path:
    import shutil

    shutil.copytree(csv_dir, out)
    return out


def test_load_plans_csv_tables_as_the_same_rows(
    small_raw_dir: Path, csv_dir: Path, tmp_path: Path
) -> None:
    schemas = {source: source for source in SOURCES}
    from_csv = plan_load(csv_dir, schemas, workdir=tmp_path)
    from_parquet = plan_load(small_raw_dir, schemas)
    for item, reference in zip(from_csv, from_parquet, strict=True):
        assert item.path.suffix == ".parquet" and item.path.is_relative_to(tmp_path)
        assert (item.table, item.rows) == (reference.table, reference.rows)
        names = [column.name for column, _ in item.columns]
        assert names == [column.name for column, _ in reference.columns]
        ours = pq.read_table(item.path, columns=names)
        theirs = pq.read_table(reference.path, columns=names)
        for name in names:
            assert type_family(ours.schema.field(name).type) == type_family(
                theirs.schema.field(name).type
            ), (item.label, name)
        key = names[0]
        assert sorted(map(str, ours.column(key).to_pylist())) == sorted(
            map(str, theirs.column(key).to_pylist())
        ), item.label


def test_a_folder_without_the_tables_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "accounts.xlsx").write_bytes(b"PK")
    (tmp_path / "exports" / "deals.json").write_text("[]")
    code = main(["validate", str(tmp_path / "exports")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err == [
        f"cs-metrics validate: {tmp_path / 'exports'} holds none of the raw tables; it holds"
        " accounts.xlsx, deals.json: expected <source>/<table>.parquet or"
        " <source>/<table>.csv for every table of the contract, e.g. crm/accounts.parquet or"
        " crm/accounts.csv (docs/raw-contract.md lists them)."
    ]
    code = main(["load", "--target", "postgres", str(tmp_path / "exports")])
    err = capsys.readouterr().err
    assert code == 1 and "holds none of the raw tables" in err
    assert err.count("file not found") == 0
