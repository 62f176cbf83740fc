"""The project's configuration, read in one place: dbt_project.yml, the profile, schema names.

Every command reads the dbt project through this module, never by parsing the files itself:

- `project_vars`: the vars of `dbt_project.yml` (their defaults), optionally overlaid with a
  build's `--vars`;
- `read_target`: an output of the cs_metrics profile in `profiles/profiles.yml`, with its
  `env_var(...)` expressions rendered, so one set of environment variables
  (CS_METRICS_PG_HOST, CS_METRICS_SPARK_WAREHOUSE, ...) serves dbt and cs-metrics alike;
  `connect_postgres` opens a connection from a rendered postgres output;
- `source_schemas`: the schema of each raw source, the default of the dbt var
  `<source>_schema` unless overridden (`--schema SOURCE=SCHEMA`, parsed by `schema_override`);
- `built_schema`, `MARTS_SCHEMA`, `INTERMEDIATE_SCHEMA`: the schemas dbt builds into, named by
  the rule of macros/generate_schema_name.sql (the custom schema after the optional developer
  prefix CS_METRICS_SCHEMA_PREFIX).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2
import yaml

from cs_metrics.contract import SOURCES

SCHEMA_PREFIX_VAR = "CS_METRICS_SCHEMA_PREFIX"


class ProjectError(Exception):
    """The project, its profile or the options given cannot be used as they are (shown to the
    user in one line, without a traceback)."""


def built_schema(custom_schema: str) -> str:
    """The schema dbt builds a custom schema into (macros/generate_schema_name.sql)."""
    return os.environ.get(SCHEMA_PREFIX_VAR, "") + custom_schema


MARTS_SCHEMA = built_schema("marts")
INTERMEDIATE_SCHEMA = built_schema("intermediate")


def find_project_dir(project_dir: Path | None = None) -> Path:
    """The dbt project directory: the given one, the current directory, or this checkout."""
    candidates = [project_dir] if project_dir else [Path.cwd(), Path(__file__).resolve().parents[2]]
    for candidate in candidates:
        if candidate is not None and (candidate / "dbt_project.yml").is_file():
            return candidate
    raise ProjectError(
        f"no dbt_project.yml found in {', '.join(str(c) for c in candidates if c)}; "
        "run from the cs_metrics project directory or pass --project-dir."
    )


def project_vars(project_dir: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The dbt vars: the defaults in dbt_project.yml, overlaid with `overrides` (a build's
    --vars) when given."""
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8"))
    return {**((project or {}).get("vars") or {}), **(overrides or {})}


def _env_var(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ProjectError(f"environment variable {name} is required by the dbt profile")
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
        raise ProjectError(f"dbt profile not found: {path} (pass --profiles-dir)")
    profile = yaml.safe_load(path.read_text(encoding="utf-8")).get("cs_metrics", {})
    outputs = profile.get("outputs", {})
    if target not in outputs:
        raise ProjectError(
            f"target {target!r} is not in {path}; known targets: {', '.join(sorted(outputs))}."
        )
    rendered: dict[str, Any] = _render(outputs[target])
    return rendered


def connect_postgres(settings: dict[str, Any]) -> Any:  # a psycopg2 connection
    """A psycopg2 connection from a rendered dbt postgres target (read_target)."""
    import psycopg2

    try:
        return psycopg2.connect(
            host=settings.get("host"),
            port=int(settings.get("port") or 5432),
            user=settings.get("user"),
            password=settings.get("password") or None,
            dbname=settings.get("dbname") or settings.get("database"),
            sslmode=settings.get("sslmode") or "prefer",
            connect_timeout=int(settings.get("connect_timeout") or 10),
            application_name="cs-metrics load",
        )
    except psycopg2.OperationalError as exc:
        raise ProjectError(
            f"cannot connect to PostgreSQL at {settings.get('host')}:{settings.get('port')} "
            f"as {settings.get('user')}: {str(exc).strip()}\n"
            "Set CS_METRICS_PG_HOST, CS_METRICS_PG_PORT, CS_METRICS_PG_USER, "
            "CS_METRICS_PG_PASSWORD and CS_METRICS_PG_DATABASE (see profiles/profiles.yml)."
        ) from exc


def schema_override(value: str) -> tuple[str, str]:
    """The command-line option `--schema SOURCE=SCHEMA` as (source, schema)."""
    source, sep, schema = value.partition("=")
    if not sep or not source or not schema:
        raise argparse.ArgumentTypeError(
            f"expected SOURCE=SCHEMA (e.g. crm=raw_crm), got {value!r}"
        )
    return source.strip(), schema.strip()


def source_schemas(
    project_dir: Path,
    overrides: dict[str, str] | None = None,
    extra_sources: Iterable[str] = (),
) -> dict[str, str]:
    """Schema of each raw source: vars `<source>_schema` of dbt_project.yml, then overrides.

    extra_sources: connector sources (e.g. stripe) to include besides the contract's.
    """
    dbt_vars = project_vars(project_dir)
    schemas = {
        source: str(dbt_vars.get(f"{source}_schema") or source)
        for source in (*SOURCES, *extra_sources)
    }
    for source, schema in (overrides or {}).items():
        if source not in schemas:
            raise ProjectError(
                f"unknown source {source!r} in --schema; sources: {', '.join(schemas)}"
            )
        schemas[source] = schema
    return schemas
