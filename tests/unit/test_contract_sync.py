"""One raw contract: contract.py, the sources YAML and docs/raw-contract.md agree.

contract.py and the YAML must list the same tables and columns (same order), with the same
type and required/optional status; the doc's column tables are rendered from both
(scripts/render_raw_contract_doc.py) and the committed doc must equal its rendering.
"""

from __future__ import annotations

import re

import pytest

from cs_metrics import contract
from cs_metrics.contract_doc import (
    DOC,
    ROOT,
    ContractDocError,
    is_required,
    load_sources,
    render,
    yaml_type,
)


@pytest.fixture(scope="module")
def sources() -> dict:
    return load_sources()


def test_yaml_has_exactly_the_contract_tables(sources: dict) -> None:
    assert list(sources) == [table.key for table in contract.TABLES]


@pytest.mark.parametrize("table", contract.TABLES, ids=lambda t: t.key)
def test_yaml_columns_match_the_contract(sources: dict, table: contract.Table) -> None:
    described = sources[table.key]
    assert [c["name"] for c in described["columns"]] == [c.name for c in table.columns]
    for column, yaml_column in zip(table.columns, described["columns"], strict=True):
        where = f"{table.key}.{column.name}"
        assert yaml_column.get("data_type") == yaml_type(column.type), where
        assert is_required(yaml_column) == column.required, where
        assert (yaml_column.get("description") or "").strip(), f"{where}: no description"


def test_committed_doc_equals_its_rendering() -> None:
    current = (ROOT / DOC).read_text(encoding="utf-8")
    assert render(current) == current, (
        f"{DOC} is out of date: run .venv/bin/python scripts/render_raw_contract_doc.py"
    )


def test_doc_lists_every_column_with_its_required_status() -> None:
    doc = (ROOT / DOC).read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| [^|]+ \| (required|optional) \|", doc, re.M))
    for table in contract.TABLES:
        block = doc.split(f"<!-- BEGIN GENERATED: {table.key} -->")[1].split("<!-- END")[0]
        listed = re.findall(r"^\| `([a-z_]+)` \| [^|]+ \| (required|optional) \|", block, re.M)
        assert listed == [
            (c.name, "required" if c.required else "optional") for c in table.columns
        ], table.key
    assert rows  # the pattern matches the rendered tables


def test_a_table_without_its_block_is_an_error(sources: dict) -> None:
    doc = (ROOT / DOC).read_text(encoding="utf-8")
    broken = re.sub(
        r"<!-- BEGIN GENERATED: support\.tickets -->.*?<!-- END GENERATED: support\.tickets -->",
        "",
        doc,
        flags=re.S,
    )
    with pytest.raises(ContractDocError, match=r"support\.tickets"):
        render(broken, sources)


def test_optional_columns_are_marked_in_the_yaml(sources: dict) -> None:
    optional = {
        f"{key}.{c['name']}"
        for key, table in sources.items()
        for c in table["columns"]
        if not is_required(c)
    }
    assert optional == {
        f"{t.key}.{c.name}" for t in contract.TABLES for c in t.columns if not c.required
    }
