"""Compare the public marts built on two engines row by row.

Marts are the models with `access: public` in the dbt manifest. Rows are matched on the
mart's primary key: `meta: {primary_key: [...]}` when given, else the columns of its
`unique_combination_of_columns` test, else its column with a `unique` test. Values are
compared by the column's contract type:

- money (numeric with at most 6 decimals): equal within 0.01 (absolute);
- ratios (numeric with more decimals, floats): equal within 1e-9 relative, or within one
  unit of the column's last decimal (engines may round the last stored digit apart);
- everything else (text, integers, booleans, dates, timestamps): exactly equal;
- null equals only null;
- columns with `meta: {engine_compare: false}` (the time a run happened) are not compared.

Part of the engine suite (`make test-engines`, scripts/engines/run.sh), not of the runtime
package. It reads DuckDB, PostgreSQL and Spark (the Parquet files of its warehouse) and exits 1
naming every mart, key and column that differs:

    .venv/bin/python scripts/engines/compare.py --manifest target/manifest.json \
        --duckdb reference.duckdb [--postgres-target postgres] [--spark-warehouse DIR] \
        [--connector-layout RAW_DIR]

With --connector-layout the engine's build read RAW_DIR, a connector layout of the company the
reference read in the contract layout (cs-metrics generate --layout): the connector rows its
converters add (test mode, deleted, ...; cs_metrics.generate.fivetran) must each be listed
once in fct_data_quality_issues, and are the only difference allowed; the records listed
there are named as the connectors name them (a Zendesk ticket by its number).
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import math
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

MONEY_TOLERANCE = 0.01
RATIO_RELATIVE_TOLERANCE = 1e-9

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Mart:
    """A public mart: where it lives, its key and its columns (name -> contract type)."""

    name: str
    schema: str
    key: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Difference:
    mart: str
    key: tuple[tuple[str, Any], ...]
    column: str | None
    expected: Any
    actual: Any
    problem: str

    def describe(self, expected_engine: str = "duckdb", actual_engine: str = "engine") -> str:
        key = ", ".join(f"{name}={value}" for name, value in self.key)
        if self.column is None:
            return f"{self.mart} [{key}]: {self.problem}"
        return (
            f"{self.mart} [{key}] column {self.column}: {expected_engine}={self.expected!r}"
            f" {actual_engine}={self.actual!r} ({self.problem})"
        )


# ------------------------------------------------------------------ manifest


def _meta(node: Mapping[str, Any]) -> Mapping[str, Any]:
    return (node.get("config") or {}).get("meta") or node.get("meta") or {}


def discover_marts(
    manifest_path: Path, package: str | None = None, exclude_under: Sequence[str] = ()
) -> list[Mart]:
    """Every public model of the project with its primary key, from a dbt manifest.

    package: only the models of this dbt package (e.g. cs_metrics in a host project's
    manifest, which also holds the host's own models).
    exclude_under: leave out the models whose file is under one of these folders.
    """
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    nodes = manifest["nodes"]
    keys: dict[str, tuple[str, ...]] = {}
    unique_columns: dict[str, str] = {}
    for node in nodes.values():
        if node.get("resource_type") != "test" or not node.get("attached_node"):
            continue
        test = node.get("test_metadata") or {}
        kwargs = test.get("kwargs") or {}
        if test.get("name") == "unique_combination_of_columns":
            keys[node["attached_node"]] = tuple(kwargs["combination_of_columns"])
        elif test.get("name") == "unique" and kwargs.get("column_name"):
            unique_columns[node["attached_node"]] = kwargs["column_name"]
    marts = []
    for unique_id, node in sorted(nodes.items()):
        if node.get("resource_type") != "model" or node.get("access") != "public":
            continue
        if package is not None and node.get("package_name") != package:
            continue
        if any(node["original_file_path"].startswith(folder) for folder in exclude_under):
            continue
        key = tuple(_meta(node).get("primary_key") or ()) or keys.get(unique_id)
        if not key and unique_id in unique_columns:
            key = (unique_columns[unique_id],)
        if not key:
            raise ValueError(
                f"public model {node['name']} has no primary key: add meta: {{primary_key:"
                " [...]}} or a unique / unique_combination_of_columns test"
            )
        # a column recording when a run happened (meta: {engine_compare: false}) differs
        # between engines by design
        columns = tuple(
            (name.lower(), str(column.get("data_type") or ""))
            for name, column in node.get("columns", {}).items()
            if (column.get("meta") or (column.get("config") or {}).get("meta") or {}).get(
                "engine_compare", True
            )
        )
        marts.append(Mart(node.get("alias") or node["name"], node["schema"], key, columns))
    return marts


# ------------------------------------------------------------------ values

_DECIMAL = re.compile(r"^\s*(?:decimal|numeric)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)\s*$", re.I)
_FLOAT = {"double", "double precision", "float", "float4", "float8", "real"}


def column_tolerance(data_type: str) -> tuple[str, float]:
    """(kind, tolerance) of a contract type: ('money', 0.01), ('ratio', ulp) or ('exact', 0)."""
    match = _DECIMAL.match(data_type or "")
    if match:
        scale = int(match.group(2) or 0)
        if scale <= 6:
            return "money", MONEY_TOLERANCE
        return "ratio", 10.0**-scale
    if (data_type or "").strip().lower() in _FLOAT:
        return "ratio", 0.0
    return "exact", 0.0


def _normalise(value: Any) -> Any:
    """Engine-neutral form of an exact value (Decimal 5 and int 5 are the same integer)."""
    if isinstance(value, decimal.Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def values_match(kind: str, tolerance: float, expected: Any, actual: Any) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if kind == "money":
        return abs(float(expected) - float(actual)) <= tolerance + 1e-12
    if kind == "ratio":
        a, b = float(expected), float(actual)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        allowed = max(RATIO_RELATIVE_TOLERANCE * max(abs(a), abs(b)), tolerance)
        return abs(a - b) <= allowed * (1 + 1e-9)
    return _normalise(expected) == _normalise(actual)


# ------------------------------------------------------------------ rows


def _rows(frame: pa.Table | Sequence[Row]) -> list[dict[str, Any]]:
    rows = frame.to_pylist() if isinstance(frame, pa.Table) else frame
    return [{str(k).lower(): v for k, v in row.items()} for row in rows]


def _index(
    mart: Mart, rows: Iterable[Row], side: str, differences: list[Difference]
) -> dict[tuple, dict]:
    indexed: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(_normalise(row.get(column)) for column in mart.key)
        if key in indexed:
            differences.append(
                Difference(
                    mart.name,
                    tuple(zip(mart.key, key, strict=True)),
                    None,
                    None,
                    None,
                    f"duplicate key on {side}",
                )
            )
        indexed[key] = row
    return indexed


def compare_mart(
    mart: Mart,
    expected: pa.Table | Sequence[Row],
    actual: pa.Table | Sequence[Row],
    actual_engine: str = "engine",
    exact: bool = False,
) -> list[Difference]:
    """Every difference between the expected (DuckDB) and actual rows of one mart.

    exact: every value must be equal (no tolerance), for two builds on one engine.
    """
    differences: list[Difference] = []
    expected_rows = _index(mart, _rows(expected), "duckdb", differences)
    actual_rows = _index(mart, _rows(actual), actual_engine, differences)
    kinds = {
        name: ("exact", 0.0) if exact else column_tolerance(data_type)
        for name, data_type in mart.columns
    }
    for key in sorted(set(expected_rows) | set(actual_rows), key=repr):
        labelled = tuple(zip(mart.key, key, strict=True))
        if key not in actual_rows:
            differences.append(
                Difference(mart.name, labelled, None, None, None, f"row missing on {actual_engine}")
            )
            continue
        if key not in expected_rows:
            differences.append(
                Difference(mart.name, labelled, None, None, None, f"row only on {actual_engine}")
            )
            continue
        left, right = expected_rows[key], actual_rows[key]
        for column, (kind, tolerance) in kinds.items():
            if column not in left or column not in right:
                missing_on = "duckdb" if column not in left else actual_engine
                differences.append(
                    Difference(
                        mart.name, labelled, column, None, None, f"column missing on {missing_on}"
                    )
                )
                continue
            if not values_match(kind, tolerance, left[column], right[column]):
                if (left[column] is None) != (right[column] is None):
                    problem = "null mismatch"
                elif kind == "money":
                    problem = f"money differs by more than {tolerance:g}"
                else:
                    problem = f"{kind} differs"
                differences.append(
                    Difference(mart.name, labelled, column, left[column], right[column], problem)
                )
    return differences


# ------------------------------------------------------------------ connector layouts

QUALITY_MART = "fct_data_quality_issues"
QUALITY_KEY = ("source_table", "record_id", "issue_type")


def layout_converters_of(raw_dir: Path) -> list[Any]:
    """The converters of a generated connector layout: the presets its marker's vars select
    (<domain>_source; cs_metrics.generate.fivetran.registry)."""
    from cs_metrics.generate.core import MARKER
    from cs_metrics.generate.fivetran.registry import CONVERTERS

    marker = json.loads((Path(raw_dir) / MARKER).read_text(encoding="utf-8"))
    selected = {
        value for name, value in (marker.get("vars") or {}).items() if name.endswith("_source")
    }
    return [converter for name, converter in CONVERTERS.items() if name in selected]


def connector_rows(raw_dir: Path) -> set[tuple[str, str, str]]:
    """The rows only the connectors of a generated connector layout have (test mode, deleted,
    ...), as their presets list them in fct_data_quality_issues: (source_table, record_id,
    issue_type)."""
    return {row for converter in layout_converters_of(raw_dir) for row in converter.extra_rows()}


def layout_extra_rows(layout: str, crm: str | None = None) -> set[tuple[str, str, str]]:
    """The connector rows a layout's converters add, as its build lists them."""
    from cs_metrics.generate.fivetran.registry import layout_converters

    return {row for c in layout_converters(layout, crm) for row in c.extra_rows()}


def named_by_the_connectors(issues: pa.Table, converters: Sequence[Any]) -> pa.Table:
    """A contract build's fct_data_quality_issues with each record named as the connectors
    of a layout name it (each converter's `record_id`: a Zendesk ticket by its number)."""
    names = []
    for table, record in zip(
        issues.column("source_table").to_pylist(),
        issues.column("record_id").to_pylist(),
        strict=True,
    ):
        for converter in converters:
            record = converter.record_id(table, record)
        names.append(record)
    index = issues.schema.get_field_index("record_id")
    return issues.set_column(index, "record_id", pa.array(names, issues.schema.field(index).type))


def split_connector_rows(
    differences: Iterable[Difference], engine: str
) -> tuple[list[Difference], set[tuple[str, str, str]]]:
    """(the other differences, the (source_table, record_id, issue_type) of the rows only on
    `engine` in fct_data_quality_issues): a build from a connector layout lists the connector
    rows the contract cannot hold (registry `extra_rows`), which the contract build does not
    have."""
    others, listed = [], set()
    for difference in differences:
        key = dict(difference.key)
        if (
            difference.mart == QUALITY_MART
            and difference.column is None
            and difference.problem == f"row only on {engine}"
        ):
            listed.add(tuple(key[column] for column in QUALITY_KEY))
        else:
            others.append(difference)
    return others, listed


# ------------------------------------------------------------------ readers


def read_duckdb(path: Path, mart: Mart) -> pa.Table:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.sql(f'select * from "{mart.schema}"."{mart.name}"').to_arrow_table()


def read_postgres(connection: Any, mart: Mart) -> list[dict[str, Any]]:
    from psycopg2 import sql

    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("select * from {}").format(sql.Identifier(mart.schema, mart.name)))
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_spark_warehouse(warehouse: Path, mart: Mart) -> pa.Table:
    """A Spark managed table read from its Parquet files: <warehouse>/<schema>.db/<table>."""
    import pyarrow.parquet as pq

    location = Path(warehouse) / f"{mart.schema}.db" / mart.name
    if not location.is_dir():
        raise FileNotFoundError(f"no Spark table files for {mart.schema}.{mart.name} at {location}")
    table = pq.read_table(location)
    # a partitioned table (the month-window marts: month_start=<date>/ folders) gives its
    # partition column from the folder names, as dictionary-encoded text: back to its type
    types = dict(mart.columns)
    for index, field in enumerate(table.schema):
        is_text = pa.types.is_dictionary(field.type) or pa.types.is_string(field.type)
        if is_text and types.get(field.name, "").lower() == "date":
            column = table.column(index).cast(pa.string()).cast(pa.date32())
            table = table.set_column(index, pa.field(field.name, pa.date32()), column)
    return table


