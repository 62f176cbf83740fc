"""One raw contract: the sources YAML, read by cs_metrics.contract, and the doc rendered from it.

The contract is read from the YAML (column rules in `config.meta`, checked on a hand-written
YAML here); the doc's column tables are rendered from it (scripts/render_raw_contract_doc.py)
and the committed doc must equal its rendering.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pyarrow as pa
import pytest

from cs_metrics import contract
from cs_metrics.contract_doc import (
    DOC,
    ROOT,
    ContractDocError,
    load_sources,
    render,
)


@pytest.fixture(scope="module")
def sources() -> dict:
    return load_sources()


def test_every_yaml_column_is_described(sources: dict) -> None:
    for key, table in sources.items():
        for column in table["columns"]:
            assert (column.get("description") or "").strip(), f"{key}.{column['name']}"


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


def _root(tmp_path: Path, crm: str) -> Path:
    """A project whose crm sources YAML is `crm` (the other sources hold no table)."""
    for source in contract.SOURCES:
        path = contract.sources_path(source, tmp_path)
        path.parent.mkdir(parents=True)
        body = crm if source == "crm" else "sources: []\n"
        path.write_text(textwrap.dedent(body), encoding="utf-8")
    return tmp_path


def test_the_contract_is_read_from_the_yaml(tmp_path: Path) -> None:
    root = _root(
        tmp_path,
        """
        sources:
          - name: crm
            tables:
              - name: users
                config:
                  meta: {unique_key: [user_id]}
                columns:
                  - name: user_id
                    data_type: text
                  - name: role
                    data_type: text
                    config:
                      meta: {nullable: true, values: [csm, ae]}
                  - name: seats
                    data_type: decimal(18,4)
                    config:
                      meta: {required: false, minimum: 0, strict_minimum: true, maximum: 10}
                  - name: seen_at
                    data_type: timestamp
                    config:
                      meta: {not_future: true, references: crm.accounts.account_id}
        """,
    )
    assert contract._tables(root) == (
        contract.Table(
            "crm",
            "users",
            (
                contract.Column("user_id", pa.string()),
                contract.Column("role", pa.string(), nullable=True, values=("csm", "ae")),
                contract.Column(
                    "seats",
                    pa.decimal128(18, 4),
                    required=False,
                    minimum=0,
                    maximum=10,
                    strict_minimum=True,
                ),
                contract.Column(
                    "seen_at",
                    pa.timestamp("us"),
                    not_future=True,
                    references="crm.accounts.account_id",
                ),
            ),
            ("user_id",),
        ),
    )


@pytest.mark.parametrize(
    ("column", "message"),
    [
        (
            "{name: a, data_type: text, config: {meta: {nulable: true}}}",
            "crm.t.a: unknown .*nulable",
        ),
        ("{name: a, data_type: varchar}", "unknown contract data_type 'varchar'"),
    ],
)
def test_a_mistyped_contract_is_an_error(tmp_path: Path, column: str, message: str) -> None:
    root = _root(
        tmp_path,
        f"""
        sources:
          - name: crm
            tables:
              - name: t
                columns: [{column}]
        """,
    )
    with pytest.raises(contract.ContractError, match=message):
        contract._tables(root)
