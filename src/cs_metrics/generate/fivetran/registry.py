"""Converters from the contract layout to connector layouts, and the layouts built from them.

A *converter* turns the contract tables of one input domain into the tables a connector writes
(Fivetran's table and column names), so `cs-metrics generate --layout fivetran` writes the same
demo company as the connector presets of the dbt project read it (docs/presets/README.md):

    Converter(connector="stripe", domain="billing", reads=("billing.customers", ...),
              convert=stripe.convert)

`convert` receives the contract tables it reads, as Arrow tables keyed "<source>.<table>"
(the ones in `streamed`, too large to hold, as `pyarrow.parquet.ParquetFile`s to read row
group by row group), and returns the connector's tables keyed by table name (a table too
large to hold as `arrow.Chunks`, written one row group per chunk); they are written to
`<out>/<connector>/<table>.parquet` and the contract tables it read are removed from the
layout. Domains without a converter keep their contract tables, as do NPS (crm.nps_responses)
and FX (finance.fx_rates), which no connector carries.

To add a connector: write `<connector>.py` with a `convert` function, register it in
`CONVERTERS`, add it to the layouts in `LAYOUTS` (a CRM may instead be chosen in place of a
layout's own with `crm=`: `cs-metrics generate --layout fivetran --crm hubspot`), and add
its case to `tests/integration/test_layouts.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pyarrow as pa

from cs_metrics.generate.fivetran import hubspot, salesforce, segment, stripe, zendesk
from cs_metrics.generate.fivetran.arrow import Chunks

Tables = Mapping[str, pa.Table]


def _same_record_id(source_table: str, record_id: str) -> str:
    return record_id


@dataclass(frozen=True)
class Converter:
    """Contract tables of one domain -> the tables of one connector."""

    connector: str  # the dbt preset and the folder <out>/<connector>/
    domain: str  # the input domain (macros/presets.sql) whose var <domain>_source selects it
    reads: tuple[str, ...]  # contract tables converted ("<source>.<table>")
    convert: Callable[[Tables], dict[str, pa.Table | Chunks]]
    # connector rows with no contract counterpart (test mode, deleted, ...) the converter adds,
    # as the preset lists them in fct_data_quality_issues: (source_table, record_id, issue_type)
    extra_rows: Callable[[], tuple[tuple[str, str, str], ...]] = tuple
    # dbt vars besides <domain>_source the converted tables need, as (name, value) pairs
    vars: tuple[tuple[str, str], ...] = ()
    # contract tables handed to convert as a ParquetFile, read row group by row group
    streamed: tuple[str, ...] = ()
    # how the preset names a contract record the connector identifies otherwise (Zendesk
    # ticket ids are numbers): (source_table, contract record_id) -> the record_id it has in
    # fct_data_quality_issues
    record_id: Callable[[str, str], str] = _same_record_id


CONVERTERS: dict[str, Converter] = {
    "stripe": Converter(
        connector="stripe",
        domain="billing",
        reads=tuple(f"billing.{name}" for name in stripe.READS),
        convert=stripe.convert,
        extra_rows=stripe.extra_rows,
    ),
    "salesforce": Converter(
        connector="salesforce",
        domain="crm",
        reads=tuple(f"crm.{name}" for name in salesforce.READS),
        convert=salesforce.convert,
        extra_rows=salesforce.extra_rows,
    ),
    "hubspot": Converter(
        connector="hubspot",
        domain="crm",
        reads=tuple(f"crm.{name}" for name in hubspot.READS),
        convert=hubspot.convert,
        extra_rows=hubspot.extra_rows,
        vars=hubspot.VARS,
    ),
    "zendesk": Converter(
        connector="zendesk",
        domain="support",
        reads=tuple(f"support.{name}" for name in zendesk.READS),
        convert=zendesk.convert,
        extra_rows=zendesk.extra_rows,
        record_id=zendesk.record_id,
    ),
    "segment": Converter(
        connector="segment",
        domain="events",
        reads=tuple(f"product.{name}" for name in segment.READS),
        convert=segment.convert,
        extra_rows=segment.extra_rows,
        streamed=tuple(f"product.{name}" for name in segment.READS),
    ),
}

# The connectors of each layout (a domain missing here keeps its contract tables).
LAYOUTS: dict[str, tuple[str, ...]] = {
    "contract": (),
    "fivetran": ("stripe", "salesforce", "zendesk", "segment"),
}

# The CRM connectors a connector layout's CRM may be swapped for (crm=, --crm).
CRMS: tuple[str, ...] = tuple(name for name, c in CONVERTERS.items() if c.domain == "crm")


def layout_converters(layout: str, crm: str | None = None) -> list[Converter]:
    """The converters of a layout, in registry order; crm replaces the layout's CRM."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; layouts: {', '.join(LAYOUTS)}")
    converters = [CONVERTERS[name] for name in LAYOUTS[layout]]
    if crm is None:
        return converters
    if crm not in CRMS:
        raise ValueError(f"unknown CRM {crm!r}; CRMs: {', '.join(CRMS)}")
    if not any(c.domain == "crm" for c in converters):
        raise ValueError(f"layout {layout!r} has no CRM connector to replace with {crm!r}")
    return [CONVERTERS[crm] if c.domain == "crm" else c for c in converters]


def layout_vars(layout: str, crm: str | None = None) -> dict[str, str]:
    """The dbt vars that select a layout's presets, e.g. {"billing_source": "stripe"}, and
    those its converted tables need."""
    selected: dict[str, str] = {}
    for converter in layout_converters(layout, crm):
        selected[f"{converter.domain}_source"] = converter.connector
        selected.update(converter.vars)
    return selected
