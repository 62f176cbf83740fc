"""The raw input contract (v1): every raw table, its columns, their types and their rules.

The contract is the dbt sources YAML (`models/staging/<source>/_<source>__sources.yml`):
each table's columns in order, their `data_type`, and in each column's `config.meta` its
rules (below); a table's `config.meta.unique_key` names its key. This module reads it into
`TABLES` (when imported) and is the only reader: the demo generator writes exactly these
tables, the loader checks user data against them, `cs-metrics validate` derives its Great
Expectations suites from them (`cs_metrics.validate.raw_suites`) and
`scripts/render_raw_contract_doc.py` renders the column tables of `docs/raw-contract.md`
from them (`cs_metrics.contract_doc`).

Types are Arrow types; a raw column may use any physical type of the same family (text,
integer, boolean, timestamp, date, number; see `cs_metrics.validate.contract.type_family`).
Timestamp columns accept both kinds of timestamp: `timestamp` without time zone (Arrow
`timestamp[unit]`), read as a UTC wall-clock time, and `timestamp with time zone` (Arrow
`timestamp[unit, tz=...]`), read as its UTC instant. Any other physical type for a timestamp
column (text, integer, ...) is an error naming the table, the column, the type found and the
accepted types.

Besides names and types, a column's meta may carry the rules the data must follow:
`required: false` (the column may be absent), `nullable: true` (nulls allowed), an
enumeration (`values`), a range (`minimum`/`maximum`, `strict_minimum: true` to exclude the
minimum), a code format (`code`: ISO-4217 currency, ISO-3166 alpha-2 country), `not_future:
true` (the time of something that has already happened: never after the as-of date) and a
reference to another table's key (`references: <source>.<table>.<column>`). An unknown key
is a ContractError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

TEXT = pa.string()
INT = pa.int64()
BOOL = pa.bool_()
TS = pa.timestamp("us")
DATE = pa.date32()
MONEY = pa.decimal128(18, 4)
RATE = pa.decimal128(18, 8)

CURRENCY = "ISO-4217"
COUNTRY = "ISO-3166 alpha-2"
# the format a code column must follow (full match); any case: staging upper-cases codes
CODE_PATTERNS: dict[str, str] = {CURRENCY: "^[A-Za-z]{3}$", COUNTRY: "^[A-Za-z]{2}$"}


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    nullable: bool = False
    required: bool = True  # optional columns may be absent from the raw table
    values: tuple[str, ...] = ()  # an enumeration: the accepted values
    minimum: float | None = None  # inclusive, unless strict_minimum
    maximum: float | None = None  # inclusive
    strict_minimum: bool = False
    code: str | None = None  # CURRENCY or COUNTRY: a code format (CODE_PATTERNS)
    not_future: bool = False  # when something happened: never after the as-of date
    references: str | None = None  # "<source>.<table>.<column>" this column points to


@dataclass(frozen=True)
class Table:
    source: str
    name: str
    columns: tuple[Column, ...]
    unique_key: tuple[str, ...] = ()  # columns that identify a row (empty: none)

    @property
    def key(self) -> str:
        return f"{self.source}.{self.name}"

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in self.columns])

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.key} has no column {name}")


ROOT = Path(__file__).resolve().parents[2]  # the dbt project (this package's checkout)
SOURCES: tuple[str, ...] = ("crm", "billing", "finance", "product", "support")
_ARROW_TYPES = {"text": TEXT, "integer": INT, "boolean": BOOL, "timestamp": TS, "date": DATE}
_DECIMAL = re.compile(r"decimal\((\d+),\s*(\d+)\)")


class ContractError(Exception):
    """The sources YAML does not describe a valid contract (a developer error)."""


def sources_path(source: str, root: Path = ROOT) -> Path:
    """The dbt sources YAML of one source: the contract of its tables."""
    return root / "models" / "staging" / source / f"_{source}__sources.yml"


def load_sources(root: Path = ROOT) -> dict[str, dict[str, Any]]:
    """Every table of the sources YAML files, by `<source>.<table>`, in file order."""
    tables: dict[str, dict[str, Any]] = {}
    for source in SOURCES:
        document = yaml.safe_load(sources_path(source, root).read_text(encoding="utf-8"))
        for entry in document.get("sources", []):
            for table in entry.get("tables", []):
                tables[f"{entry['name']}.{table['name']}"] = table
    return tables


def meta(entry: dict[str, Any]) -> dict[str, Any]:
    """The `meta` of a YAML table or column (under config, as dbt 1.11 reads it)."""
    return (entry.get("config") or {}).get("meta") or entry.get("meta") or {}


def is_required(column: dict[str, Any]) -> bool:
    """A YAML column is required unless its meta says `required: false` (as dbt reads it)."""
    return meta(column).get("required", True) not in (False, "false")


def arrow_type(data_type: str) -> pa.DataType:
    """The Arrow type of a YAML `data_type` (text, integer, ..., decimal(p,s))."""
    decimal = _DECIMAL.fullmatch(data_type.strip())
    if decimal:
        return pa.decimal128(int(decimal[1]), int(decimal[2]))
    try:
        return _ARROW_TYPES[data_type.strip()]
    except KeyError:
        raise ContractError(f"unknown contract data_type {data_type!r}") from None


def _column(entry: dict[str, Any], where: str) -> Column:
    rules = meta(entry)
    unknown = set(rules) - _RULES
    if unknown:
        raise ContractError(f"{where}: unknown contract rule(s) {', '.join(sorted(unknown))}")
    return Column(
        name=entry["name"],
        type=arrow_type(str(entry.get("data_type", ""))),
        nullable=bool(rules.get("nullable", False)),
        required=is_required(entry),
        values=tuple(str(v) for v in rules.get("values") or ()),
        minimum=rules.get("minimum"),
        maximum=rules.get("maximum"),
        strict_minimum=bool(rules.get("strict_minimum", False)),
        code=rules.get("code"),
        not_future=bool(rules.get("not_future", False)),
        references=rules.get("references"),
    )


_RULES = {
    "required",
    "nullable",
    "values",
    "minimum",
    "maximum",
    "strict_minimum",
    "code",
    "not_future",
    "references",
}


def _tables(root: Path = ROOT) -> tuple[Table, ...]:
    tables = []
    for key, entry in load_sources(root).items():
        source, name = key.split(".")
        columns = tuple(_column(c, f"{key}.{c['name']}") for c in entry.get("columns", []))
        unique_key = tuple(meta(entry).get("unique_key") or ())
        tables.append(Table(source, name, columns, unique_key))
    return tuple(tables)


TABLES: tuple[Table, ...] = _tables()

BY_KEY: dict[str, Table] = {t.key: t for t in TABLES}


def table(source: str, name: str) -> Table:
    return BY_KEY[f"{source}.{name}"]


def yaml_type(data_type: pa.DataType) -> str:
    """The `data_type` the sources YAML gives a contract column."""
    if pa.types.is_string(data_type):
        return "text"
    if pa.types.is_integer(data_type):
        return "integer"
    if pa.types.is_boolean(data_type):
        return "boolean"
    if pa.types.is_timestamp(data_type):
        return "timestamp"
    if pa.types.is_date(data_type):
        return "date"
    if pa.types.is_decimal(data_type):
        return f"decimal({data_type.precision},{data_type.scale})"
    raise ValueError(f"no YAML type for contract type {data_type}")
