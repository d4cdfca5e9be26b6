"""The one canonical text form of rendered JSON, so two builds are byte-identical.

Keys are sorted alphabetically, with one fixed exception that makes a diff readable: in every
panel (each object of a `panels` array: a dashboard's panels and a row's panels) the keys
`PANEL_FIRST` (`id`, `type`, `title`) come first, in that order, then the others alphabetically.
A diff hunk inside a panel then sits under the lines saying which panel it is.
"""

from __future__ import annotations

import json
from typing import Any

# The keys every panel object starts with, in this order; the rest follow alphabetically.
PANEL_FIRST = ("id", "type", "title")
# The array whose objects are panels, wherever it stands (dashboard, row).
PANELS = "panels"


def dumps(value: Any) -> bytes:
    """UTF-8 with emoji kept as is, 2-space indent, keys in canonical order (alphabetical, a
    panel's `PANEL_FIRST` first), trailing newline."""
    text = json.dumps(ordered(value), indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def ordered(value: Any, *, panel: bool = False) -> Any:
    """`value` with every object's keys in canonical order (dicts keep insertion order)."""
    if isinstance(value, dict):
        keys = sorted(value, key=_panel_rank if panel else _plain_rank)
        return {k: _child(k, value[k]) for k in keys}
    if isinstance(value, list):
        return [ordered(item) for item in value]
    return value


def _child(key: Any, value: Any) -> Any:
    if key == PANELS and isinstance(value, list):
        return [ordered(item, panel=True) for item in value]
    return ordered(value)


def _plain_rank(key: Any) -> tuple[int, str]:
    return (0, str(key))


def _panel_rank(key: Any) -> tuple[int, str]:
    name = str(key)
    return (PANEL_FIRST.index(name), "") if name in PANEL_FIRST else (len(PANEL_FIRST), name)
