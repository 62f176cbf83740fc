"""Arrow/Parquet output: build columns in the contract's exact types and write them atomically.

Values arrive in generation units: timestamps and dates as int seconds since the epoch (None for
null), money and rates as integers in units of 10^-scale of their decimal type. These helpers
turn them into `timestamp[us]`, `date32` and `decimal128` arrays without per-value Python
`Decimal` objects. Files are written to `<name>.tmp` and renamed, so a crash never leaves a
half-written table behind.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cs_metrics.contract import Table
from cs_metrics.generate.timeutil import DAY, US_PER_S

COMPRESSION = "zstd"


def _int_and_mask(values: Sequence[int | None]) -> tuple[np.ndarray, np.ndarray | None]:
    """int64 data and a null mask (None when nothing is null) for a list of ints and Nones."""
    try:
        return np.array(values, dtype=np.int64), None
    except TypeError:  # holds None
        objects = np.array(values, dtype=object)
        mask = np.array([value is None for value in values], dtype=bool)
        objects[mask] = 0
        return objects.astype(np.int64), mask


def ts_col(values: Sequence[int | None] | np.ndarray) -> pa.Array:
    """Seconds since the epoch (None = null) as timestamp[us]."""
    if isinstance(values, np.ndarray):
        return pa.array(values.astype(np.int64) * US_PER_S, pa.timestamp("us"))
    data, mask = _int_and_mask(values)
    return pa.array(data * US_PER_S, pa.timestamp("us"), mask=mask)


def date_col(values: Sequence[int | None] | np.ndarray) -> pa.Array:
    """Seconds since the epoch (None = null) as the UTC date (date32)."""
    if isinstance(values, np.ndarray):
        return pa.array((values // DAY).astype(np.int32), pa.date32())
    data, mask = _int_and_mask(values)
    return pa.array((data // DAY).astype(np.int32), pa.date32(), mask=mask)


def int_col(values: Sequence[int | None] | np.ndarray) -> pa.Array:
    if isinstance(values, np.ndarray):
        return pa.array(values.astype(np.int64), pa.int64())
    data, mask = _int_and_mask(values)
    return pa.array(data, pa.int64(), mask=mask)


def str_col(values: Sequence[str | None]) -> pa.Array:
    return pa.array(values, pa.string())


def bool_col(values: Sequence[bool] | np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=bool), pa.bool_())


def _decimal(data: np.ndarray, mask: np.ndarray | None, type_: pa.DataType) -> pa.Array:
    """int64 values already multiplied by 10**scale as decimal128, built from raw buffers."""
    data = data.astype(np.int64)
    words = np.empty((data.size, 2), dtype=np.int64)  # little-endian int128: low word, sign
    words[:, 0] = data
    words[:, 1] = np.where(data < 0, -1, 0)
    validity, null_count = None, 0
    if mask is not None:
        validity = pa.array(~mask).buffers()[1]
        null_count = int(mask.sum())
    return pa.Array.from_buffers(
        type_, data.size, [validity, pa.py_buffer(words.tobytes())], null_count=null_count
    )


def decimal_col(scaled: Sequence[int | None] | np.ndarray, type_: pa.DataType) -> pa.Array:
    """Integers already multiplied by 10**scale (None = null) as a decimal128 array, exactly."""
    if isinstance(scaled, np.ndarray):
        return _decimal(scaled, None, type_)
    return _decimal(*_int_and_mask(scaled), type_)


def column_array(type_: pa.DataType, values: object) -> pa.Array:
    """Generation units (see module docstring) as an Arrow array of a contract type."""
    if isinstance(values, pa.Array):
        return values
    if type_ == pa.timestamp("us"):
        return ts_col(values)  # type: ignore[arg-type]
    if type_ == pa.date32():
        return date_col(values)  # type: ignore[arg-type]
    if type_ == pa.int64():
        return int_col(values)  # type: ignore[arg-type]
    if type_ == pa.bool_():
        return bool_col(values)  # type: ignore[arg-type]
    if pa.types.is_decimal(type_):
        return decimal_col(values, type_)  # type: ignore[arg-type]
    if type_ == pa.string():
        return str_col(values)  # type: ignore[arg-type]
    raise TypeError(f"no converter for {type_}")


def rows_table(definition: Table, rows: Sequence[tuple]) -> pa.Table:
    """A contract table from row tuples in contract column order.

    Named tuples (`rows.CustomerRow` …) must have exactly the contract's column names.
    """
    names = [c.name for c in definition.columns]
    fields = getattr(rows[0], "_fields", None) if rows else None
    if fields is not None and list(fields) != names:
        raise ValueError(f"{definition.key}: row fields {list(fields)} != columns {names}")
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    if len(columns) != len(names):
        raise ValueError(f"{definition.key}: rows have {len(columns)} fields, need {len(names)}")
    return columns_table(definition, dict(zip(names, columns, strict=True)))


def columns_table(definition: Table, columns: Mapping[str, object]) -> pa.Table:
    """A contract table from named columns (lists, numpy arrays or Arrow arrays)."""
    types = {c.name: c.type for c in definition.columns}
    arrays = {
        name: column_array(types[name], values) if name in types else values
        for name, values in columns.items()
    }
    return build_table(definition, arrays)


def build_table(definition: Table, columns: dict[str, pa.Array]) -> pa.Table:
    """A table with exactly the contract's columns, order and types (raises on any mismatch)."""
    schema = definition.schema
    missing = [f.name for f in schema if f.name not in columns]
    extra = [name for name in columns if name not in schema.names]
    if missing or extra:
        raise ValueError(f"{definition.key}: missing columns {missing}, unexpected {extra}")
    arrays = []
    for f in schema:
        arr = columns[f.name]
        if arr.type != f.type:
            raise TypeError(f"{definition.key}.{f.name}: got {arr.type}, contract says {f.type}")
        if not f.nullable and arr.null_count:
            raise ValueError(
                f"{definition.key}.{f.name}: {arr.null_count} nulls in a not-null column"
            )
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=schema)


