"""Arrow helpers shared by the connector converters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True)
class Chunks:
    """A connector table too large to hold, written chunk by chunk (one row group each)."""

    schema: pa.Schema
    tables: Iterable[pa.Table]  # each with exactly `schema`


def utc_instants(table: pa.Table) -> pa.Table:
    """Timestamps as the connectors' instants: timestamp with time zone UTC."""
    return table.cast(utc_instants_schema(table.schema))


def utc_instants_schema(schema: pa.Schema) -> pa.Schema:
    """The schema with every timestamp as timestamp with time zone UTC."""
    return pa.schema(
        pa.field(f.name, pa.timestamp("us", tz="UTC")) if pa.types.is_timestamp(f.type) else f
        for f in schema
    )
