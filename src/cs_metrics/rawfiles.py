"""Raw tables as files: `<raw_dir>/<source>/<table>.parquet`, or `<table>.csv` beside it.

The Python side of the dbt macros `raw_file_reader` and `raw_file_source`
(macros/raw_sources.sql), which the DuckDB build reads sources through; `cs-metrics validate`
and `cs-metrics load` read the same files the same way:

- a table is read from `<table>.parquet` when it exists, else from `<table>.csv` (header row,
  delimiter detected), else it is missing;
- a CSV file is read with the contract's types: every contract column the file has gets its
  contract type (a timestamp reads as `timestamp with time zone`: a written offset counts, a
  value without one is UTC), every other column stays text. A value that does not convert
  stops the read with one line naming the file, the line, the column and the value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from cs_metrics.contract import Table, yaml_type

FORMATS = (".parquet", ".csv")


def table_file(raw_dir: Path, table: Table) -> Path:
    """The file a contract table is read from: its Parquet file, else its CSV file, else the
    Parquet file that is expected (missing)."""
    folder = Path(raw_dir) / table.source
    for suffix in FORMATS:
        path = folder / f"{table.name}{suffix}"
        if path.is_file():
            return path
    return folder / f"{table.name}{FORMATS[0]}"


def is_csv(path: Path) -> bool:
    return path.suffix.lower() == ".csv"


def csv_type(data_type: str) -> str:
    """The DuckDB type a CSV column of a sources YAML data_type is read as (as the macro
    raw_file_reader does): a timestamp with its time zone, every other type as it is."""
    return "timestamptz" if data_type.lower() == "timestamp" else data_type


def sql_literal(value: Any) -> str:
    """A SQL literal for a string, number, boolean or datetime."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return f"timestamp '{value:%Y-%m-%d %H:%M:%S}'"
    if isinstance(value, dt.date):
        return f"date '{value:%Y-%m-%d}'"
    return "'" + str(value).replace("'", "''") + "'"


def reader_sql(path: Path, types: dict[str, str] | None = None) -> str:
    """DuckDB's reader of one raw file (types: file column name -> DuckDB type, CSV only)."""
    literal = sql_literal(str(path))
    if not is_csv(path):
        return f"read_parquet({literal})"
    typed = ", ".join(
        f"{sql_literal(name)}: {sql_literal(kind)}" for name, kind in (types or {}).items()
    )
    return (
        f"read_csv({literal}, header = true, all_varchar = true"
        + (f", types = {{{typed}}}" if typed else "")
        + ")"
    )


def csv_reader_sql(connection: Any, path: Path, table: Table) -> str:
    """The reader of a CSV file with the contract's types for the contract columns it has."""
    header = connection.execute(f"select * from {reader_sql(path)} limit 0").description
    contract = {column.name.lower(): column for column in table.columns}
    types = {
        name: csv_type(yaml_type(contract[name.lower()].type))
        for name, *_ in header
        if name.lower() in contract
    }
    return reader_sql(path, types)


_TYPE_WORDS = {
    "INTEGER": "a whole number",
    "BIGINT": "a whole number",
    "DECIMAL": "a number (e.g. 1234.5)",
    "BOOLEAN": "a boolean (true or false)",
    "DATE": "a date (YYYY-MM-DD)",
    "TIMESTAMP WITH TIME ZONE": "a timestamp (YYYY-MM-DD HH:MM:SS, UTC or with an offset)",
}


def read_problem(path: Path | None, exc: BaseException) -> str:
    """One line for a raw file DuckDB could not read (a CSV value that does not convert).

    path: the file, when known (else the one DuckDB's message names).
    """
    text = str(exc)
    if path is None:
        named = re.search(r"^\s*file = (.+)$", text, re.MULTILINE)
        path = Path(named.group(1).strip()) if named else Path("a raw file")
    line = re.search(r"CSV Error on Line: (\d+)", text)
    value = re.search(
        r'Error when converting column "([^"]+)"\. Could not convert string "([^"]*)" to'
        r" '([^']+)'",
        text,
    )
    if line and value:
        column, found, kind = value.groups()
        return (
            f"{path}: line {line.group(1)}, column {column}: {found!r} is not"
            f" {_TYPE_WORDS.get(kind.split('(')[0].upper(), kind.lower())} (the column's contract"
            " type); fix the value in the export."
        )
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return f"{path}: cannot be read: {first}"


def csv_schema(connection: Any, path: Path, table: Table) -> tuple[str, pa.Schema]:
    """The SQL that reads a CSV file with the contract's types, and the columns it gives
    (DuckDB reads the header and a sample). Raises duckdb.Error when it cannot be read."""
    sql = csv_reader_sql(connection, path, table)
    return sql, connection.sql(f"select * from {sql} limit 0").to_arrow_table().schema


def file_schema(path: Path, table: Table) -> pa.Schema:
    """The columns of a raw file and the types it is read with (reads no rows of Parquet; the
    header and a sample of a CSV file). Raises OSError or ValueError when it cannot be read."""
    if not is_csv(path):
        import pyarrow.parquet as pq

        return pq.read_schema(path)
    import duckdb

    connection = duckdb.connect(":memory:")
    try:
        connection.execute("set TimeZone = 'UTC'")
        return csv_schema(connection, path, table)[1]
    except duckdb.Error as exc:
        raise ValueError(read_problem(path, exc)) from exc
    finally:
        connection.close()


def no_table_problem(raw_dir: Path, tables: Sequence[Table]) -> str | None:
    """One line when raw_dir holds none of the tables (a wrong folder or layout), else None."""
    if any(table_file(raw_dir, table).is_file() for table in tables):
        return None
    found = sorted(
        str(path.relative_to(raw_dir))
        for path in Path(raw_dir).rglob("*")
        if path.is_file() and not path.name.startswith(".")
    )
    seen = f"; it holds {', '.join(found[:3])}{' …' if len(found) > 3 else ''}" if found else ""
    return (
        f"{raw_dir} holds none of the raw tables{seen}: expected <source>/<table>.parquet or"
        " <source>/<table>.csv for every table of the contract, e.g. crm/accounts.parquet or"
        " crm/accounts.csv (docs/raw-contract.md lists them)."
    )


def csv_to_parquet(path: Path, table: Table, out: Path) -> Path:
    """Write a CSV raw file as Parquet with the contract's types (for `cs-metrics load`).

    Raises ValueError with one line (read_problem) when a value does not convert.
    """
    import duckdb

    out.parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(":memory:")
    try:
        connection.execute("set TimeZone = 'UTC'")
        sql = csv_reader_sql(connection, path, table)
        connection.execute(
            f"copy (select * from {sql}) to {sql_literal(str(out))} (format parquet)"
        )
    except duckdb.Error as exc:
        raise ValueError(read_problem(path, exc)) from exc
    finally:
        connection.close()
    return out