def table_path(out_dir: Path, definition: Table) -> Path:
    return out_dir / definition.source / f"{definition.name}.parquet"


def write_table(out_dir: Path, definition: Table, table: pa.Table) -> int:
    """Write one table atomically; returns its row count."""
    path = table_path(out_dir, definition)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(table, tmp, compression=COMPRESSION)
    os.replace(tmp, path)
    return table.num_rows


# rows per row group of a table re-sorted on close (DuckDB's own row group size)
SORTED_ROW_GROUP_ROWS = 122_880


class ChunkedWriter:
    """Write a table chunk by chunk (one row group per chunk); renamed into place on close.

    With `order_by` (column names), the file is re-sorted by them on close, before the rename:
    the chunks are generated in another order (accounts) than the one the table is delivered
    in (load time).
    """

    def __init__(self, out_dir: Path, definition: Table, order_by: Sequence[str] = ()):
        self.path = table_path(out_dir, definition)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_suffix(".parquet.tmp")
        self._schema = definition.schema
        self._order_by = tuple(order_by)
        self._writer = pq.ParquetWriter(self._tmp, self._schema, compression=COMPRESSION)
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        if table.schema != self._schema:
            raise TypeError(f"{self.path.name}: chunk schema {table.schema} != contract")
        if table.num_rows:
            self._writer.write_table(table, row_group_size=table.num_rows)
            self.rows += table.num_rows

    def close(self) -> None:
        self._writer.close()
        if self._order_by:
            self._sort()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        self._writer.close()
        self._tmp.unlink(missing_ok=True)

    def _sort(self) -> None:
        """Rewrite the written file ordered by `order_by` (every column after them, so the
        order is total and the bytes are the same on every run), in the contract's types.
        DuckDB sorts within a bounded memory (spilling next to the file); the rows stream
        back through Arrow batches."""
        import duckdb

        sorted_tmp = self._tmp.with_suffix(".sorting")
        keys = list(self._order_by) + [n for n in self._schema.names if n not in self._order_by]
        order = ", ".join(f'"{name}" asc nulls last' for name in keys)
        try:
            with duckdb.connect() as con:
                con.execute("set memory_limit = '2GB'; set preserve_insertion_order = true")
                con.execute("set temp_directory = ?", [str(self.path.parent / ".sort.tmp")])
                reader = con.sql(
                    f"select * from read_parquet(?) order by {order}", params=[str(self._tmp)]
                ).to_arrow_reader(SORTED_ROW_GROUP_ROWS)
                with pq.ParquetWriter(sorted_tmp, self._schema, compression=COMPRESSION) as out:
                    for batch in reader:
                        table = pa.Table.from_batches([batch]).cast(self._schema)
                        out.write_table(table, row_group_size=table.num_rows)
            os.replace(sorted_tmp, self._tmp)
        finally:
            sorted_tmp.unlink(missing_ok=True)
