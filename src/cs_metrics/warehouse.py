"""Read the built marts (and raw tables) of any dbt target through the project's profile.

Every Python consumer of the marts (the summary, the visual and quality reports, the mart
validation suites, the health calibration) reads through one `Warehouse`, so each works on
DuckDB, PostgreSQL and Spark with the same code:

- DuckDB: the database file of the profile (`CS_METRICS_DB`), opened read-only, so readers
  can share it while no build is writing;
- PostgreSQL: a connection made from the profile's output (the same environment variables
  dbt uses);
- Spark: the Parquet files of the warehouse folder (`CS_METRICS_SPARK_WAREHOUSE`), queried
  with an in-memory DuckDB that maps `<schema>.<table>` to `<warehouse>/<schema>.db/<table>`;
  no Spark session (or Java) is needed to read results.

Queries are plain SQL that runs on DuckDB and PostgreSQL (the project's portable subset).

Every command that reads the marts opens them here, so a database that cannot be read is
answered the same way by all of them, in one line naming the file and what to do
(`WarehouseError`): a missing file, a file locked by a running build, a file that is not a
DuckDB database or is truncated or damaged (when opened or at the first read of a damaged
page), and a database without the marts a command needs (not built, or the build stopped).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from cs_metrics.project import (
    MARTS_SCHEMA,
    ProjectError,
    connect_postgres,
    find_project_dir,
    read_target,
)


class WarehouseError(Exception):
    """The warehouse cannot be read as configured (shown to the user without a traceback)."""


BUILD_HINT = "`make build`, or `dbt build --profiles-dir profiles`"


def _detail(exc: BaseException) -> str:
    """The first line of DuckDB's error (its type's name when it has no message)."""
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return detail.removeprefix("IO Error: ")


def is_damaged(exc: BaseException) -> bool:
    """True when DuckDB's error says the file is truncated or damaged."""
    lowered = _detail(exc).lower()
    return any(
        word in lowered
        for word in ("could not read enough bytes", "corrupt", "checksum", "truncat", "serializ")
    )


def duckdb_problem(path: Path, exc: BaseException) -> str:
    """One line saying why a DuckDB file cannot be read, and what to do.

    Classifies DuckDB's errors: locked by another process (a running build), not a DuckDB
    database, truncated or damaged, written by another DuckDB version.
    """
    import re

    detail = _detail(exc)
    lowered = detail.lower()
    if "could not set lock" in lowered or "conflicting lock" in lowered:
        holder = re.search(r"\(PID (\d+)\)", detail)
        by = f" (PID {holder.group(1)})" if holder else ""
        return (
            f"{path} is locked by another process{by}, most likely a dbt build writing to it:"
            " wait for it to finish, then run this again."
        )
    if "not a valid duckdb database" in lowered:
        empty = " (it is empty)" if path.is_file() and path.stat().st_size == 0 else ""
        return (
            f"{path} is not a DuckDB database{empty}: point --db (or CS_METRICS_DB) at the"
            " file dbt builds, target/cs_metrics.duckdb by default."
        )
    if "version" in lowered and ("storage" in lowered or "newer" in lowered or "older" in lowered):
        return (
            f"{path} was written by another DuckDB version ({detail}): rebuild it with this"
            f" installation ({BUILD_HINT})."
        )
    if is_damaged(exc):
        return (
            f"{path} is truncated or damaged ({detail}): restore it from a backup or rebuild it"
            f" ({BUILD_HINT})."
        )
    return f"cannot read {path}: {detail}"


