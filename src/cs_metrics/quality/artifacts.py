"""dbt's artifacts of the last build: every data test and unit test with what it tested.

`run_results.json` holds the results of one dbt invocation (status, failures, message,
execution time per node); `manifest.json` says what each test is (a generic data test, a
singular test in data-tests/ or a unit test), which model or source it tests and on which
column. Only `dbt build` and `dbt test` run tests: `dbt docs generate`, `dbt compile` or
`dbt run` overwrite run_results.json with results that hold none. `make build` therefore keeps
a copy of the build's two files in `target/last_build/`, and `find_build_artifacts` falls back
to it when the target folder's run_results.json comes from another command.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LAST_BUILD_DIR = "last_build"  # where `make build` keeps a copy of the build's artifacts
TEST_COMMANDS = ("build", "test", "retry")

# Sort order of the test table: what needs attention first.
STATUS_ORDER = {"error": 0, "fail": 1, "warn": 2, "skipped": 3, "pass": 4}
KINDS = ("data test", "singular test", "unit test")


class ArtifactsError(Exception):
    """dbt's artifacts are missing or unusable (shown to the user without a traceback)."""


@dataclass
class TestResult:
    """One data test or unit test of the build."""

    unique_id: str
    name: str
    kind: str  # "data test" (generic), "singular test" or "unit test"
    tested: str  # "model fct_x", "source billing.invoices", "models a, b"
    column: str | None
    status: str  # pass, warn, fail, error, skipped
    failures: int | None
    message: str | None
    execution_time: float
    severity: str | None
    file: str | None

    @property
    def order(self) -> tuple[int, str, str]:
        return (STATUS_ORDER.get(self.status, 0), self.kind, self.name)


@dataclass
class BuildResults:
    """The tests of one dbt invocation and where they were read from."""

    directory: Path
    run_results: Path
    manifest: Path
    command: str
    invocation_command: str | None
    dbt_version: str
    generated_at: dt.datetime | None
    invocation_id: str | None
    elapsed_seconds: float
    vars: dict[str, Any]
    tests: list[TestResult]
    nodes: dict[str, dict[str, int]] = field(default_factory=dict)  # type -> status -> count
    note: str | None = None  # why the artifacts were read from where they were

    def counts(self, kind: str | None = None) -> dict[str, int]:
        """Tests per status (of one kind, or of every kind)."""
        found: dict[str, int] = {}
        for test in self.tests:
            if kind is None or test.kind == kind:
                found[test.status] = found.get(test.status, 0) + 1
        return found


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArtifactsError(f"cannot read {path}: {exc}") from exc


def _command(run_results: dict[str, Any]) -> str:
    """The dbt command that wrote run_results.json (`which`: build, test, generate, ...)."""
    return str((run_results.get("args") or {}).get("which") or "unknown")


def command_label(which: str) -> str:
    """`generate` is `dbt docs generate` on the command line."""
    return {"generate": "docs generate", "serve": "docs serve"}.get(which, which)


def _shown(path: Path) -> str:
    from cs_metrics.console import shown_path as shown

    return shown(path)


def _how_to_build(directory: Path) -> str:
    return (
        "run the build first (`make build`, or `dbt build --profiles-dir profiles`), or pass"
        " --artifacts with the folder holding the build's run_results.json and manifest.json"
        f" (looked in {_shown(directory)})"
    )


def find_build_artifacts(directory: Path) -> tuple[Path, str | None]:
    """The folder holding the last build's run_results.json and manifest.json, and a note.

    `directory` itself when its run_results.json comes from `dbt build` or `dbt test`; else
    its `last_build/` copy (written by `make build`) when that one does. Raises ArtifactsError
    saying what to run otherwise.
    """
    results = directory / "run_results.json"
    copy = directory / LAST_BUILD_DIR / "run_results.json"
    if not results.is_file():
        if copy.is_file() and _command(_read_json(copy)) in TEST_COMMANDS:
            return copy.parent, (
                f"{_shown(results)} not found: reading the last build's copy in"
                f" {_shown(copy.parent)}"
            )
        raise ArtifactsError(f"{_shown(results)} not found: {_how_to_build(directory)}.")
    command = _command(_read_json(results))
    if command in TEST_COMMANDS:
        return directory, None
    if copy.is_file() and _command(_read_json(copy)) in TEST_COMMANDS:
        return copy.parent, (
            f"{_shown(results)} is from `dbt {command_label(command)}` (no tests): reading the"
            f" last build's copy in {_shown(copy.parent)} (made by `make build`)"
        )
    raise ArtifactsError(
        f"{_shown(results)} holds the results of `dbt {command_label(command)}`, which runs no"
        f" tests: {_how_to_build(directory)}."
    )


