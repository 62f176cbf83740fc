"""A raw directory that breaks the contract fails early, with a message naming what to fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import SMALL_AS_OF, run_dbt

pytestmark = pytest.mark.slow


@pytest.fixture()
def raw_copy(small_raw_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "raw"
    shutil.copytree(small_raw_dir, out)
    return out


def _run(args: list[str], raw_dir: Path, tmp_path: Path, **extra_vars) -> None:
    run_dbt(
        args,
        db_path=tmp_path / "contract.duckdb",
        target_path=tmp_path / "target",
        vars_={"raw_data_dir": str(raw_dir), "as_of_date": SMALL_AS_OF, **extra_vars},
    )


def _drop_columns(path: Path, *columns: str) -> None:
    table = pq.read_table(path)
    pq.write_table(table.drop_columns(list(columns)), path)


def test_missing_file_names_the_table(raw_copy: Path, tmp_path: Path) -> None:
    path = raw_copy / "crm" / "accounts.parquet"
    path.unlink()
    with pytest.raises(AssertionError) as failure:
        # the check runs before anything, whatever is selected
        _run(["run", "--select", "stg_billing__plans"], raw_copy, tmp_path)
    message = str(failure.value)
    assert "Raw table crm.accounts not found" in message
    assert str(path) in message
    assert "raw_data_dir" in message


def test_missing_required_column_names_table_and_column(raw_copy: Path, tmp_path: Path) -> None:
    _drop_columns(raw_copy / "billing" / "plans.parquet", "unit_amount")
    _drop_columns(raw_copy / "support" / "tickets.parquet", "priority", "status")
    with pytest.raises(AssertionError) as failure:
        _run(["run", "--select", "stg_crm__users"], raw_copy, tmp_path)
    message = str(failure.value)
    assert "Raw table billing.plans is missing required column(s): unit_amount" in message
    assert "Raw table support.tickets is missing required column(s): priority, status" in message


def test_optional_columns_may_be_absent(raw_copy: Path, tmp_path: Path) -> None:
    _drop_columns(raw_copy / "crm" / "accounts.parquet", "_loaded_at")
    _drop_columns(raw_copy / "product" / "events.parquet", "_loaded_at")
    _drop_columns(raw_copy / "billing" / "invoices.parquet", "voided_at")
    _run(
        [
            "run",
            "--select",
            "stg_crm__accounts",
            "stg_product__events",
            "int_product_events_deduplicated",
            "stg_billing__invoices",
        ],
        raw_copy,
        tmp_path,
    )

    import duckdb

    con = duckdb.connect(str(tmp_path / "contract.duckdb"), read_only=True)
    try:
        total, distinct, loaded = con.execute(
            "select count(*), count(distinct event_id), count(loaded_at)"
            " from intermediate.int_product_events_deduplicated"
        ).fetchone()
        accounts = con.execute("select count(*) from staging.stg_crm__accounts").fetchone()[0]
        # without the column every void applies to every month (voided_at null)
        invoices, voided = con.execute(
            "select count(*), count(voided_at) from staging.stg_billing__invoices"
        ).fetchone()
    finally:
        con.close()
    raw_events = pq.read_table(raw_copy / "product" / "events.parquet").column("event_id")
    assert total == distinct == len(set(raw_events.to_pylist()))
    assert loaded == 0
    raw_accounts = pq.read_table(raw_copy / "crm" / "accounts.parquet").column("account_id")
    assert accounts == len(set(raw_accounts.to_pylist()))
    assert invoices == pq.read_metadata(raw_copy / "billing" / "invoices.parquet").num_rows
    assert voided == 0


def _staged(tmp_path: Path, model: str, key: str) -> tuple[int, int, list[str]]:
    """Rows, distinct keys and column names of a built staging model."""
    import duckdb

    con = duckdb.connect(str(tmp_path / "contract.duckdb"), read_only=True)
    try:
        rows, keys = con.execute(
            f"select count(*), count(distinct {key}) from staging.{model}"
        ).fetchone()
        columns = [row[0] for row in con.execute(f"describe staging.{model}").fetchall()]
    finally:
        con.close()
    return rows, keys, columns


def test_extra_columns_are_ignored(raw_copy: Path, tmp_path: Path) -> None:
    path = raw_copy / "billing" / "customers.parquet"
    table = pq.read_table(path)
    pq.write_table(table.append_column("erp_reference", table.column("customer_id")), path)
    _run(["run", "--select", "stg_billing__customers"], raw_copy, tmp_path)
    rows, keys, columns = _staged(tmp_path, "stg_billing__customers", "customer_id")
    # every customer is there once, and the extra column is not carried along
    assert rows == keys == len(set(table.column("customer_id").to_pylist())) > 0
    assert "erp_reference" not in columns


def test_check_can_be_switched_off(raw_copy: Path, tmp_path: Path) -> None:
    (raw_copy / "support" / "tickets.parquet").unlink()
    # with the check on, the missing table stops the run before anything is built ...
    with pytest.raises(AssertionError, match=r"Raw table support\.tickets not found"):
        _run(["run", "--select", "stg_crm__users"], raw_copy, tmp_path)
    # ... switched off, the models that do not read it build from the other tables
    _run(
        ["run", "--select", "stg_crm__users"],
        raw_copy,
        tmp_path,
        check_raw_contract=False,
    )
    users = pq.read_table(raw_copy / "crm" / "users.parquet").column("user_id").to_pylist()
    rows, keys, _ = _staged(tmp_path, "stg_crm__users", "user_id")
    assert rows == keys == len(set(users)) > 0


def test_empty_raw_dir_gives_one_message_about_the_directory(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(AssertionError) as failure:
        _run(["run", "--select", "stg_crm__users"], empty, tmp_path)
    message = str(failure.value)
    assert "No raw table found at all" in message
    assert str(empty) in message
    assert message.count("Raw table") == 0
