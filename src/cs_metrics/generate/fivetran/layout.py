"""Turn a generated contract-layout directory into a connector layout, in place.

    convert_layout(out_dir, "fivetran")               # or crm="hubspot"

For every converter of the layout (`registry.LAYOUTS`), reads the contract tables it converts
from `<out_dir>/<source>/<table>.parquet` (whole, or as a ParquetFile read row group by row
group for the tables it streams), writes its connector tables to
`<out_dir>/<connector>/<table>.parquet` (a table given as `Chunks` one row group per chunk, so
the largest tables are never held whole) and removes the contract tables it replaced. Called by
`cs_metrics.generate.core.generate(layout=...)` before it writes the demo marker.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from cs_metrics.generate.fivetran.arrow import Chunks
from cs_metrics.generate.fivetran.registry import layout_converters
from cs_metrics.generate.writer import COMPRESSION


def convert_layout(out_dir: Path, layout: str, crm: str | None = None) -> dict[str, int]:
    """Convert the contract tables of out_dir to `layout` (its CRM replaced by `crm` when
    given); {"<connector>.<table>": rows}."""
    out_dir = Path(out_dir)
    rows: dict[str, int] = {}
    for converter in layout_converters(layout, crm):
        tables: dict[str, pa.Table | pq.ParquetFile] = {}
        for key in converter.reads:
            source, name = key.split(".")
            path = out_dir / source / f"{name}.parquet"
            tables[key] = pq.ParquetFile(path) if key in converter.streamed else pq.read_table(path)
        try:
            folder = out_dir / converter.connector
            folder.mkdir(parents=True, exist_ok=True)
            for name, table in converter.convert(tables).items():
                rows[f"{converter.connector}.{name}"] = _write(folder / f"{name}.parquet", table)
        finally:
            for table in tables.values():
                if isinstance(table, pq.ParquetFile):
                    table.close()
        for key in converter.reads:
            source, name = key.split(".")
            (out_dir / source / f"{name}.parquet").unlink()
            if not any((out_dir / source).iterdir()):
                (out_dir / source).rmdir()
    return rows


def _write(path: Path, table: pa.Table | Chunks) -> int:
    """Write a table (or its chunks, one row group each) atomically; returns its row count."""
    tmp = path.with_suffix(".parquet.tmp")
    if isinstance(table, pa.Table):
        pq.write_table(table, tmp, compression=COMPRESSION)
        os.replace(tmp, path)
        return table.num_rows
    written = 0
    with pq.ParquetWriter(tmp, table.schema, compression=COMPRESSION) as writer:
        for chunk in table.tables:
            if chunk.schema != table.schema:
                raise TypeError(f"{path.name}: chunk schema {chunk.schema} != {table.schema}")
            if chunk.num_rows:
                writer.write_table(chunk, row_group_size=chunk.num_rows)
                written += chunk.num_rows
    os.replace(tmp, path)
    return written