def _tested(node: dict[str, Any], manifest: dict[str, Any]) -> str:
    """What a test tests: the model or source it is attached to, else what it reads."""
    attached = node.get("attached_node")
    if attached:
        return _node_label(attached, manifest)
    parents = (node.get("depends_on") or {}).get("nodes") or []
    labels = [_node_label(parent, manifest) for parent in parents]
    return ", ".join(labels) if labels else ""


def _node_label(unique_id: str, manifest: dict[str, Any]) -> str:
    parts = unique_id.split(".")
    if parts[0] == "source":
        source = manifest.get("sources", {}).get(unique_id, {})
        name = f"{source.get('source_name', parts[-2])}.{source.get('name', parts[-1])}"
        return f"source {name}"
    node = manifest.get("nodes", {}).get(unique_id, {})
    return f"{node.get('resource_type', parts[0])} {node.get('name', parts[-1])}"


def _test_result(result: dict[str, Any], manifest: dict[str, Any]) -> TestResult | None:
    unique_id = str(result.get("unique_id", ""))
    if unique_id.startswith("unit_test."):
        node = manifest.get("unit_tests", {}).get(unique_id, {})
        kind = "unit test"
        tested = f"model {node['model']}" if node.get("model") else unique_id.split(".")[2]
        column, severity = None, None
    elif unique_id.startswith("test."):
        node = manifest.get("nodes", {}).get(unique_id, {})
        kind = "data test" if node.get("test_metadata") else "singular test"
        tested = _tested(node, manifest)
        column = node.get("column_name")
        severity = (node.get("config") or {}).get("severity")
    else:
        return None
    failures = result.get("failures")
    return TestResult(
        unique_id=unique_id,
        name=str(node.get("name") or unique_id.split(".")[2]),
        kind=kind,
        tested=tested,
        column=column,
        status=str(result.get("status", "")),
        failures=None if failures is None else int(failures),
        message=result.get("message"),
        execution_time=float(result.get("execution_time") or 0.0),
        severity=None if severity is None else str(severity).lower(),
        file=node.get("original_file_path"),
    )


def _timestamp(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def load_build_results(directory: Path) -> BuildResults:
    """The tests of the last build found in `directory` (see find_build_artifacts)."""
    directory = Path(directory)
    folder, note = find_build_artifacts(directory)
    results_path, manifest_path = folder / "run_results.json", folder / "manifest.json"
    if not manifest_path.is_file():
        raise ArtifactsError(f"{_shown(manifest_path)} not found: {_how_to_build(directory)}.")
    run_results = _read_json(results_path)
    manifest = _read_json(manifest_path)
    tests: list[TestResult] = []
    nodes: dict[str, dict[str, int]] = {}
    for result in run_results.get("results", []):
        test = _test_result(result, manifest)
        if test is not None:
            tests.append(test)
            continue
        kind = str(result.get("unique_id", "")).split(".")[0]
        status = str(result.get("status", ""))
        nodes.setdefault(kind, {})[status] = nodes.setdefault(kind, {}).get(status, 0) + 1
    metadata = run_results.get("metadata") or {}
    args = run_results.get("args") or {}
    build_vars = args.get("vars") or {}
    if isinstance(build_vars, str):  # older dbt versions store the --vars text
        import yaml

        build_vars = yaml.safe_load(build_vars) or {}
    return BuildResults(
        directory=folder,
        run_results=results_path,
        manifest=manifest_path,
        command=_command(run_results),
        invocation_command=args.get("invocation_command"),
        dbt_version=str(metadata.get("dbt_version", "")),
        generated_at=_timestamp(metadata.get("generated_at")),
        invocation_id=metadata.get("invocation_id"),
        elapsed_seconds=float(run_results.get("elapsed_time") or 0.0),
        vars=dict(build_vars),
        tests=sorted(tests, key=lambda t: t.order),
        nodes=nodes,
        note=note,
    )
