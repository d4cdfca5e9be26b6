"""Markdown that renders as written on GitHub, whatever the text: escaping, code spans, fences."""

from __future__ import annotations

import re
from collections.abc import Sequence

# Characters that can start or end Markdown or HTML syntax wherever they stand, then those that
# only can in some places: `_` at a word's edge, `&` starting an entity, `#` starting a word,
# `>` starting the text; `$` would open GitHub's math.
# Escaping only these keeps the raw text readable (GFM allows escaping any punctuation).
_SPECIAL = re.compile(
    r"[\\`*\[\]<~$]|^>|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|&(?=#?\w+;)|(?:(?<=\s)|^)#"
)
_BACKTICKS = re.compile(r"`+")


def text(value: str) -> str:
    """Plain text on one line: Markdown and HTML characters escaped, newlines as spaces."""
    return _SPECIAL.sub(lambda m: "\\" + m.group(0), " ".join(value.split()))


def code(value: str) -> str:
    """An inline code span that holds any text, backticks included, on one line."""
    flat = " ".join(value.split("\n"))
    ticks = "`" * (_longest_run(flat) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    return f"{ticks}{pad}{flat}{pad}{ticks}"


def cell(value: str) -> str:
    """Table-cell content: a pipe would end the cell even inside a code span, so escape it."""
    return value.replace("|", "\\|")


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A GFM table; cells are already Markdown (see `text` and `code`)."""
    lines = ["| " + " | ".join(cell(h) for h in header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return lines


def fence(body: str, language: str = "") -> list[str]:
    """A fenced code block longer than any backtick run inside, so the body is shown whole."""
    ticks = "`" * max(3, _longest_run(body) + 1)
    return [f"{ticks}{language}", *body.splitlines(), ticks]


def _longest_run(value: str) -> int:
    return max((len(m) for m in _BACKTICKS.findall(value)), default=0)
