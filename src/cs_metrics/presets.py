"""Connector presets on the Python side: which input each domain reads, and its raw tables.

The list of input domains and the presets built for them lives in the dbt project, in the
macro `input_presets()` (macros/presets.sql); `input_domains` renders that macro, so a preset
is declared once. The tables and columns a preset reads are its connector's sources YAML,
`models/connectors/<connector>/_<connector>__sources.yml` (`connector_tables`), the same file
dbt's on-run-start check reads. `raw_tables` gives `cs-metrics validate` the tables to check
for a choice of presets: the contract tables no preset replaces, plus each selected
connector's tables.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pyarrow as pa
import yaml

from cs_metrics import contract
from cs_metrics.contract import Column, Table
from cs_metrics.rawfiles import table_file

CONTRACT = "contract"

# sources YAML data_type -> the Arrow type of its contract family
_TYPES: dict[str, pa.DataType] = {
    "text": contract.TEXT,
    "json": contract.TEXT,  # JSON arrives as text (Parquet) or json/jsonb (warehouses)
    "integer": contract.INT,
    "boolean": contract.BOOL,
    "timestamp": contract.TS,
    "date": contract.DATE,
}


class PresetError(ValueError):
    """An unknown domain or preset (the message says what is allowed)."""


@dataclass(frozen=True)
class Domain:
    """An input domain (macros/presets.sql): its contract source and presets."""

    name: str
    source: str
    presets: tuple[str, ...]
    planned: tuple[str, ...]
    contract_only: tuple[str, ...]

    @property
    def var(self) -> str:
        """The dbt var that picks the domain's input."""
        return f"{self.name}_source"

    @property
    def replaced_tables(self) -> tuple[str, ...]:
        """Contract tables ("<source>.<table>") a preset of this domain replaces."""
        return tuple(
            t.key
            for t in contract.TABLES
            if t.source == self.source and t.name not in self.contract_only
        )


class _Returned(Exception):
    def __init__(self, value: Any) -> None:
        super().__init__("returned")
        self.value = value


def _return(value: Any) -> None:
    raise _Returned(value)


def input_domains(project_dir: Path) -> dict[str, Domain]:
    """The input domains declared by the dbt macro input_presets() (macros/presets.sql)."""
    text = (Path(project_dir) / "macros" / "presets.sql").read_text(encoding="utf-8")
    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    env.globals["return"] = _return
    try:
        env.from_string(text).module.input_presets()  # type: ignore[attr-defined]
    except _Returned as returned:
        spec = returned.value
    else:  # pragma: no cover - the macro always returns
        raise PresetError("macros/presets.sql: input_presets() returned nothing")
    return {
        name: Domain(
            name=name,
            source=item["source"],
            presets=tuple(item["presets"]),
            planned=tuple(item["planned"]),
            contract_only=tuple(item["contract_only"]),
        )
        for name, item in spec.items()
    }


def check_choice(domains: Mapping[str, Domain], chosen: Mapping[str, str]) -> dict[str, str]:
    """{domain: preset} for every domain (contract unless chosen); fails on unknown values."""
    result = {}
    for name, domain in domains.items():
        value = str(chosen.get(name, CONTRACT)).strip().lower()
        allowed = (CONTRACT, *domain.presets)
        if value not in allowed:
            later = f" ({value} is planned but not built yet)" if value in domain.planned else ""
            raise PresetError(
                f"{domain.var} = {value!r} is not an input{later}; allowed: {', '.join(allowed)}"
            )
        result[name] = value
    unknown = sorted(set(chosen) - set(domains))
    if unknown:
        raise PresetError(f"unknown domain(s) {', '.join(unknown)}; domains: {', '.join(domains)}")
    return result


def choose_presets(
    project_dir: Path, raw_dir: Path | None, named: Mapping[str, str]
) -> dict[str, str]:
    """{domain: preset} for every domain: the presets named (--preset), else those a raw
    directory is laid out for (detect_presets), else the contract; fails on unknown values."""
    chosen = detect_presets(raw_dir, project_dir) if raw_dir is not None else {}
    chosen.update(named)
    return check_choice(input_domains(project_dir), chosen)


