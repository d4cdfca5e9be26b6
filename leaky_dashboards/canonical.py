"""The one canonical text form of rendered JSON, so two builds are byte-identical.

Keys are sorted alphabetically, with one fixed exception that makes a diff readable: in every
panel (each object of a `panels` array: a dashboard's panels and a row's panels) the keys
`PANEL_FIRST` (`id`, `type`, `title`) come first, in that order, then the others alphabetically.
A diff hunk inside a panel then sits under the lines saying which panel it is.

The text is exactly `json.dumps(ordered(value), indent=2, ensure_ascii=False, allow_nan=False)`
(`reference`); `dumps` writes it in one pass (ordering and encoding together, the strings by the
C encoder), several times faster than the standard library's indented encoder, which is pure
Python: a build of many dashboards spent most of its rendering there.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

# The keys every panel object starts with, in this order; the rest follow alphabetically.
PANEL_FIRST = ("id", "type", "title")
# The array whose objects are panels, wherever it stands (dashboard, row).
PANELS = "panels"

_INDENT = "  "
_encode_str = encode_basestring  # the C encoder's string escaping (ensure_ascii=False)


def dumps(value: Any) -> bytes:
    """UTF-8 with emoji kept as is, 2-space indent, keys in canonical order (alphabetical, a
    panel's `PANEL_FIRST` first), trailing newline."""
    out: list[str] = []
    try:
        _write(value, False, "\n", out)
    except _Unusual:  # a key that is not a string, a subclass of a JSON type: the slow way
        return reference(value)
    out.append("\n")
    return "".join(out).encode("utf-8")


def reference(value: Any) -> bytes:
    """The canonical text by the standard library's encoder: the definition `dumps` meets."""
    text = json.dumps(ordered(value), indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


class _Unusual(Exception):
    """A value the one-pass writer leaves to `reference` (never seen in Jsonnet's output)."""


def _panel_keys(value: dict[str, Any]) -> list[str]:
    first = [k for k in PANEL_FIRST if k in value]
    rest = sorted(k for k in value if k not in PANEL_FIRST)
    return first + rest if first else rest


def _write(value: Any, panel: bool, newline: str, out: list[str]) -> None:
    """Append `value`'s canonical text, indented for a value that starts after `newline`."""
    kind = type(value)
    if kind is str:
        out.append(_encode_str(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        for key in value:
            if type(key) is not str:
                raise _Unusual
        keys = _panel_keys(value) if panel else sorted(value)
        inner = newline + _INDENT
        separator = "{" + inner
        for key in keys:
            out.append(separator)
            out.append(_encode_str(key))
            out.append(": ")
            item = value[key]
            if key == PANELS and type(item) is list:
                _write_list(item, True, inner, out)
            else:
                _write(item, False, inner, out)
            separator = "," + inner
        out.append(newline + "}")
    elif kind is list:
        _write_list(value, False, newline, out)
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is float:
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
        out.append(float.__repr__(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    else:
        raise _Unusual


def _write_list(value: list[Any], panels: bool, newline: str, out: list[str]) -> None:
    """A list; `panels`: its objects are panels (their keys in panel order)."""
    if not value:
        out.append("[]")
        return
    inner = newline + _INDENT
    separator = "[" + inner
    for item in value:
        out.append(separator)
        # A panels array's objects are panels; a list inside it is plain (as `ordered` has it).
        _write(item, panels and type(item) is dict, inner, out)
        separator = "," + inner
    out.append(newline + "]")


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
