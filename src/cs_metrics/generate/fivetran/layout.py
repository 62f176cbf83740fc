"""Turn a generated contract-layout directory into a connector layout, in place.

    convert_layout(out_dir, "fivetran")               # or crm="hubspot"

For every converter of the layout (`registry.LAYOUTS`), reads the contract tables it converts
from `<out_dir>/<source>/<table>.parquet`, writes its connector tables to
`<out_dir>/<connector>/<table>.parquet` and removes the contract tables it replaced. Called by
`cs_metrics.generate.core.generate(layout=...)` before it writes the demo marker.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow.parquet as pq

from cs_metrics.generate.fivetran.registry import layout_converters
from cs_metrics.generate.writer import COMPRESSION


def convert_layout(out_dir: Path, layout: str, crm: str | None = None) -> dict[str, int]:
    """Convert the contract tables of out_dir to `layout` (its CRM replaced by `crm` when
    given); {"<connector>.<table>": rows}."""
    out_dir = Path(out_dir)
    rows: dict[str, int] = {}
    for converter in layout_converters(layout, crm):
        tables = {}
        for key in converter.reads:
            source, name = key.split(".")
            tables[key] = pq.read_table(out_dir / source / f"{name}.parquet")
        converted = converter.convert(tables)
        folder = out_dir / converter.connector
        folder.mkdir(parents=True, exist_ok=True)
        for name, table in converted.items():
            path = folder / f"{name}.parquet"
            tmp = path.with_suffix(".parquet.tmp")
            pq.write_table(table, tmp, compression=COMPRESSION)
            os.replace(tmp, path)
            rows[f"{converter.connector}.{name}"] = table.num_rows
        for key in converter.reads:
            source, name = key.split(".")
            (out_dir / source / f"{name}.parquet").unlink()
            if not any((out_dir / source).iterdir()):
                (out_dir / source).rmdir()
    return rows
