"""Number and date formats of the pages (the report and the quality report), written once.

Each returns plain text; the templates escape it (autoescaping), so nothing here builds HTML.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any


def money(value: Any, decimals: int = 0) -> str:
    """1234567.891 -> '1,234,568' (thousands separators; 'n/a' for None)."""
    if value is None:
        return "n/a"
    text = f"{Decimal(value):,.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text  # no "-0"


def percent(value: Any, decimals: int = 1) -> str:
    """0.1234 -> '12.3%' ('n/a' for None)."""
    return "n/a" if value is None else f"{100 * float(value):.{decimals}f}%"


def count(value: Any) -> str:
    """1234 -> '1,234' ('n/a' for None)."""
    return "n/a" if value is None else f"{int(value):,}"


def score(value: Any) -> str:
    """A 0-100 score with one decimal ('n/a' for None)."""
    return "n/a" if value is None else f"{float(value):.1f}"


def points(value: Any, decimals: int = 2) -> str:
    """A ratio change in percentage points, signed: 0.0123 -> '+1.23'."""
    if value is None:
        return "n/a"
    text = f"{100 * float(value):+.{decimals}f}"
    return text.replace("-0.00", "0.00").replace("+0.00", "0.00") if decimals == 2 else text


def signed(value: Any, decimals: int = 1) -> str:
    """A signed number: -12.34 -> '-12.3'."""
    return "n/a" if value is None else f"{float(value):+.{decimals}f}"


def plural(number: int, word: str) -> str:
    """1 -> '1 row', 1234 -> '1,234 rows'."""
    return f"{number:,} {word}{'' if number == 1 else 's'}"


def month(value: Any) -> str:
    """A month as YYYY-MM (other values as their text; '' for None)."""
    if isinstance(value, dt.date):
        return f"{value:%Y-%m}"
    return "" if value is None else str(value)


def day(value: dt.date | None) -> str:
    """A date as YYYY-MM-DD ('n/a' for None)."""
    return "n/a" if value is None else f"{value:%Y-%m-%d}"


def when(moment: dt.datetime | None) -> str:
    """A moment to the minute in UTC: '2026-11-18 06:00 UTC' ('unknown time' for None)."""
    return "unknown time" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


def blank(value: Any) -> Any:
    """None as '' (a template prints None as 'None'); any other value unchanged."""
    return "" if value is None else value
