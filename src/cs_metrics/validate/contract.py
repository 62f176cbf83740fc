"""Check a raw data directory (`<source>/<table>.parquet`) against the raw input contract.

Only Parquet metadata is read, so this is fast on large exports. The same rules run inside
dbt (macros/check_raw_contract.sql) before every build; this module lets a user check an
export before pointing the project at it, and also checks the type of every column.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from cs_metrics.contract import TABLES, Column, Table

# Type families: a raw column may use any physical type of the expected family
# (e.g. int32 for an integer, large_string for text, any timestamp unit).
_TEXT, _INTEGER, _BOOLEAN, _TIMESTAMP, _DATE, _NUMBER = (
    "text",
    "integer",
    "boolean",
    "timestamp",
    "date",
    "number",
)


def type_family(data_type: pa.DataType) -> str | None:
    """The contract type family of an Arrow type, or None when it belongs to none."""
    if pa.types.is_dictionary(data_type):
        return type_family(data_type.value_type)
    if (
        pa.types.is_string(data_type)
        or pa.types.is_large_string(data_type)
        or pa.types.is_string_view(data_type)
    ):
        return _TEXT
    if pa.types.is_integer(data_type):
        return _INTEGER
    if pa.types.is_boolean(data_type):
        return _BOOLEAN
    if pa.types.is_timestamp(data_type):
        return _TIMESTAMP
    if pa.types.is_date(data_type):
        return _DATE
    if pa.types.is_decimal(data_type) or pa.types.is_floating(data_type):
        return _NUMBER
    return None


def _accepted_families(expected: pa.DataType) -> set[str]:
    family = type_family(expected)
    if family == _NUMBER:
        # money and rates: decimals are best, floats and integers are cast exactly enough
        return {_NUMBER, _INTEGER}
    return {family} if family else set()


def _check_column(table: Table, column: Column, actual: pa.DataType) -> str | None:
    if pa.types.is_null(actual):
        # an all-null column (e.g. from an empty export) carries no type: accept it
        return None
    accepted = _accepted_families(column.type)
    if type_family(actual) not in accepted:
        return (
            f"{table.key}: column {column.name} has type {actual}, expected"
            f" {' or '.join(sorted(accepted))} (e.g. {column.type})."
        )
    if pa.types.is_timestamp(actual) and actual.tz is not None:
        return (
            f"{table.key}: column {column.name} is a timestamp with time zone ({actual});"
            " write UTC timestamps without a time zone."
        )
    return None


def validate_table(raw_dir: Path, table: Table) -> list[str]:
    """Problems of one raw table: missing file, missing required columns, wrong types."""
    path = Path(raw_dir) / table.source / f"{table.name}.parquet"
    if not path.is_file():
        return [
            f"{table.key}: file not found: {path} (every contract table must exist, even empty)."
        ]
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowInvalid) as exc:
        return [f"{table.key}: cannot read {path} as Parquet: {exc}"]

    actual = {field.name.lower(): field.type for field in schema}
    missing = [c.name for c in table.columns if c.required and c.name.lower() not in actual]
    problems = []
    if missing:
        problems.append(f"{table.key}: missing required column(s): {', '.join(missing)} in {path}.")
    for column in table.columns:
        if column.name.lower() in actual:
            problem = _check_column(table, column, actual[column.name.lower()])
            if problem:
                problems.append(problem)
    return problems


def validate_raw_dir(raw_dir: Path) -> list[str]:
    """Human-readable problems of a raw data directory; an empty list means it follows the contract.

    Checks that every contract table exists as `<raw_dir>/<source>/<table>.parquet`, has every
    required column (extra columns are fine) and that each contract column has a type of the
    expected family (text, integer, boolean, timestamp, date, number).
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        return [
            f"{raw_dir}: directory not found; expected <source>/<table>.parquet files under it"
            " (e.g. crm/accounts.parquet)."
        ]
    problems: list[str] = []
    for table in TABLES:
        problems.extend(validate_table(raw_dir, table))
    return problems
