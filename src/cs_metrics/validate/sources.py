"""Where `cs-metrics validate` reads raw data: Parquet files or PostgreSQL raw schemas.

Every source answers three questions with small results — which columns a table has (and
their physical types), how many rows it has, and which rows a check may find unexpected —
and streams the last as pandas batches of at most `chunk_rows` rows:

- `ParquetSource`: `<dir>/<source>/<table>.parquet` through an in-memory DuckDB that only
  reads the files; its memory is capped (`memory_limit`, spilling to a temporary directory
  removed on close) and results stream with `to_arrow_reader`, so memory stays bounded on
  tens of millions of rows;
- `PostgresSource`: the raw schemas of a PostgreSQL target (vars `<source>_schema`), in one
  read-only transaction with a server-side cursor.

(`cs-metrics validate --marts` reads dbt's test results instead: `cs_metrics.validate.marts`.)
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cs_metrics.contract import Table
from cs_metrics.rawfiles import csv_schema, is_csv, read_problem, reader_sql, sql_literal
from cs_metrics.validate.checks import ColumnRef, Dialect, Relation
from cs_metrics.validate.contract import (
    missing_file_problem,
    postgres_type_family,
    table_path,
    type_family,
)

Progress = Callable[[float], None]  # fraction (0..1) of the current query done


class SourceError(Exception):
    """The database could not run a validation query (shown without a traceback)."""


class Source(Protocol):
    """What the suites need from where the data lives."""

    storage: str
    dialect: Dialect

    def count(self, sql: str) -> int: ...

    def stream(
        self, sql: str, chunk_rows: int, progress: Progress | None = None
    ) -> Iterator[pd.DataFrame]: ...

    def close(self) -> None: ...


class RawSource(Source, Protocol):
    """A source of raw tables (Parquet files or a PostgreSQL target)."""

    def describe(self, table: Table) -> StoredTable: ...


@dataclass
class StoredTable:
    """A table as stored: its relation (None when it cannot be read) and physical columns."""

    key: str  # <source>.<table> or marts.<model>
    location: str  # for messages: a file path or schema.table
    sql: str | None  # what follows FROM; None when missing or unreadable
    # physical columns by lower-case name: (physical name, type as stored, type family)
    columns: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)
    problem: str | None = None  # why the table cannot be read

    def relation(self, families: dict[str, str]) -> Relation:
        """The relation over the given columns (contract name -> family to cast to)."""
        if self.sql is None:
            raise ValueError(f"{self.key} cannot be read: {self.problem}")
        refs = {
            name: ColumnRef(name, self.columns[name][0], family)
            for name, family in families.items()
            if name in self.columns
        }
        return Relation(self.sql, refs)


class ParquetSource:
    """Raw files `<raw_dir>/<source>/<table>.parquet` (or `.csv`), read with DuckDB."""

    storage = "parquet"
    dialect = Dialect("duckdb")

    def __init__(self, raw_dir: Path, *, memory_limit: str = "1GB") -> None:
        import duckdb

        self.raw_dir = Path(raw_dir)
        self._spill = tempfile.mkdtemp(prefix="cs-metrics-validate-")
        # removed on close, or at the latest when the source is garbage collected
        self._cleanup = weakref.finalize(self, shutil.rmtree, self._spill, ignore_errors=True)
        self.connection = duckdb.connect(":memory:")
        for statement in (
            f"set memory_limit = {sql_literal(memory_limit)}",
            f"set temp_directory = {sql_literal(self._spill)}",
            "set TimeZone = 'UTC'",
            "set enable_progress_bar = true",
            "set enable_progress_bar_print = false",
            "set progress_bar_time = 0",
        ):
            self.connection.execute(statement)

    def describe(self, table: Table) -> StoredTable:
        import duckdb

        path = table_path(self.raw_dir, table)
        stored = StoredTable(table.key, str(path), None)
        if not path.is_file():
            stored.problem = missing_file_problem(table, path)
            return stored
        try:
            if is_csv(path):  # read with the contract's types (cs_metrics.rawfiles)
                sql, schema = csv_schema(self.connection, path, table)
            else:
                sql, schema = reader_sql(path), pq.read_schema(path)
        except duckdb.Error as exc:
            stored.problem = f"{table.key}: {read_problem(path, exc)}"
            return stored
        except (OSError, pa.ArrowInvalid) as exc:
            stored.problem = f"{table.key}: cannot read {path} as Parquet: {exc}"
            return stored
        for column in schema:
            family = None if pa.types.is_null(column.type) else type_family(column.type)
            stored.columns[column.name.lower()] = (column.name, str(column.type), family)
        stored.sql = sql
        return stored

    def count(self, sql: str) -> int:
        import duckdb

        try:
            return int(self.connection.execute(f"select count(*) from {sql}").fetchall()[0][0])
        except duckdb.Error as exc:
            raise SourceError(_problem(exc)) from exc

    def stream(
        self, sql: str, chunk_rows: int, progress: Progress | None = None
    ) -> Iterator[pd.DataFrame]:
        import duckdb

        with _poll(self.connection, progress):
            try:
                reader = self.connection.sql(sql).to_arrow_reader(chunk_rows)
                empty = True
                for batch in reader:
                    if batch.num_rows:
                        empty = False
                        yield batch.to_pandas()
            except (duckdb.Error, pa.ArrowException) as exc:
                raise SourceError(_problem(exc)) from exc
            if empty:
                yield reader.schema.empty_table().to_pandas()

    def close(self) -> None:
        self.connection.close()
        self._cleanup()


def _problem(exc: BaseException) -> str:
    """DuckDB's message, in one line when it is about a raw file's value."""
    text = str(exc).strip()
    return read_problem(None, exc) if "CSV Error on Line" in text else text


class _poll:
    """Report DuckDB's progress on the running query from a background thread."""

    def __init__(self, connection: Any, progress: Progress | None) -> None:
        self.connection, self.progress = connection, progress
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> _poll:
        if self.progress is not None:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            try:
                done = self.connection.query_progress()
            except Exception:  # the query may finish between two polls
                continue
            if done is not None and done >= 0 and self.progress is not None:
                self.progress(min(done, 100.0) / 100.0)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


