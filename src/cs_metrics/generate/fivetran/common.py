"""Helpers shared by the connector converters (Arrow helpers: arrow.py)."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pyarrow as pa

LEFT_OUT = "connector_row_left_out"  # the issue_type of a connector row a preset leaves out


def sql_case(column: str, mapping: Mapping[str, str | None]) -> str:
    """A SQL `case` giving mapping[value] for each value of `column` (null when not listed)."""
    whens = " ".join(
        f"when '{key}' then " + ("null" if value is None else f"'{value}'")
        for key, value in mapping.items()
    )
    return f"case {column} {whens} end"


def connect(tables: Mapping[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB session in UTC with each contract table registered by its name
    ("crm.accounts" as `accounts`)."""
    con = duckdb.connect(":memory:")
    con.execute("set TimeZone = 'UTC'")
    for key, table in tables.items():
        con.register(key.split(".")[1], table)
    return con
