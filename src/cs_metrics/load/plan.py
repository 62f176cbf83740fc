"""Which files to load: every contract table, checked against the contract first."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from cs_metrics.contract import TABLES, Column, Table
from cs_metrics.load.project import LoadError
from cs_metrics.validate.contract import validate_raw_dir


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


def plan_load(raw_dir: Path, schemas: dict[str, str]) -> list[TableFile]:
    """The tables of raw_dir to load; raises LoadError naming every contract problem."""
    raw_dir = Path(raw_dir)
    problems = validate_raw_dir(raw_dir)
    if problems:
        raise LoadError(
            "the raw data does not follow the raw input contract, nothing was loaded:\n"
            + "\n".join(f"  - {problem}" for problem in problems)
            + "\nFix the export (see docs/raw-contract.md) and run the load again."
        )
    plan = []
    for table in TABLES:
        path = raw_dir / table.source / f"{table.name}.parquet"
        metadata = pq.read_metadata(path)
        present = {name.lower(): name for name in metadata.schema.to_arrow_schema().names}
        columns = tuple(
            (column, present[column.name.lower()])
            for column in table.columns
            if column.name.lower() in present
        )
        plan.append(TableFile(table, path, schemas[table.source], metadata.num_rows, columns))
    return plan
