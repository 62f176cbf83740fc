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
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from cs_metrics.load.project import LoadError, find_project_dir, read_target

# the marts schema, after the optional developer prefix (macros/generate_schema_name.sql)
MARTS_SCHEMA = os.environ.get("CS_METRICS_SCHEMA_PREFIX", "") + "marts"


class WarehouseError(Exception):
    """The warehouse cannot be read as configured (shown to the user without a traceback)."""


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
            columns = list(zip(*rows, strict=True)) if rows else [[] for _ in names]
            return pa.table(
                {name: list(values) for name, values in zip(names, columns, strict=True)}
            )
        table = self._connection.execute(sql, parameters or []).to_arrow_table()
        return table.rename_columns([name.lower() for name in table.column_names])

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
        reader = self._connection.execute(sql, parameters or []).to_arrow_reader(batch_rows)
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
) -> Warehouse:
    """Open the warehouse of `target` (default: as dbt would choose) read-only.

    duckdb_path overrides the profile's DuckDB file; `schemas` lists the schemas a Spark
    warehouse exposes (DuckDB and PostgreSQL see every schema).
    """
    target = target or default_target()
    project_dir = find_project_dir()
    profiles_dir = profiles_dir or project_dir / "profiles"
    try:
        output = read_target(profiles_dir, target)
    except LoadError as exc:
        raise WarehouseError(str(exc)) from exc
    engine = str(output.get("type"))
    if engine == "duckdb":
        import duckdb

        path = Path(duckdb_path or output["path"])
        if not path.is_absolute():
            path = project_dir / path
        if not path.exists():
            raise WarehouseError(
                f"{path} does not exist: build the project first (`make build`, or"
                " `dbt build --profiles-dir profiles`)."
            )
        try:
            connection = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            raise WarehouseError(
                f"cannot open {path} read-only ({exc}); a dbt build may be writing to it:"
                " wait for it to finish."
            ) from exc
        return Warehouse(target, engine, connection, duckdb_path=path)
    if engine == "postgres":
        from cs_metrics.load.postgres import connect

        try:
            connection = connect(output)
        except LoadError as exc:
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
                if table_dir.is_dir() and any(table_dir.glob("*.parquet")):
                    files = str(table_dir / "*.parquet").replace("'", "''")
                    connection.execute(
                        f'create view "{schema}"."{table_dir.name}" as'
                        f" select * from read_parquet('{files}')"
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
