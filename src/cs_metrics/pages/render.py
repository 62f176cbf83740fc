"""Render a page from its Jinja2 template (autoescaped) with the shared formats as filters.

Templates live in cs_metrics/pages/templates, stylesheets and scripts in cs_metrics/pages/static
(package data: an installed wheel has them). `static("name")` inlines a static file, so a page
stays one self-contained file that loads nothing from anywhere.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from cs_metrics.pages import formats

FILTERS = {
    name: getattr(formats, name)
    for name in (
        "money",
        "percent",
        "count",
        "score",
        "points",
        "signed",
        "plural",
        "month",
        "day",
        "when",
        "blank",
    )
}


@cache
def static(name: str) -> Markup:
    """The text of a static file (CSS or JavaScript), trusted: inlined as it is."""
    return Markup((files("cs_metrics.pages") / "static" / name).read_text(encoding="utf-8"))


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("cs_metrics.pages", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    env.globals["static"] = static
    return env


def render_page(template: str, **context: Any) -> str:
    """The page rendered from `template` (a file in cs_metrics/pages/templates)."""
    return environment().get_template(template).render(**context)