# ------------------------------------------------------------------ command


def compare_engine(
    marts: Sequence[Mart],
    reference: Path,
    engine: str,
    read: Any,
    max_listed: int = 20,
    connector_layout: Path | None = None,
) -> int:
    """Compare every mart of one engine with the DuckDB reference; prints, returns #differences.

    connector_layout: the engine built this generated connector layout (the reference the
    contract layout of the same company): the connector rows it lists in
    fct_data_quality_issues are expected there, and only they; the reference's records are
    named there as the connectors name them.
    """
    converters = layout_converters_of(connector_layout) if connector_layout else []
    expected_rows = connector_rows(connector_layout) if connector_layout else set()
    total = 0
    for mart in marts:
        expected = read_duckdb(reference, mart)
        if converters and mart.name == QUALITY_MART:
            expected = named_by_the_connectors(expected, converters)
        rows = expected.num_rows
        try:
            differences = compare_mart(mart, expected, read(mart), engine)
        except Exception as exc:  # a mart that is missing or unreadable on the engine
            differences = [
                Difference(mart.name, (), None, None, None, f"cannot read on {engine}: {exc}")
            ]
        if connector_layout and mart.name == QUALITY_MART:
            differences, listed = split_connector_rows(differences, engine)
            differences += [
                Difference(mart.name, (("row", row),), None, None, None, problem)
                for rows_of, problem in (
                    (expected_rows - listed, f"connector row not listed on {engine}"),
                    (listed - expected_rows, f"row only on {engine}"),
                )
                for row in sorted(rows_of)
            ]
        status = "same" if not differences else f"{len(differences)} difference(s)"
        print(f"  {engine:<8} {mart.schema}.{mart.name:<32} {rows:>7} rows  {status}")
        for difference in differences[:max_listed]:
            print(f"      {difference.describe('duckdb', engine)}")
        if len(differences) > max_listed:
            print(f"      ... and {len(differences) - max_listed} more")
        total += len(differences)
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/engines/compare.py",
        description="Compare the public marts of PostgreSQL and/or Spark with a DuckDB build.",
    )
    parser.add_argument("--manifest", type=Path, required=True, help="manifest.json of a build")
    parser.add_argument("--duckdb", type=Path, required=True, help="the reference DuckDB file")
    parser.add_argument("--postgres-target", help="dbt target to read PostgreSQL marts from")
    parser.add_argument("--spark-warehouse", type=Path, help="spark.sql.warehouse.dir of a build")
    parser.add_argument("--profiles-dir", type=Path, default=Path("profiles"))
    parser.add_argument(
        "--connector-layout",
        type=Path,
        help="the engine built this raw directory of `cs-metrics generate --layout ...` (the"
        " reference its contract layout): its connector rows listed are expected",
    )
    parser.add_argument(
        "--exclude-under",
        action="append",
        default=[],
        metavar="FOLDER",
        help="leave out the marts under this folder (e.g. the month-close record, which a"
        " full rebuild cannot equal by design); repeatable",
    )
    args = parser.parse_args(argv)

    marts = discover_marts(args.manifest, exclude_under=args.exclude_under)
    print(f"comparing {len(marts)} public marts with DuckDB ({args.duckdb})")
    differences = 0
    if args.postgres_target:
        from cs_metrics.project import connect_postgres, read_target

        connection = connect_postgres(read_target(args.profiles_dir, args.postgres_target))
        try:
            differences += compare_engine(
                marts,
                args.duckdb,
                "postgres",
                lambda mart: read_postgres(connection, mart),
                connector_layout=args.connector_layout,
            )
        finally:
            connection.close()
    if args.spark_warehouse:
        differences += compare_engine(
            marts,
            args.duckdb,
            "spark",
            lambda mart: read_spark_warehouse(args.spark_warehouse, mart),
            connector_layout=args.connector_layout,
        )
    if differences:
        print(f"FAILED: {differences} difference(s) between engines (listed above)")
        return 1
    print("every public mart is the same on every engine")
    return 0


if __name__ == "__main__":
    sys.exit(main())
