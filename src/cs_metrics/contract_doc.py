"""Render the column tables of `docs/raw-contract.md` from the contract (the sources YAML).

The raw contract is the dbt sources YAML (`models/staging/<source>/_<source>__sources.yml`),
read by `cs_metrics.contract`. The doc's prose is written by hand; each table's block between

    <!-- BEGIN GENERATED: <source>.<table> -->
    <!-- END GENERATED: <source>.<table> -->

is rendered here: the table's description from the YAML, then one row per column (type,
required or optional, nulls, rules, description) and the checks that involve several columns
or rows. `tests/unit/test_contract_sync.py` checks that the committed doc equals its
rendering.

    .venv/bin/python scripts/render_raw_contract_doc.py          # rewrite the blocks
    .venv/bin/python scripts/render_raw_contract_doc.py --check  # exit 1 when out of date
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from cs_metrics.contract import (
    CODE_PATTERNS,
    ROOT,
    TABLES,
    Column,
    Table,
    load_sources,
    yaml_type,
)
from cs_metrics.validate import WARNING, rule_level, table_rules

DOC = Path("docs/raw-contract.md")
BLOCK = re.compile(
    r"<!-- BEGIN GENERATED: (?P<key>[a-z_]+\.[a-z_]+) -->\n(?P<body>.*?)"
    r"<!-- END GENERATED: (?P=key) -->",
    re.S,
)


class ContractDocError(Exception):
    """The doc cannot be rendered (a table without its block, an unknown block)."""


def _text(value: str | None) -> str:
    return " ".join((value or "").split()).replace("|", "\\|")


def _rules(table: Table, column: Column) -> str:
    """The contract's rules of a column, in words (warnings marked)."""
    rules = []

    def add(rule: str, words: str) -> None:
        warning = rule_level(table.key, f"{column.name}.{rule}") == WARNING
        rules.append(words + (" (warning)" if warning else ""))

    if column.values:
        add("in_set", "one of " + ", ".join(f"`{v}`" for v in column.values))
    if column.minimum is not None and column.maximum is not None:
        add("range", f"{_n(column.minimum)} to {_n(column.maximum)}")
    elif column.minimum is not None:
        add("range", f"{'>' if column.strict_minimum else '≥'} {_n(column.minimum)}")
    elif column.maximum is not None:
        add("range", f"≤ {_n(column.maximum)}")
    if column.code:
        add("code_format", f"{column.code} (`{CODE_PATTERNS[column.code]}`)")
    if column.not_future:
        add("not_after_as_of", "not after the as-of date")
    if column.references:
        source, name, key = column.references.split(".")
        rules.append(f"→ `{source}.{name}.{key}` (warning)")
    return "; ".join(rules)


def _n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def render_table(table: Table, described: dict[str, Any]) -> str:
    """The generated block of one table."""
    columns = {c["name"]: c for c in described.get("columns", [])}
    lines = [
        f"### `{table.name}`",
        "",
        _text(described.get("description")),
        "",
        "| column | type | required | null | rules | description |",
        "|---|---|---|---|---|---|",
    ]
    for column in table.columns:
        yaml_column = columns.get(column.name, {})
        lines.append(
            f"| `{column.name}` | {yaml_type(column.type)}"
            f" | {'required' if column.required else 'optional'}"
            f" | {'allowed' if column.nullable else 'no'}"
            f" | {_rules(table, column)} | {_text(yaml_column.get('description'))} |"
        )
    rules = table_rules(table)
    if rules:
        lines.append("")
        lines.append(
            "Also checked: "
            + "; ".join(
                _text(check.description.split(" (derived__")[0])
                + (" (warning)" if check.level == WARNING else "")
                for check in rules
            )
            + "."
        )
    return "\n".join(lines) + "\n"


def render(doc: str, sources: dict[str, dict[str, Any]] | None = None) -> str:
    """The doc with every generated block rendered again."""
    sources = sources if sources is not None else load_sources()
    by_key = {t.key: t for t in TABLES}
    found = [m.group("key") for m in BLOCK.finditer(doc)]
    unknown = sorted(set(found) - set(by_key))
    missing = [key for key in by_key if key not in found]
    if unknown or missing:
        raise ContractDocError(
            f"{DOC}: blocks for unknown tables {unknown}, tables without a block {missing};"
            " add `<!-- BEGIN GENERATED: <source>.<table> -->` and"
            " `<!-- END GENERATED: <source>.<table> -->` lines for each contract table."
        )

    def replace(match: re.Match[str]) -> str:
        key = match.group("key")
        body = render_table(by_key[key], sources.get(key, {}))
        return f"<!-- BEGIN GENERATED: {key} -->\n{body}<!-- END GENERATED: {key} -->"

    return BLOCK.sub(replace, doc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the doc is stale")
    args = parser.parse_args(argv)
    path = ROOT / DOC
    current = path.read_text(encoding="utf-8")
    try:
        rendered = render(current)
    except ContractDocError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.check:
        if rendered != current:
            print(
                f"{DOC} is out of date: run .venv/bin/python scripts/render_raw_contract_doc.py",
                file=sys.stderr,
            )
            return 1
        print(f"{DOC} is up to date")
        return 0
    if rendered != current:
        path.write_text(rendered, encoding="utf-8")
        print(f"rewrote the column tables of {DOC}")
    else:
        print(f"{DOC} is up to date")
    return 0
