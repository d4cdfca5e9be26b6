"""Field-level differences of two JSON/YAML values, named the way a reviewer reads them.

Lists of uniquely named items (targets by refId, rules by alert name and severity, overrides by
matcher, links by title, value mappings by value, variables by name: `identity`) are compared by
name, so an inserted item reads as one addition; paths name the items (`targets[A].expr`,
`overrides[column P95].properties[unit].value`). Long strings can be shown as a word diff.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

from ..limits import REPORT_VALUE_MAX, cut
from ..model import Json

# A string at least this long that changed is shown as a word diff, not whole twice.
WORD_DIFF_MIN = 80
# Unchanged words kept on each side of a change in a word diff; longer runs become "…".
WORD_CONTEXT = 8


class Key(str):
    """The identity of a list item (refId, alert name...), shown in brackets like an index."""

    __slots__ = ()


class Absent:
    """A value on one side only: shown as `(absent)`."""

    def __repr__(self) -> str:
        return "(absent)"


ABSENT = Absent()


# How Grafana's field matchers read: an override for `byName P95` is the column P95's.
_MATCHERS = {
    "byName": "column {}",
    "byRegexp": "columns matching {}",
    "byType": "fields of type {}",
    "byFrameRefID": "query {}",
    "byValue": "fields by value {}",
}


def identity(item: Any) -> str | None:
    """What names a list item for a reviewer: a target's refId, an alert rule's name and
    severity, an override's matcher (`column P95`), a link's title, a value mapping's values,
    a variable's, datasource's or rule group's name, a transformation's or property's id, a
    Kubernetes object's kind and name."""
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("refId"), str):
        return str(item["refId"])
    for rule_name in ("alert", "record"):
        if isinstance(item.get(rule_name), str):
            labels = item.get("labels")
            severity = labels.get("severity") if isinstance(labels, dict) else None
            return f"{item[rule_name]} {severity}" if severity else str(item[rule_name])
    matcher = item.get("matcher")
    if isinstance(matcher, dict) and "properties" in item:
        options = matcher.get("options")
        shown = options if isinstance(options, str) else json.dumps(options, sort_keys=True)
        return _MATCHERS.get(str(matcher.get("id")), str(matcher.get("id")) + " {}").format(shown)
    mapping = _mapping(item)
    if mapping is not None:
        return mapping
    metadata = item.get("metadata")
    if isinstance(item.get("kind"), str) and isinstance(metadata, dict):
        return f"{item['kind']} {metadata.get('namespace', '')}/{metadata.get('name')}".replace(
            " /", " "
        )
    for field_name in ("name", "uid", "title", "id"):
        if isinstance(item.get(field_name), str):
            return str(item[field_name])
    return None


def _mapping(item: Json) -> str | None:
    """A value mapping by what it maps: `value 0, 1`, `range 0 to 10`, `regex ^a`, `special
    null`."""
    kind, options = item.get("type"), item.get("options")
    if kind not in ("value", "range", "regex", "special") or not isinstance(options, dict):
        return None
    if kind == "value":
        return "value " + ", ".join(sorted(options))
    if kind == "range":
        return f"range {options.get('from')} to {options.get('to')}"
    if kind == "regex":
        return f"regex {options.get('pattern')}"
    return f"special {options.get('match')}"


class KeyedList(dict[Key, Any]):
    """A list of named items as a mapping by name (`keyed`); shown again as the list it was."""

    __slots__ = ()


def unkeyed(value: Any) -> Any:
    """`value` with every list `keyed` made a mapping a list again, as the file holds it."""
    if isinstance(value, KeyedList):
        return [unkeyed(item) for item in value.values()]
    if isinstance(value, dict):
        return {k: unkeyed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unkeyed(item) for item in value]
    return value


def keyed(value: Any) -> Any:
    """`value` with every list of uniquely named items turned into a mapping by that name."""
    if isinstance(value, dict):
        return {k: keyed(v) for k, v in value.items()}
    if isinstance(value, list):
        names = [identity(item) for item in value]
        items = [keyed(item) for item in value]
        if value and all(names) and len(set(names)) == len(names):
            return KeyedList((Key(str(n)), item) for n, item in zip(names, items, strict=True))
        return items
    return value


def raw_changes(old: Any, new: Any) -> list[tuple[str, Any, Any]]:
    """(field path, old value, new value) for every leaf that differs; ABSENT on a missing side."""
    if old == new:
        return []
    from deepdiff import DeepDiff  # imported only when something differs: it is slow to load

    diff = DeepDiff(old, new, view="tree", verbose_level=2)
    found: list[tuple[str, Any, Any]] = []
    for levels in diff.tree.values():
        for level in levels:
            found.append(
                (path_text(level.path(output_format="list")), _raw(level.t1), _raw(level.t2))
            )
    return sorted(found, key=lambda change: change[0])


