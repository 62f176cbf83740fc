"""Load raw Parquet files into PostgreSQL: one schema per source, COPY per batch.

Each batch of a Parquet file is written as CSV into memory by Arrow and streamed to the
server with `COPY ... FROM STDIN`, so nothing is staged on disk. Column types come from
the contract (text, bigint, boolean, timestamp, date, numeric(18,4) / numeric(18,8)). The
whole load is one transaction: a failure leaves the previous raw tables as they were.
An existing table with the same columns is truncated (views built on it survive);
otherwise it is replaced.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from tqdm import tqdm

from cs_metrics.load.plan import TableFile
from cs_metrics.project import connect_postgres


def postgres_type(data_type: pa.DataType) -> str:
    """The PostgreSQL column type of a contract (Arrow) type."""
    if pa.types.is_string(data_type):
        return "text"
    if pa.types.is_integer(data_type):
        return "bigint"
    if pa.types.is_boolean(data_type):
        return "boolean"
    if pa.types.is_timestamp(data_type):
        return "timestamp"
    if pa.types.is_date(data_type):
        return "date"
    if pa.types.is_decimal(data_type):
        return f"numeric({data_type.precision},{data_type.scale})"
    raise ValueError(f"no PostgreSQL type for contract type {data_type}")


def csv_batches(item: TableFile, batch_rows: int) -> Iterator[tuple[int, io.BytesIO]]:
    """(row count, CSV bytes) per batch of the file's contract columns, in contract order.

    Strings are always quoted and nulls never are, so COPY keeps '' and null apart.
    Timestamps with a time zone are written as their UTC wall-clock time (the columns are
    `timestamp` without time zone, which would ignore a written offset).
    """
    names = [column.name for column, _ in item.columns]
    parquet = pq.ParquetFile(item.path)
    for batch in parquet.iter_batches(
        batch_size=batch_rows, columns=[file_name for _, file_name in item.columns]
    ):
        arrays = [_plain(array) for array in batch.columns]
        table = pa.Table.from_arrays(arrays, names=names)
        buffer = io.BytesIO()
        pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(include_header=False))
        buffer.seek(0)
        yield table.num_rows, buffer


def _plain(array: pa.Array) -> pa.Array:
    """Dictionary arrays decoded; zoned timestamps as UTC wall-clock timestamps."""
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if pa.types.is_timestamp(array.type) and array.type.tz is not None:
        array = array.cast(pa.timestamp(array.type.unit))  # keeps the UTC instant's value
    return array


_TIMESTAMP = "timestamp without time zone"


def _existing_columns(cursor, schema: str, name: str) -> list[tuple[str, str]]:
    cursor.execute(
        """
        select attribute.attname, format_type(attribute.atttypid, attribute.atttypmod)
        from pg_catalog.pg_attribute as attribute
        inner join pg_catalog.pg_class as relation on attribute.attrelid = relation.oid
        inner join pg_catalog.pg_namespace as namespace
            on relation.relnamespace = namespace.oid
        where
            namespace.nspname = %s and relation.relname = %s
            and relation.relkind in ('r', 'p')
            and attribute.attnum > 0 and not attribute.attisdropped
        order by attribute.attnum
        """,
        (schema, name),
    )
    return [(row[0], row[1]) for row in cursor.fetchall()]


def _prepare_table(cursor, item: TableFile) -> None:
    from psycopg2 import sql

    wanted = [(column.name, postgres_type(column.type)) for column, _ in item.columns]
    table = sql.Identifier(item.schema, item.table.name)
    cursor.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(item.schema)))
    existing = _existing_columns(cursor, item.schema, item.table.name)
    # format_type spells timestamp out in full
    if existing == [(name, type_.replace("timestamp", _TIMESTAMP)) for name, type_ in wanted]:
        cursor.execute(sql.SQL("truncate table {}").format(table))
        return
    if existing:
        # different columns: replace it (views built on it are rebuilt by dbt)
        cursor.execute(sql.SQL("drop table {} cascade").format(table))
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(type_)) for name, type_ in wanted
    )
    cursor.execute(sql.SQL("create table {} ({})").format(table, columns))


def load_postgres(
    plan: list[TableFile], settings: dict[str, Any], *, batch_rows: int = 100_000
) -> dict[str, int]:
    """Load every planned table in one transaction; returns rows loaded per schema.table."""
    from psycopg2 import sql

    loaded: dict[str, int] = {}
    connection = connect_postgres(settings)
    try:
        with (
            connection,
            connection.cursor() as cursor,
            tqdm(total=sum(item.rows for item in plan), unit="row", unit_scale=True) as bar,
        ):
            for item in plan:
                bar.set_description(item.label)
                _prepare_table(cursor, item)
                copy = sql.SQL("copy {} ({}) from stdin with (format csv)").format(
                    sql.Identifier(item.schema, item.table.name),
                    sql.SQL(", ").join(sql.Identifier(column.name) for column, _ in item.columns),
                )
                rows = 0
                for count, buffer in csv_batches(item, batch_rows):
                    cursor.copy_expert(copy, buffer)
                    rows += count
                    bar.update(count)
                cursor.execute(
                    sql.SQL("analyze {}").format(sql.Identifier(item.schema, item.table.name))
                )
                loaded[item.label] = rows
    finally:
        connection.close()
    return loaded
