"""What the loader needs from the dbt project: the dbt target and the raw schema names.

The loader connects with the same settings dbt uses: it reads the target from
`profiles/profiles.yml` and renders its `env_var(...)` expressions, so one set of
environment variables (CS_METRICS_PG_HOST, CS_METRICS_SPARK_WAREHOUSE, ...) serves both.
The schema of each source is the default of the dbt var `<source>_schema` in
`dbt_project.yml`, unless overridden.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2
import yaml

from cs_metrics.contract import SOURCES


class LoadError(Exception):
    """A problem the user has to fix before loading (shown without a traceback)."""


def find_project_dir(project_dir: Path | None = None) -> Path:
    """The dbt project directory: the given one, the current directory, or this checkout."""
    candidates = [project_dir] if project_dir else [Path.cwd(), Path(__file__).resolve().parents[3]]
    for candidate in candidates:
        if candidate is not None and (candidate / "dbt_project.yml").is_file():
            return candidate
    raise LoadError(
        f"no dbt_project.yml found in {', '.join(str(c) for c in candidates if c)}; "
        "run from the cs_metrics project directory or pass --project-dir."
    )


def _env_var(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise LoadError(f"environment variable {name} is required by the dbt profile")
    return value


def _render(value: Any) -> Any:
    """Render dbt's `{{ env_var(...) }}` expressions in a profile value (recursively)."""
    if isinstance(value, dict):
        return {key: _render(item) for key, item in value.items()}
    if isinstance(value, str) and "{{" in value:
        env = jinja2.Environment(undefined=jinja2.StrictUndefined)
        return env.from_string(value).render(env_var=_env_var)
    return value


def read_target(profiles_dir: Path, target: str) -> dict[str, Any]:
    """The rendered output `target` of the cs_metrics profile in profiles_dir/profiles.yml."""
    path = profiles_dir / "profiles.yml"
    if not path.is_file():
        raise LoadError(f"dbt profile not found: {path} (pass --profiles-dir)")
    profile = yaml.safe_load(path.read_text(encoding="utf-8")).get("cs_metrics", {})
    outputs = profile.get("outputs", {})
    if target not in outputs:
        raise LoadError(
            f"target {target!r} is not in {path}; known targets: {', '.join(sorted(outputs))}."
        )
    return _render(outputs[target])


def source_schemas(
    project_dir: Path,
    overrides: dict[str, str] | None = None,
    extra_sources: Iterable[str] = (),
) -> dict[str, str]:
    """Schema of each raw source: vars `<source>_schema` of dbt_project.yml, then overrides.

    extra_sources: connector sources (e.g. stripe) to include besides the contract's.
    """
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8"))
    dbt_vars = project.get("vars") or {}
    schemas = {
        source: str(dbt_vars.get(f"{source}_schema") or source)
        for source in (*SOURCES, *extra_sources)
    }
    for source, schema in (overrides or {}).items():
        if source not in schemas:
            raise LoadError(f"unknown source {source!r} in --schema; sources: {', '.join(schemas)}")
        schemas[source] = schema
    return schemas
