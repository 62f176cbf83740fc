"""Check the structure of raw data against the raw input contract: tables, columns, types.

Only metadata is read (the Parquet footer, or PostgreSQL's information_schema), so this is
fast on large exports. The same presence rules run inside dbt (macros/check_raw_contract.sql)
before every build; this module lets a user check an export before pointing the project at
it, checks the type family of every column, and is the first step of `cs-metrics validate`
(`cs_metrics.validate.raw`) and of `cs-metrics load`.

Type families: a raw column may use any physical type of its contract type's family (int32
for an integer, large_string or a dictionary of strings for text, a float for money, any
timestamp unit). Timestamp columns accept both `timestamp` without time zone (read as a UTC
wall-clock time) and `timestamp with time zone` (read as its UTC instant); any other type is
reported with the table, the column, the type found and the accepted types.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from cs_metrics.contract import TABLES, Column, Table
from cs_metrics.rawfiles import file_schema, no_table_problem, table_file

TEXT, INTEGER, BOOLEAN, TIMESTAMP, DATE, NUMBER = (
    "text",
    "integer",
    "boolean",
    "timestamp",
    "date",
    "number",
)

# Other families a column may be stored as because they convert without loss (the same rules
# as dbt's on-run-start check, macros/check_raw_contract.sql: raw_lossless_families):
# an integer is an exact decimal; a float or decimal holding whole numbers is an integer (each
# value is checked: `fraction_problem`); a timestamp at any time of day is its UTC date.
LOSSLESS: dict[str, tuple[str, ...]] = {
    NUMBER: (INTEGER,),
    INTEGER: (NUMBER,),
    DATE: (TIMESTAMP,),
}

# What each family accepts, in the words of each kind of storage.
_ACCEPTED_PARQUET = {
    TEXT: "string, large_string or a dictionary of strings",
    INTEGER: "a signed or unsigned integer (int8 to int64), or a float or decimal holding whole"
    " numbers",
    BOOLEAN: "bool",
    TIMESTAMP: (
        "timestamp[unit] without time zone (read as a UTC wall-clock time) or"
        " timestamp[unit, tz=...] with a time zone (read as its UTC instant); unit s, ms, us or ns"
    ),
    DATE: "date32 or date64, or a timestamp (its UTC date)",
    NUMBER: "a decimal, a float or an integer",
}
_ACCEPTED_POSTGRES = {
    TEXT: "text, varchar or char",
    INTEGER: "smallint, integer or bigint, or numeric / double precision holding whole numbers",
    BOOLEAN: "boolean",
    TIMESTAMP: (
        "timestamp without time zone (read as a UTC wall-clock time) or"
        " timestamp with time zone (read as its UTC instant)"
    ),
    DATE: "date, or a timestamp (its UTC date)",
    NUMBER: "numeric, double precision, real or an integer type",
}

_POSTGRES_FAMILIES = {
    "text": TEXT,
    "character varying": TEXT,
    "character": TEXT,
    "smallint": INTEGER,
    "integer": INTEGER,
    "bigint": INTEGER,
    "boolean": BOOLEAN,
    "timestamp without time zone": TIMESTAMP,
    "timestamp with time zone": TIMESTAMP,
    "date": DATE,
    "numeric": NUMBER,
    "double precision": NUMBER,
    "real": NUMBER,
    # connectors' JSON columns (metadata) count as text
    "json": TEXT,
    "jsonb": TEXT,
}


def type_family(data_type: pa.DataType) -> str | None:
    """The contract type family of an Arrow type, or None when it belongs to none."""
    if pa.types.is_dictionary(data_type):
        return type_family(data_type.value_type)
    if (
        pa.types.is_string(data_type)
        or pa.types.is_large_string(data_type)
        or pa.types.is_string_view(data_type)
    ):
        return TEXT
    if pa.types.is_integer(data_type):
        return INTEGER
    if pa.types.is_boolean(data_type):
        return BOOLEAN
    if pa.types.is_timestamp(data_type):
        return TIMESTAMP  # with or without a time zone
    if pa.types.is_date(data_type):
        return DATE
    if pa.types.is_decimal(data_type) or pa.types.is_floating(data_type):
        return NUMBER
    return None


def postgres_type_family(data_type: str) -> str | None:
    """The contract type family of a PostgreSQL type (information_schema data_type)."""
    return _POSTGRES_FAMILIES.get(data_type.lower())


def contract_family(column: Column) -> str:
    """The type family of a contract column."""
    family = type_family(column.type)
    if family is None:  # pragma: no cover - the contract only uses the six families
        raise ValueError(f"contract column {column.name} has no type family ({column.type})")
    return family


def accepted_families(column: Column) -> list[str]:
    """The families a raw column may have: its own and those converting without loss."""
    family = contract_family(column)
    return [family, *LOSSLESS.get(family, ())]


def needs_whole_numbers(column: Column, family: str | None) -> bool:
    """True when a column is an integer stored as a float or decimal (each value is checked)."""
    return contract_family(column) == INTEGER and family == NUMBER


def fraction_problem(table: Table, column: Column, found: str, count: int, examples: str) -> str:
    """The message for an integer column stored as a number holding fractions."""
    return (
        f"{table.key}: column {column.name} has type {found} holding {count} value(s) that are"
        f" not whole numbers ({examples}); the contract type is integer: a float or decimal"
        " holding whole numbers is accepted, a fraction would be cut (2.5 seats would count as"
        " 3). Fix the values in the export."
    )


def accepted_types(column: Column, storage: str = "parquet") -> str:
    """The physical types accepted for a column, in words (storage: parquet or postgres)."""
    words = _ACCEPTED_POSTGRES if storage == "postgres" else _ACCEPTED_PARQUET
    return words[contract_family(column)]


def type_problem(
    table: Table, column: Column, found: str, family: str | None, storage: str = "parquet"
) -> str | None:
    """The message for a column whose physical type is not accepted (None when it is).

    found is the physical type as the storage names it, family its type family.
    """
    if family in accepted_families(column):
        return None
    return (
        f"{table.key}: column {column.name} has type {found}; expected"
        f" {contract_family(column)}: {accepted_types(column, storage)}."
    )


def _check_column(table: Table, column: Column, actual: pa.DataType) -> str | None:
    if pa.types.is_null(actual):
        # an all-null column (e.g. from an empty export) carries no type: accept it
        return None
    return type_problem(table, column, str(actual), type_family(actual))


def table_path(raw_dir: Path, table: Table) -> Path:
    """Where a contract table lives in a raw data directory: <source>/<table>.parquet, or
    <table>.csv beside it (cs_metrics.rawfiles)."""
    return table_file(raw_dir, table)


def missing_file_problem(table: Table, path: Path) -> str:
    """The message for a contract table whose file is missing."""
    return (
        f"{table.key}: file not found: {path} (or {path.with_suffix('.csv').name} beside it;"
        " every contract table must exist, even empty)."
    )


def missing_columns_problem(table: Table, missing: list[str], where: str) -> str:
    """The message for required columns that are absent."""
    return f"{table.key}: missing required column(s): {', '.join(missing)} in {where}."


def validate_table(raw_dir: Path, table: Table) -> list[str]:
    """Problems of one raw table: missing file, missing required columns, wrong types."""
    path = table_path(raw_dir, table)
    if not path.is_file():
        return [missing_file_problem(table, path)]
    try:
        schema = file_schema(path, table)
    except (OSError, ValueError, pa.ArrowInvalid) as exc:
        return [f"{table.key}: cannot read {path}: {exc}"]

    actual = {field.name.lower(): field.type for field in schema}
    missing = [c.name for c in table.columns if c.required and c.name.lower() not in actual]
    problems = []
    if missing:
        problems.append(missing_columns_problem(table, missing, str(path)))
    for column in table.columns:
        if column.name.lower() in actual:
            problem = _check_column(table, column, actual[column.name.lower()])
            if problem:
                problems.append(problem)
    return problems


def validate_raw_dir(raw_dir: Path, tables: Sequence[Table] = TABLES) -> list[str]:
    """Human-readable problems of a raw data directory; an empty list means it follows the contract.

    tables: the raw tables to check (default: the contract's; with connector presets,
    cs_metrics.presets.raw_tables).

    Checks that every contract table exists as `<raw_dir>/<source>/<table>.parquet` (or
    `.csv`: one line when none does), has every
    required column (extra columns are fine) and that each contract column has a type of the
    expected family (text, integer, boolean, timestamp, date, number).
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        return [missing_dir_problem(raw_dir)]
    nothing = no_table_problem(raw_dir, tables)
    if nothing:
        return [nothing]
    problems: list[str] = []
    for table in tables:
        problems.extend(validate_table(raw_dir, table))
    return problems


def missing_dir_problem(raw_dir: Path) -> str:
    """The message for a raw data directory that does not exist."""
    return (
        f"{raw_dir}: directory not found; expected <source>/<table>.parquet (or .csv) files"
        " under it (e.g. crm/accounts.parquet)."
    )