def _data_type(data_type: str) -> pa.DataType:
    base = data_type.lower().split("(")[0].strip()
    if base in ("decimal", "numeric"):
        numbers = [int(n) for n in re.findall(r"\d+", data_type)] or [18, 4]
        return pa.decimal128(*numbers[:2]) if len(numbers) > 1 else pa.decimal128(numbers[0], 0)
    if base not in _TYPES:
        raise PresetError(f"unsupported data_type {data_type!r} in a connector sources YAML")
    return _TYPES[base]


def _required(node: Mapping[str, Any]) -> bool:
    meta = (node.get("config") or {}).get("meta") or node.get("meta") or {}
    return meta.get("required", True) not in (False, "false")


def sources_yaml(project_dir: Path, connector: str) -> Path:
    """The sources YAML of a connector preset."""
    return Path(project_dir) / "models" / "connectors" / connector / f"_{connector}__sources.yml"


def connector_tables(project_dir: Path, connector: str) -> tuple[Table, ...]:
    """Every table and column a connector preset reads, from its sources YAML.

    Columns keep their YAML data_type's family (json counts as text) and required status
    (meta: {required: false}); all may hold nulls.
    """
    document = yaml.safe_load(sources_yaml(project_dir, connector).read_text(encoding="utf-8"))
    tables = []
    for source in document["sources"]:
        for table in source["tables"]:
            columns = tuple(
                Column(
                    column["name"],
                    _data_type(str(column["data_type"])),
                    nullable=True,
                    required=_required(column),
                )
                for column in table.get("columns", [])
            )
            tables.append(Table(source["name"], table["name"], columns))
    return tuple(tables)


def raw_tables(project_dir: Path, presets: Mapping[str, str]) -> tuple[Table, ...]:
    """The raw tables to check for a choice of presets ({domain: preset}).

    The contract tables no selected preset replaces, then the selected connectors' tables.
    """
    domains = input_domains(project_dir)
    chosen = check_choice(domains, presets)
    replaced: set[str] = set()
    connectors: list[str] = []
    for name, preset in chosen.items():
        if preset != CONTRACT:
            replaced.update(domains[name].replaced_tables)
            connectors.append(preset)
    tables = [t for t in contract.TABLES if t.key not in replaced]
    for connector in connectors:
        tables.extend(connector_tables(project_dir, connector))
    return tuple(tables)


def detect_presets(raw_dir: Path, project_dir: Path) -> dict[str, str]:
    """The presets a directory of Parquet files is laid out for.

    A domain reads a preset when none of the contract tables a preset replaces is there
    (`<raw_dir>/<source>/<table>.parquet` or `.csv`; the tables that stay with the contract,
    such as crm/nps_responses, may be) and the folder of exactly one of its presets
    (`<raw_dir>/<preset>/`) is; else the contract.
    """
    raw_dir = Path(raw_dir)
    found = {}
    for name, domain in input_domains(project_dir).items():
        present = [p for p in domain.presets if (raw_dir / p).is_dir()]
        replaced = [contract.BY_KEY[key] for key in domain.replaced_tables]
        has_contract_tables = any(table_file(raw_dir, t).is_file() for t in replaced)
        if not has_contract_tables and len(present) == 1:
            found[name] = present[0]
        else:
            found[name] = CONTRACT
    return found


def preset_option(value: str) -> tuple[str, str]:
    """argparse type of --preset DOMAIN=PRESET (validate, load): (domain, preset)."""
    domain, sep, preset = value.partition("=")
    if not sep or not domain.strip() or not preset.strip():
        raise argparse.ArgumentTypeError(
            f"expected DOMAIN=PRESET (e.g. billing=stripe), got {value!r}"
        )
    return domain.strip().lower(), preset.strip().lower()