class PostgresSource:
    """The raw schemas of a PostgreSQL target, read in one read-only transaction."""

    storage = "postgres"
    dialect = Dialect("postgres")

    def __init__(self, settings: dict[str, Any], schemas: dict[str, str]) -> None:
        from cs_metrics.project import connect_postgres

        self.schemas = schemas
        self.connection = connect_postgres(settings)
        self.connection.set_session(readonly=True, autocommit=False)
        with self.connection.cursor() as cursor:
            cursor.execute("set time zone 'UTC'")
        self.connection.commit()  # the setting outlives a rolled-back query

    def describe(self, table: Table) -> StoredTable:
        schema = self.schemas[table.source]
        location = f"{schema}.{table.name}"
        stored = StoredTable(table.key, location, None)
        with self.connection.cursor() as cursor:
            cursor.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = %s and table_name = %s order by ordinal_position",
                (schema, table.name),
            )
            rows = cursor.fetchall()
        if not rows:
            stored.problem = (
                f"{table.key}: table {location} not found (load it with `cs-metrics load`, or"
                f" set the dbt var {table.source}_schema)."
            )
            return stored
        for name, data_type in rows:
            stored.columns[name.lower()] = (name, data_type, postgres_type_family(data_type))
        stored.sql = f"{self.dialect.quote(schema)}.{self.dialect.quote(table.name)}"
        return stored

    def count(self, sql: str) -> int:
        import psycopg2

        try:
            with self.connection.cursor() as cursor:
                cursor.execute(f"select count(*) from {sql}")
                return int(cursor.fetchone()[0])
        except psycopg2.Error as exc:
            self.connection.rollback()
            raise SourceError(str(exc).strip()) from exc

    def stream(
        self, sql: str, chunk_rows: int, progress: Progress | None = None
    ) -> Iterator[pd.DataFrame]:
        import psycopg2

        try:
            yield from self._stream(sql, chunk_rows)
        except psycopg2.Error as exc:
            self.connection.rollback()
            raise SourceError(str(exc).strip()) from exc

    def _stream(self, sql: str, chunk_rows: int) -> Iterator[pd.DataFrame]:
        cursor = self.connection.cursor(name="cs_metrics_validate")
        cursor.itersize = chunk_rows
        try:
            cursor.execute(sql)
            names: list[str] | None = None
            empty = True
            while True:
                rows = cursor.fetchmany(chunk_rows)
                if names is None:
                    names = [column.name for column in cursor.description]
                if not rows:
                    break
                empty = False
                yield pd.DataFrame.from_records(rows, columns=names)
            if empty:
                yield pd.DataFrame(columns=names or [])
        finally:
            cursor.close()

    def close(self) -> None:
        self.connection.rollback()
        self.connection.close()