@dataclass
class Warehouse:
    """A read-only SQL connection to the warehouse of one dbt target."""

    target: str
    engine: str
    _connection: Any
    spark_warehouse: Path | None = None  # the warehouse folder of a Spark target
    duckdb_path: Path | None = None  # the database file of a DuckDB target

    def query(self, sql: str, parameters: list[Any] | None = None) -> pa.Table:
        """Run one query and return its rows as an Arrow table (column names lower-cased)."""
        if self.engine == "postgres":
            with self._connection.cursor() as cursor:
                cursor.execute(sql, parameters or None)
                names = [column.name.lower() for column in cursor.description]
                rows = cursor.fetchall()
            columns: list[Sequence[Any]] = (
                list(zip(*rows, strict=True)) if rows else [[] for _ in names]
            )
            return pa.table(
                {name: list(values) for name, values in zip(names, columns, strict=True)}
            )
        with self._read_errors():
            table = self._connection.sql(sql, params=parameters or None).to_arrow_table()
        return table.rename_columns([name.lower() for name in table.column_names])

    @contextmanager
    def _read_errors(self) -> Iterator[None]:
        """A DuckDB file that fails while being read (a damaged page) -> WarehouseError."""
        if self.duckdb_path is None:
            yield
            return
        import duckdb

        try:
            yield
        except (duckdb.IOException, duckdb.SerializationException, duckdb.InternalException) as exc:
            raise WarehouseError(duckdb_problem(self.duckdb_path, exc)) from exc
        except (duckdb.BinderException, duckdb.CatalogException) as exc:
            detail = str(exc).strip().splitlines()[0]
            raise WarehouseError(
                f"the marts in {self.duckdb_path} lack what cs-metrics reads ({detail}): they"
                f" were built by another version of the project; build them again ({BUILD_HINT})."
            ) from exc
        except duckdb.Error as exc:
            # DuckDB 2 raises a damaged page's checksum error as its base class
            if not is_damaged(exc):
                raise
            raise WarehouseError(duckdb_problem(self.duckdb_path, exc)) from exc

    def batches(
        self, sql: str, parameters: list[Any] | None = None, *, batch_rows: int = 100_000
    ) -> Iterator[pa.Table]:
        """Run one query and yield its rows as Arrow tables of at most batch_rows rows each.

        For results too large to hold as Python objects: PostgreSQL streams through a
        server-side cursor, DuckDB through Arrow record batches (column names lower-cased).
        """
        if self.engine == "postgres":
            with self._connection.cursor(name="cs_metrics_batches", withhold=True) as cursor:
                cursor.itersize = batch_rows
                cursor.execute(sql, parameters or None)
                names: list[str] | None = None
                while True:
                    rows = cursor.fetchmany(batch_rows)
                    if names is None:
                        names = [column.name.lower() for column in cursor.description]
                    if not rows:
                        break
                    columns = list(zip(*rows, strict=True))
                    yield pa.table(
                        {name: list(values) for name, values in zip(names, columns, strict=True)}
                    )
            return
        with self._read_errors():
            reader = self._connection.sql(sql, params=parameters or None).to_arrow_reader(
                batch_rows
            )
            for batch in reader:
                table = pa.Table.from_batches([batch])
                yield table.rename_columns([name.lower() for name in table.column_names])

    def rows(self, sql: str, parameters: list[Any] | None = None) -> list[dict[str, Any]]:
        """The query's rows as dictionaries."""
        return self.query(sql, parameters).to_pylist()

    def scalar(self, sql: str, parameters: list[Any] | None = None) -> Any:
        """The first column of the first row (None when there is no row)."""
        table = self.query(sql, parameters)
        return table.column(0)[0].as_py() if table.num_rows else None

    def has_table(self, schema: str, name: str) -> bool:
        """True when schema.name exists (a table or view)."""
        if self.spark_warehouse is not None:
            return _spark_location(self.spark_warehouse, schema, name).is_dir()
        placeholder = "%s" if self.engine == "postgres" else "?"
        found = self.scalar(
            "select count(*) from information_schema.tables"
            f" where table_schema = {placeholder} and table_name = {placeholder}",
            [schema, name],
        )
        return bool(found)

    def require(
        self, tables: Sequence[str], schema: str = MARTS_SCHEMA, *, every: bool = True
    ) -> None:
        """Raise WarehouseError, in one line, when tables of `schema` are missing.

        None of them there: the project was never built into this database; some missing
        (only checked when `every`): the build stopped before them.
        """
        missing = [name for name in tables if not self.has_table(schema, name)]
        if not missing or (not every and len(missing) < len(tables)):
            return
        where = str(self.duckdb_path) if self.duckdb_path else f"target {self.target!r}"
        if len(missing) == len(tables):
            what = "no marts" if self._has_schema(schema) else f"no schema {schema}"
            raise WarehouseError(
                f"{where} holds {what} ({schema}.{missing[0]} not found): the project has not"
                f" been built there; build it first ({BUILD_HINT})."
            )
        shown = ", ".join(f"{schema}.{name}" for name in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise WarehouseError(
            f"{where} lacks {shown}{more}: the last build did not finish (or predates this"
            f" version); build the project again ({BUILD_HINT})."
        )

    def _has_schema(self, schema: str) -> bool:
        if self.spark_warehouse is not None:
            return (self.spark_warehouse / f"{schema}.db").is_dir()
        placeholder = "%s" if self.engine == "postgres" else "?"
        found = self.scalar(
            f"select count(*) from information_schema.schemata where schema_name = {placeholder}",
            [schema],
        )
        return bool(found)

    def close(self) -> None:
        self._connection.close()


def _spark_location(warehouse: Path, schema: str, name: str) -> Path:
    return warehouse / f"{schema}.db" / name


def default_target() -> str:
    """The target dbt would use: CS_METRICS_TARGET, else the profile's default (duckdb)."""
    return os.environ.get("CS_METRICS_TARGET") or "duckdb"


def open_warehouse(
    target: str | None = None,
    *,
    profiles_dir: Path | None = None,
    duckdb_path: Path | None = None,
    schemas: tuple[str, ...] = (MARTS_SCHEMA,),
    required: Sequence[str] = (),
    every: bool = True,
) -> Warehouse:
    """Open the warehouse of `target` (default: as dbt would choose) read-only.

    duckdb_path overrides the profile's DuckDB file; `schemas` lists the schemas a Spark
    warehouse exposes (DuckDB and PostgreSQL see every schema); `required` names the marts
    the caller reads (WarehouseError when one is missing; with every=False only when none
    is there: the database was never built). Raises WarehouseError, in one line, for every
    database that cannot be read.
    """
    reader = _open(target or default_target(), profiles_dir, duckdb_path, schemas)
    try:
        reader.require(required, every=every)
    except BaseException:
        reader.close()
        raise
    return reader


def _open(
    target: str, profiles_dir: Path | None, duckdb_path: Path | None, schemas: tuple[str, ...]
) -> Warehouse:
    try:
        project_dir = find_project_dir()
        output = read_target(profiles_dir or project_dir / "profiles", target)
    except ProjectError as exc:
        raise WarehouseError(str(exc)) from exc
    engine = str(output.get("type"))
    if engine == "duckdb":
        import duckdb

        # --db is relative to the current directory, the profile's path to the project
        path = Path(duckdb_path).absolute() if duckdb_path else Path(output["path"])
        if not path.is_absolute():
            path = project_dir / path
        if not path.exists():
            raise WarehouseError(f"{path} does not exist: build the project first ({BUILD_HINT}).")
        if path.is_dir():
            raise WarehouseError(
                f"{path} is a directory: point --db (or CS_METRICS_DB) at the DuckDB file dbt"
                " builds, target/cs_metrics.duckdb by default."
            )
        try:
            connection = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            raise WarehouseError(duckdb_problem(path, exc)) from exc
        return Warehouse(target, engine, connection, duckdb_path=path)
    if engine == "postgres":
        try:
            connection = connect_postgres(output)
        except ProjectError as exc:
            raise WarehouseError(str(exc)) from exc
        connection.set_session(readonly=True, autocommit=True)
        return Warehouse(target, engine, connection)
    if engine == "spark":
        import duckdb

        params = output.get("server_side_parameters") or {}
        warehouse = Path(str(params.get("spark.sql.warehouse.dir", "target/spark-warehouse")))
        if not warehouse.is_absolute():
            warehouse = Path.cwd() / warehouse
        if not warehouse.is_dir():
            raise WarehouseError(
                f"Spark warehouse folder {warehouse} not found (CS_METRICS_SPARK_WAREHOUSE):"
                " build the project on the spark target first."
            )
        connection = duckdb.connect()
        for schema in schemas:
            connection.execute(f'create schema if not exists "{schema}"')
            folder = warehouse / f"{schema}.db"
            for table_dir in sorted(folder.glob("*")) if folder.is_dir() else []:
                if not table_dir.is_dir():
                    continue
                # a partitioned table (the month-window marts) keeps its files in
                # <column>=<value>/ folders: the column comes back from the folder names
                if any(table_dir.glob("*.parquet")):
                    files, options = table_dir / "*.parquet", ""
                elif any(table_dir.glob("*=*/*.parquet")):
                    files, options = table_dir / "*=*" / "*.parquet", ", hive_partitioning = true"
                else:
                    continue
                pattern = str(files).replace("'", "''")
                connection.execute(
                    f'create view "{schema}"."{table_dir.name}" as'
                    f" select * from read_parquet('{pattern}'{options})"
                )
        return Warehouse(target, engine, connection, spark_warehouse=warehouse)
    raise WarehouseError(
        f"target {target!r} has type {engine!r}; cs-metrics reads duckdb, postgres and spark"
        " targets."
    )


@contextmanager
def warehouse(target: str | None = None, **options: Any) -> Iterator[Warehouse]:
    """`with warehouse() as wh:` — open_warehouse, closed on exit."""
    reader = open_warehouse(target, **options)
    try:
        yield reader
    finally:
        reader.close()
