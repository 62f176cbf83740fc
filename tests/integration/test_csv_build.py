"""The dbt build reads raw tables delivered as CSV with the contract's types.

The small generated data set written as CSV (every table: <source>/<table>.csv, no Parquet)
and built with dbt gives every public mart row for row the same as the Parquet build; only
the month close's run timestamp (closed_at) differs between two builds.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from conftest import as_csv, build_apart

pytestmark = pytest.mark.slow

RUN_TIMESTAMPS = {"closed_at"}  # when the build ran, not what it computed


@pytest.fixture(scope="module")
def csv_db(small_raw_dir: Path, small_vars: dict, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("csv_build")
    export = as_csv(small_raw_dir, work / "export")
    assert not list(export.rglob("*.parquet"))
    return build_apart(work, {**small_vars, "raw_data_dir": str(export)})


def test_the_marts_built_from_csv_equal_the_marts_built_from_parquet(
    csv_db: Path, built_db: Path
) -> None:
    con = duckdb.connect()
    con.execute(f"attach '{built_db}' as parquet_build (read_only)")
    con.execute(f"attach '{csv_db}' as csv_build (read_only)")
    marts = [
        row[0]
        for row in con.execute(
            "select table_name from duckdb_tables()"
            " where database_name = 'parquet_build' and schema_name = 'marts'"
            " order by table_name"
        ).fetchall()
    ]
    assert len(marts) >= 20
    different = {}
    for mart in marts:
        columns = [
            row[0]
            for row in con.execute(
                "select column_name from duckdb_columns() where database_name = 'parquet_build'"
                " and schema_name = 'marts' and table_name = ? order by column_index",
                [mart],
            ).fetchall()
            if row[0] not in RUN_TIMESTAMPS
        ]
        selected = ", ".join(f'"{column}"' for column in columns)
        rows = con.execute(f"select count(*) from parquet_build.marts.{mart}").fetchone()[0]
        missing, extra = (
            con.execute(
                f"select count(*) from (select {selected} from {a}.marts.{mart}"
                f" except all select {selected} from {b}.marts.{mart})"
            ).fetchone()[0]
            for a, b in (("parquet_build", "csv_build"), ("csv_build", "parquet_build"))
        )
        if missing or extra:
            different[mart] = (rows, missing, extra)
    con.close()
    assert different == {}, "marts that differ (rows, only in Parquet, only in CSV)"