def value_changes(old: Any, new: Any) -> list[tuple[str, str, str]]:
    """(field path, old value, new value) as shown: JSON, whole."""
    return [(p, show(o), show(n)) for p, o, n in raw_changes(old, new)]


def path_text(parts: list[Any]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int | Key):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(whole)"


def show(value: Any) -> str:
    """A value as one line of JSON, whole; `(absent)` for a missing side."""
    if value is ABSENT:
        return "(absent)"
    return json.dumps(unkeyed(value), ensure_ascii=False, sort_keys=True)


# Tokens of a token diff: words, runs of spaces, and each other character (PromQL's braces,
# quotes and operators), so a change inside a long query or JSON value is found where it is.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
# Characters of unchanged text kept on each side of a change; longer runs are elided.
CONTEXT_CHARS = 60
ELIDED = "‹…›"


def token_diff(old: str, new: str, context: int = CONTEXT_CHARS) -> list[tuple[str, str]]:
    """The change as runs of ("=", text), ("-", text), ("+", text) and ("…", count of unchanged
    characters left out): each change with up to `context` characters around it, never cut."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    runs: list[tuple[str, str]] = []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag != "equal":
            if i2 > i1:
                runs.append(("-", "".join(a[i1:i2])))
            if j2 > j1:
                runs.append(("+", "".join(b[j1:j2])))
            continue
        same = "".join(a[i1:i2])
        head = "" if index == 0 else same[:context]
        tail = "" if index == len(opcodes) - 1 else same[-context:]
        if len(same) > len(head) + len(tail) + len(ELIDED):
            runs += [("=", head)] if head else []
            runs.append(("…", str(len(same) - len(head) - len(tail))))
            runs += [("=", tail)] if tail else []
        else:
            runs.append(("=", same))
    return runs


def sides_of(runs: list[tuple[str, str]]) -> tuple[str, str]:
    """Each side of a token diff as text, elided runs shown as `‹…›`: the parts a reader needs
    to see what changed, the unchanged middles left out."""
    old = "".join(ELIDED if tag == "…" else text for tag, text in runs if tag != "+")
    new = "".join(ELIDED if tag == "…" else text for tag, text in runs if tag != "-")
    return old, new


def around_change(old: str, new: str, limit: int) -> tuple[str, str]:
    """Both values whole when short; else each with the unchanged parts away from the change
    elided (`‹…›`), so the change is always shown."""
    if max(len(old), len(new)) <= limit:
        return old, new
    return sides_of(token_diff(old, new))


def is_long_text(old: Any, new: Any) -> bool:
    """Two strings worth a word diff: both text, one of them long."""
    return (
        isinstance(old, str) and isinstance(new, str) and max(len(old), len(new)) >= WORD_DIFF_MIN
    )


_WORD = re.compile(r"\S+")


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The change as runs of ("=", words), ("-", words) and ("+", words); long unchanged runs
    keep WORD_CONTEXT words on each side of a change and become ("…", "") in between."""
    a, b = _WORD.findall(old), _WORD.findall(new)
    runs: list[tuple[str, str]] = []
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            words = a[i1:i2]
            first, last = index == 0, index == len(opcodes) - 1
            head = [] if first else words[:WORD_CONTEXT]
            tail = [] if last else words[-WORD_CONTEXT:]
            if len(words) > len(head) + len(tail) + 1:
                if head:
                    runs.append(("=", " ".join(head)))
                runs.append(("…", ""))
                if tail:
                    runs.append(("=", " ".join(tail)))
            else:
                runs.append(("=", " ".join(words)))
            continue
        if i2 > i1:
            runs.append(("-", " ".join(a[i1:i2])))
        if j2 > j1:
            runs.append(("+", " ".join(b[j1:j2])))
    return runs


def word_diff_text(old: str, new: str) -> str:
    """A word diff on one plain line: `[-removed-]{+added+}` (git's --word-diff style)."""
    parts = []
    for tag, words in word_diff(old, new):
        parts.append({"=": words, "-": f"[-{words}-]", "+": f"{{+{words}+}}", "…": "…"}[tag])
    text = " ".join(parts)
    # A line is cut, but never before its first change starts.
    first = min((i for i in (text.find("[-"), text.find("{+")) if i >= 0), default=0)
    return cut(text, max(4 * REPORT_VALUE_MAX, first + REPORT_VALUE_MAX))


def _raw(value: Any) -> Any:
    return ABSENT if type(value).__name__ == "NotPresent" else value
