"""`cs-metrics validate --marts`: the data tests dbt ran on the marts, read back.

Every rule on the built marts is a dbt data test: the generic tests of the marts' YAML
(keys, not-null columns, money signs, ratios in [0, 1], health in [0, 100], arr = 12 × mrr,
enumerations) and the singular tests of data-tests/ that read a mart (the MRR bridge
identity, GRR ≤ 1, account-month MRR = the counted items, ...). dbt keeps each test's
failing rows in a table of the audit schema (`store_failures`, dbt_project.yml). This reads
which tests read a mart (manifest.json), their status (run_results.json of the last `dbt
build` or `dbt test`, or the copy `make build` keeps in target/last_build) and up to ten
failing rows of each failing test from the warehouse. One record per test, in the suite
`marts.<model>` of the mart it tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cs_metrics.quality import ArtifactsError, find_build_artifacts
from cs_metrics.validate.results import MAX_EXAMPLES, Record, Report, json_value
from cs_metrics.warehouse import BUILD_HINT, Warehouse, WarehouseError

MARTS_LAYER = "marts"  # the models/ folder of the public marts
_LEVELS = {"error": "error", "warn": "warning"}


@dataclass(frozen=True)
class MartTest:
    """A data test that reads a mart: where dbt stored its failing rows, what it says."""

    unique_id: str
    name: str
    description: str
    kind: str  # the generic test (not_null, columns_within_range, ...) or "singular"
    kwargs: dict[str, Any]
    marts: tuple[str, ...]  # the marts it reads, the tested one first (not other models)
    audit_schema: str
    audit_table: str
    level: str

    @property
    def table(self) -> str:
        return ", ".join(f"{MARTS_LAYER}.{mart}" for mart in self.marts)


@dataclass(frozen=True)
class BuildTests:
    """The mart tests of a build, their run results by unique_id and where they were read."""

    tests: list[MartTest]
    results: dict[str, dict[str, Any]]
    marts: dict[str, str]  # the schema of every mart a test reads, by name
    folder: Path
    note: str | None

    @property
    def schemas(self) -> tuple[str, ...]:
        """The schemas a reader needs: the marts' and the audit schema(s)."""
        audit = (test.audit_schema for test in self.tests)
        return tuple(dict.fromkeys([*self.marts.values(), *audit]))


def _read(path: Path) -> dict[str, Any]:
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArtifactsError(f"cannot read {path}: {exc}") from exc


def _mart_test(node: dict[str, Any], models: dict[str, dict[str, Any]]) -> MartTest | None:
    parents = [
        p
        for p in (node.get("depends_on") or {}).get("nodes") or []
        if p in models and models[p]["fqn"][1:2] == [MARTS_LAYER]
    ]
    if not parents:
        return None
    attached = node.get("attached_node")
    if attached in parents:
        parents = [attached, *(p for p in parents if p != attached)]
    metadata = node.get("test_metadata") or {}
    kwargs = {
        k: v for k, v in (metadata.get("kwargs") or {}).items() if k != "model" and v is not None
    }
    config = node.get("config") or {}
    return MartTest(
        unique_id=node["unique_id"],
        name=node["name"],
        description=" ".join((node.get("description") or "").split())
        or _describe(metadata.get("name"), kwargs, node["name"]),
        kind=metadata.get("name") or "singular",
        kwargs=kwargs,
        marts=tuple(models[p]["name"] for p in parents),
        audit_schema=node["schema"],
        audit_table=node.get("alias") or node["name"],
        level=_LEVELS.get(str(config.get("severity", "error")).lower(), "error"),
    )


def _describe(kind: str | None, kwargs: dict[str, Any], name: str) -> str:
    """Words for a test without a description: the generic test and its columns."""
    if not kind:
        return name  # a singular test: its name says what it asserts
    columns = kwargs.get("column_names") or kwargs.get("combination_of_columns") or []
    if kwargs.get("column_name"):
        columns = [kwargs["column_name"], *columns]
    words = f"{kind}: {', '.join(map(str, columns))}" if columns else kind
    if kwargs.get("values"):
        words += f" in ({', '.join(map(str, kwargs['values']))})"
    return words


