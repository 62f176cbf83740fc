"""What the `cs-metrics` commands print: text from the data made safe for a terminal, and the
one-line error every command ends with when it cannot do what was asked.

Data (a CRM account name, a raw value in a validation example, a column name of an export, a
path) may carry control characters: ANSI escape sequences that retitle or clear the terminal,
move the cursor or hide text, a carriage return that overwrites the line, bidirectional
overrides that reorder it. `printable()` escapes each of them as visible text (`\\x1b`,
`\\r`, `\\u202e`), so the text stays text; everything a command prints from data goes through
it (the HTML reports escape their text separately, for HTML).

Exit codes of every command: 0 done; 1 nothing (or not everything) could be shown or written,
or a check failed — the message says why and what to do; 2 the command line asks for something
impossible (an unknown option, a value out of range), and `calibrate` refusing too short a
history.
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path
from typing import TextIO

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

# Format characters that reorder or hide text (Unicode bidi controls; "Trojan Source").
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escaped(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value: object) -> str:
    """str(value) with every control character escaped as visible text.

    Escaped: C0 and C1 controls (ESC, BEL, CR, LF, TAB, ...), DEL, the bidirectional controls
    and the line and paragraph separators; other text (accents, CJK, emoji) is kept as is.
    """
    text = str(value)
    if text.isprintable() and not _BIDI.intersection(text):
        return text
    return "".join(
        _escaped(char)
        if char in _BIDI or unicodedata.category(char) in ("Cc", "Zl", "Zp")
        else char
        for char in text
    )


def echo(text: object = "", *, err: bool = False, file: TextIO | None = None) -> None:
    """Print text line by line, each line through printable() (newlines kept)."""
    out = file or (sys.stderr if err else sys.stdout)
    for line in str(text).split("\n"):
        print(printable(line), file=out, flush=err)


def fail(command: str, message: object, code: int = EXIT_FAILED) -> int:
    """Print `cs-metrics <command>: <message>` on stderr and return the exit code.

    The error of every case a user meets first is one line; a list of problems (a contract
    check naming several tables) keeps one line per problem under it.
    """
    prefix = f"cs-metrics {command}: " if command else "cs-metrics: "
    echo(prefix + str(message).strip(), err=True)
    return code


def shown_path(path: Path) -> str:
    """A path as commands print it: relative to the current directory when it lies below it,
    else absolute."""
    path = path.resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
