"""Which files to load: every raw table (the contract's, or those of the connector presets a
directory is laid out for), checked against the contract first.

A table delivered as CSV (`<table>.csv`, cs_metrics.rawfiles) is first written as Parquet with
the contract's types into `workdir`, and loaded from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from cs_metrics.contract import TABLES, Column, Table
from cs_metrics.project import ProjectError
from cs_metrics.rawfiles import csv_to_parquet, is_csv
from cs_metrics.validate import table_path, validate_raw_dir


class LoadError(ProjectError):
    """A problem the user has to fix before loading (shown without a traceback)."""


@dataclass(frozen=True)
class TableFile:
    """One raw table to load: its contract, its file and the columns that file has."""

    table: Table
    path: Path
    schema: str
    rows: int
    # contract columns present in the file, in contract order, with the file's spelling
    columns: tuple[tuple[Column, str], ...]

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.table.name}"


def plan_load(
    raw_dir: Path,
    schemas: dict[str, str],
    workdir: Path | None = None,
    tables: Sequence[Table] = TABLES,
) -> list[TableFile]:
    """The tables of raw_dir to load; raises LoadError naming every contract problem.

    workdir: where CSV tables are written as Parquet (required when raw_dir holds CSV).
    tables: the raw tables (default: the contract's; cs_metrics.presets.raw_tables for a
    connector layout, whose tables load into the schema of their connector).
    """
    raw_dir = Path(raw_dir)
    problems = validate_raw_dir(raw_dir, tables)
    if problems:
        raise LoadError(
            "the raw data does not follow the raw input contract, nothing was loaded:\n"
            + "\n".join(f"  - {problem}" for problem in problems)
            + "\nFix the export (see docs/raw-contract.md) and run the load again."
        )
    plan = []
    for table in tables:
        path = table_path(raw_dir, table)
        if is_csv(path):
            if workdir is None:
                raise LoadError(f"{path} is CSV: a working folder is needed to load it.")
            try:
                path = csv_to_parquet(path, table, workdir / table.source / f"{table.name}.parquet")
            except ValueError as exc:
                raise LoadError(f"{exc} Nothing was loaded.") from exc
        metadata = pq.read_metadata(path)
        present = {name.lower(): name for name in metadata.schema.to_arrow_schema().names}
        columns = tuple(
            (column, present[column.name.lower()])
            for column in table.columns
            if column.name.lower() in present
        )
        plan.append(TableFile(table, path, schemas[table.source], metadata.num_rows, columns))
    return plan