def read_build_tests(artifacts: Path) -> BuildTests:
    """The mart tests of the last build whose artifacts are in `artifacts` (target/)."""
    folder, note = find_build_artifacts(artifacts)
    manifest = _read(folder / "manifest.json")
    run_results = _read(folder / "run_results.json")
    nodes = manifest.get("nodes", {})
    models = {k: v for k, v in nodes.items() if v.get("resource_type") == "model"}
    tests = [
        test
        for node in nodes.values()
        if node.get("resource_type") == "test" and (node.get("config") or {}).get("enabled", True)
        for test in [_mart_test(node, models)]
        if test is not None
    ]
    results = {str(r.get("unique_id")): r for r in run_results.get("results", [])}
    tests.sort(key=lambda t: (t.marts, t.name))
    by_name = {model["name"]: model["schema"] for model in models.values()}
    marts = {mart: by_name[mart] for test in tests for mart in test.marts}
    return BuildTests(tests, results, marts, folder, note)


def _failing_rows(warehouse: Warehouse, test: MartTest) -> list[dict[str, Any]]:
    """Up to MAX_EXAMPLES rows of the test's stored failures."""
    relation = f'"{test.audit_schema}"."{test.audit_table}"'
    rows = warehouse.rows(f"select * from {relation} limit {MAX_EXAMPLES}")
    return [{k: json_value(v) for k, v in row.items()} for row in rows]


def _record(test: MartTest, result: dict[str, Any] | None, rows: int | None) -> Record:
    status = str((result or {}).get("status") or "not run")
    failures = (result or {}).get("failures")
    record = Record(
        suite=f"{MARTS_LAYER}.{test.marts[0]}",
        table=test.table,
        rule=test.name,
        description=test.description,
        expectation_type=f"dbt test: {test.kind}",
        kwargs=test.kwargs,
        level="warning" if status == "warn" else test.level,
        success=status == "pass",
        element_count=rows,
        unexpected_count=None if failures is None else int(failures),
    )
    if record.unexpected_count is not None and rows:
        record.unexpected_percent = round(100.0 * record.unexpected_count / rows, 6)
    if status in ("fail", "warn"):
        counted = f"{record.unexpected_count:,} of {rows:,}" if rows else f"{failures:,}"
        record.message = f"{test.table}: {counted} rows break: {test.description}."
    elif not record.success:
        detail = (result or {}).get("message") or "the last build did not run it"
        record.message = f"{test.table}: dbt test {test.name} {status}: {detail}"
        record.element_count = None
    return record


def validate_marts(warehouse: Warehouse, build: BuildTests) -> Report:
    """One record per mart test of the build, its failing rows read from the warehouse."""
    report = Report(kind="marts", tables=len(build.marts))
    counts: dict[str, int | None] = {}
    for mart, schema in build.marts.items():
        if not warehouse.has_table(schema, mart):
            report.problems.append(
                f"{schema}.{mart} not found on target {warehouse.target}: build the project"
                f" first ({BUILD_HINT})."
            )
            continue
        counts[mart] = int(warehouse.scalar(f'select count(*) from "{schema}"."{mart}"'))
    for test in build.tests:
        result = build.results.get(test.unique_id)
        record = _record(test, result, counts.get(test.marts[0]))
        failed = record.message and record.element_count is not None
        # a test whose failures are not stored (store_failures off) lists no rows
        if failed and warehouse.has_table(test.audit_schema, test.audit_table):
            try:
                record.examples = _failing_rows(warehouse, test)
            except WarehouseError as exc:
                report.problems.append(
                    f"{test.table}: the failing rows of {test.name} cannot be read: {exc}"
                )
        report.records.append(record)
    return report
