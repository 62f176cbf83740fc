"""The Great Expectations results `cs-metrics validate` wrote (`target/validation/*.json`).

The files' format is documented in `cs_metrics.validate.results` (schema_version 1); this module
only reads them. A missing file is not an error: the report says how to produce it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cs_metrics.validate import SCHEMA_VERSION

# kind -> (file name, the command that writes it)
VALIDATION_FILES = {
    "raw": ("raw.json", "cs-metrics validate DIR  (DIR: the raw Parquet folder, e.g. data/demo)"),
    "marts": ("marts.json", "cs-metrics validate --marts [--target T] [--db PATH]"),
}


@dataclass
class Validation:
    """One results file (raw or marts), or why it cannot be shown."""

    kind: str
    path: Path
    command: str
    document: dict[str, Any] | None = None
    problem: str | None = None  # missing or unreadable: what to run
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def present(self) -> bool:
        return self.document is not None

    @property
    def summary(self) -> dict[str, Any]:
        return (self.document or {}).get("summary") or {}

    @property
    def run(self) -> dict[str, Any]:
        return (self.document or {}).get("run") or {}


def _order(record: dict[str, Any]) -> tuple[bool, bool, str, str]:
    """Failed errors, failed warnings, then passed; by table and rule."""
    return (
        bool(record.get("success")),
        record.get("level") != "error",
        str(record.get("table", "")),
        str(record.get("rule", "")),
    )


def load_validation(directory: Path, kind: str) -> Validation:
    """Read `<directory>/<kind>.json`; a missing or unreadable file is described, not raised."""
    name, command = VALIDATION_FILES[kind]
    path = Path(directory) / name
    found = Validation(kind=kind, path=path, command=command)
    if not path.is_file():
        found.problem = f"{path} not found: run `{command}` to produce it."
        return found
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        found.problem = f"cannot read {path} ({exc}): run `{command}` again."
        return found
    version = document.get("schema_version")
    if version != SCHEMA_VERSION or document.get("kind") != kind:
        found.problem = (
            f"{path} has schema_version {version!r} and kind {document.get('kind')!r}; this"
            f" report reads schema_version {SCHEMA_VERSION}, kind {kind!r}: run `{command}`"
            " again."
        )
        return found
    found.document = document
    found.results = sorted(document.get("results") or [], key=_order)
    return found


def format_examples(record: dict[str, Any], limit: int = 3) -> str:
    """The first unexpected rows as `key=value` text (schema checks: the value observed)."""
    examples = record.get("examples") or []
    if not examples and record.get("observed_value") is not None:
        return f"observed: {record['observed_value']}"
    parts = []
    for example in examples[:limit]:
        if isinstance(example, dict):
            parts.append(" ".join(f"{key}={value}" for key, value in example.items()))
        else:
            parts.append(str(example))
    more = len(examples) - limit
    return "; ".join(parts) + (f"; … {more} more" if more > 0 else "")
