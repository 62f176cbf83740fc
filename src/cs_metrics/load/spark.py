"""Register raw Parquet files as Spark tables: one database (schema) per source.

By default each table is an external table over the file itself
(`create table ... using parquet location '<file>'`): nothing is copied and dropping the
table never touches the file. With copy=True the rows are written into the warehouse as
managed Parquet tables instead, so the tables outlive the files.
The session uses the same settings as dbt's `session` connection (the target's
server_side_parameters). Its Derby metastore admits one process at a time, so the session
is stopped before returning.
"""

from __future__ import annotations

from typing import Any

from tqdm import tqdm

from cs_metrics.load.plan import LoadError, TableFile


def spark_session(settings: dict[str, Any]):  # -> pyspark.sql.SparkSession
    """A Spark session configured like dbt-spark's `session` method for this target."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - pyspark is a pinned dependency
        raise LoadError("pyspark is not installed: run `make install`") from exc
    builder = SparkSession.builder.appName("cs-metrics load").enableHiveSupport()
    for key, value in (settings.get("server_side_parameters") or {}).items():
        builder = builder.config(str(key), str(value))
    # as dbt-spark does, so both see the same SQL semantics
    builder = builder.config("spark.sql.ansi.enabled", "false")
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def load_spark(plan: list[TableFile], settings: dict[str, Any], *, copy: bool = False) -> dict:
    """Create one table per planned file; returns rows per schema.table."""
    session = spark_session(settings)
    loaded: dict[str, int] = {}
    try:
        with tqdm(plan, unit="table") as bar:
            for item in bar:
                bar.set_description(item.label)
                name = f"{_quote(item.schema)}.{_quote(item.table.name)}"
                location = item.path.resolve().as_uri().replace("'", "\\'")
                session.sql(f"create database if not exists {_quote(item.schema)}")
                session.sql(f"drop table if exists {name}")
                if copy:
                    columns = ", ".join(
                        f"{_quote(file_name)} as {_quote(column.name)}"
                        for column, file_name in item.columns
                    )
                    session.sql(
                        f"create table {name} using parquet"
                        f" as select {columns} from parquet.`{location}`"
                    )
                else:
                    session.sql(f"create table {name} using parquet location '{location}'")
                loaded[item.label] = item.rows
    finally:
        session.stop()
    return loaded
