"""Project hygiene checks that need no database: vars documented, layout conventions."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import yaml

ROOT = Path(__file__).resolve().parents[2]


class _Returned(Exception):
    def __init__(self, value: Any) -> None:
        super().__init__("returned")
        self.value = value


def _return(value: Any) -> None:
    raise _Returned(value)


class _Macros:
    """The macros of a dbt macro file rendered with plain Jinja (`return` as dbt's; a macro
    that calls another through `cs_metrics.` gets its returned value)."""

    def __init__(self, path: Path) -> None:
        env = jinja2.Environment(extensions=["jinja2.ext.do"])
        env.globals["return"] = _return
        env.globals["cs_metrics"] = self
        self._module = env.from_string(path.read_text(encoding="utf-8")).module

    def __getattr__(self, name: str) -> Callable[..., Any]:
        macro = getattr(self._module, name)

        def call(*args: Any) -> Any:
            try:
                macro(*args)
            except _Returned as returned:
                return returned.value
            raise AssertionError(f"macro {name} returned nothing")

        return call


VARS = _Macros(ROOT / "macros" / "vars.sql")


def _project() -> dict:
    return yaml.safe_load((ROOT / "dbt_project.yml").read_text())


def test_every_var_has_a_comment_line_in_dbt_project() -> None:
    lines = (ROOT / "dbt_project.yml").read_text().splitlines()
    in_vars = False
    undocumented = []
    for index, line in enumerate(lines):
        if line.startswith("vars:"):
            in_vars = True
            continue
        if in_vars and line and not line.startswith(" "):
            break
        match = re.match(r"^  ([a-z_]+):", line)
        if in_vars and match:
            previous = lines[index - 1].strip()
            if not previous.startswith("#") and not re.match(r"^[a-z_]+:", previous):
                undocumented.append(match.group(1))
    assert not undocumented, f"vars without a comment line above them: {undocumented}"


def test_every_var_is_in_the_configuration_doc_with_its_default() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text()
    rows = {
        m.group(1): m.group(2).strip()
        for m in re.finditer(r"^\| `([a-z_]+)` \| `?([^|`]*)`? \|", doc, re.M)
    }
    problems = []
    for name, default in _project()["vars"].items():
        if name not in rows:
            problems.append(f"{name}: missing from docs/configuration.md")
        elif yaml.safe_load(rows[name] or "null") != default:
            problems.append(f"{name}: default {default!r} but the doc says {rows[name]!r}")
    assert not problems, "\n".join(problems)


def test_every_var_has_its_allowed_form_in_the_one_home() -> None:
    """macros/vars.sql var_forms() lists exactly the vars of dbt_project.yml."""
    assert list(VARS.var_forms()) == list(_project()["vars"])


def test_the_configuration_doc_gives_each_var_its_allowed_form() -> None:
    """The `allowed` column says what var_expected_form says (what the checks refuse)."""
    doc = (ROOT / "docs" / "configuration.md").read_text()
    allowed = {
        m.group(1): m.group(2).strip()
        for m in re.finditer(r"^\| `([a-z_]+)` \| [^|]* \| ([^|]*) \|", doc, re.M)
    }
    problems = [
        f"{name}: the doc says {allowed.get(name)!r}, the check {VARS.var_expected_form(form)!r}"
        for name, form in VARS.var_forms().items()
        if allowed.get(name) != VARS.var_expected_form(form)
    ]
    assert not problems, "\n".join(problems)


def test_staging_models_follow_naming_convention() -> None:
    for path in (ROOT / "models" / "staging").rglob("*.sql"):
        source = path.parent.name
        assert path.stem.startswith(f"stg_{source}__"), path


def test_marts_are_public_tables_with_enforced_contracts() -> None:
    for yml in (ROOT / "models" / "marts").rglob("*.yml"):
        for model in yaml.safe_load(yml.read_text()).get("models", []) or []:
            config = model.get("config", {})
            assert config.get("contract", {}).get("enforced") is True, model["name"]
            columns = model.get("columns", [])
            assert columns, model["name"]
            for column in columns:
                assert column.get("description"), f"{model['name']}.{column['name']}"
                assert column.get("data_type"), f"{model['name']}.{column['name']}"


def test_dbt_project_configs_read_no_vars() -> None:
    """dbt renders a package's dbt_project.yml without any vars (neither the host project's
    nor --vars): a var there would keep its default when cs_metrics is installed as a package
    (docs/package.md). Configs that depend on a var go in the model (e.g. a preset's
    `config(enabled=cs_metrics.preset_selected(...))`)."""
    project = _project()
    reading = [
        f"{section}: {text}"
        for section in ("models", "seeds", "snapshots", "data_tests", "tests")
        for text in re.findall(r"\{\{[^}]*\}\}", yaml.safe_dump(project.get(section) or {}))
        if re.search(r"\bvar\s*\(", text)
    ]
    assert not reading, f"dbt_project.yml configs reading vars: {reading}"


def test_unit_test_names_fit_a_postgresql_relation_name() -> None:
    """dbt names a relation after each unit test, and PostgreSQL cuts nothing: a name over 63
    characters fails there (a package cannot override dbt's unit materialization)."""
    too_long = [
        test["name"]
        for path in (ROOT / "models").rglob("*.yml")
        for test in (yaml.safe_load(path.read_text()) or {}).get("unit_tests", []) or []
        if len(test["name"]) > 63
    ]
    assert not too_long, f"unit test names over 63 characters: {too_long}"
