"""Which panel of the new rendering is which panel of the old one.

Every panel of the library has a key (its field name), and its Grafana id is derived from that
key alone (libsonnet/layout.libsonnet: 1,000,000 plus a hash of the key); the key itself is not
written. So a keyed id is the panel's identity: two panels are the same panel exactly when their
keyed ids are equal, whatever their title, place or content. Panels rendered before the keys
existed (an older `--base`) have small positional ids and are matched as then:

1. by title (a repeated title numbered `#2`, `#3` in display order);
2. what is left, by content: a renamed panel keeps its type and most of its description and
   queries. Pairs of the same type are scored (description and queries word by word, unit) and
   taken best first while the score is at least `SIMILAR`; a panel removed beside a renamed
   one is not taken for it, whatever their places.

Positions and positional ids are never evidence: both change when a panel is inserted above.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..model import Json

# Ids at or above this one are derived from a panel key (layout.libsonnet's idOf).
KEYED_IDS_FROM = 1_000_000
# The least similarity for two untitled-alike panels to be one panel renamed.
SIMILAR = 0.7
# What makes a panel itself: the metrics it reads, what it says it shows, how it reads them.
_WEIGHTS = {"metrics": 0.35, "description": 0.35, "queries": 0.2, "unit": 0.1}

T = TypeVar("T")


def explicit_key(panel: Json) -> str | None:
    """The panel's stable identity, when the library keyed it: its id, derived from its key."""
    value = panel.get("id")
    keyed = isinstance(value, int) and not isinstance(value, bool) and value >= KEYED_IDS_FROM
    return f"id {value}" if keyed else None


def pair(
    before: Sequence[T],
    after: Sequence[T],
    model: Callable[[T], Json],
    title_key: Callable[[T], str],
) -> list[tuple[T, T]]:
    """(old, new) pairs in the new order; unpaired items are removed (old) or added (new)."""
    pairs: dict[int, T] = {}  # new index → old item
    taken: set[int] = set()  # old indexes

    def both_keyed(o: int, n: int) -> bool:
        return explicit_key(model(before[o])) is not None and (
            explicit_key(model(after[n])) is not None
        )

    old_by_key = {k: i for i, o in enumerate(before) if (k := explicit_key(model(o)))}
    for n, item in enumerate(after):
        o = old_by_key.get(explicit_key(model(item)) or "")
        if o is not None:
            pairs[n] = before[o]
            taken.add(o)
    old_by_title = {title_key(o): i for i, o in enumerate(before)}
    for n, item in enumerate(after):
        o = old_by_title.get(title_key(item))
        if n not in pairs and o is not None and o not in taken and not both_keyed(o, n):
            pairs[n] = before[o]
            taken.add(o)
    scored = [
        (score, n, o)
        for n in range(len(after))
        if n not in pairs
        for o in range(len(before))
        if o not in taken and not both_keyed(o, n)
        for score in [similarity(model(before[o]), model(after[n]))]
        if score >= SIMILAR
    ]
    for _, n, o in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if n not in pairs and o not in taken:
            pairs[n] = before[o]
            taken.add(o)
    return [(pairs[n], item) for n, item in enumerate(after) if n in pairs]


def similarity(old: Json, new: Json) -> float:
    """0 for panels of different types, else how much of description, queries and unit they
    share (1: the same)."""
    if old.get("type") != new.get("type"):
        return 0.0
    a, b = _queries(old), _queries(new)
    return (
        _WEIGHTS["metrics"] * _shared(_metrics(a), _metrics(b))
        + _WEIGHTS["description"] * _words_alike(str(old.get("description", "")),
                                                 str(new.get("description", "")))
        + _WEIGHTS["queries"] * _words_alike(a, b)
        + _WEIGHTS["unit"] * bool(_unit(old) == _unit(new))
    )  # fmt: skip


_TOKEN = re.compile(r"\w+|[^\w\s]")


def _words_alike(a: str, b: str) -> float:
    x, y = _TOKEN.findall(a), _TOKEN.findall(b)
    if not x and not y:
        return 1.0
    return difflib.SequenceMatcher(None, x, y, autojunk=False).ratio()


# Metric names in PromQL: identifiers with an underscore, less functions and Grafana's macros.
_NAME = re.compile(r"(?<![\w$])[A-Za-z][\w:]*_[\w:]*")
_FUNCTIONS = frozenset(
    {"histogram_quantile", "label_replace", "label_join", "count_values", "absent_over_time",
     "day_of_week", "day_of_month", "days_in_month", "sort_desc", "clamp_max", "clamp_min"}
)  # fmt: skip


def _metrics(queries: str) -> set[str]:
    return {
        name
        for name in _NAME.findall(queries)
        if name not in _FUNCTIONS and not name.endswith("_over_time")
    }


def _shared(a: set[str], b: set[str]) -> float:
    return 1.0 if not a and not b else len(a & b) / len(a | b)


def _queries(panel: Json) -> str:
    targets = panel.get("targets", [])
    return "\n".join(str(t.get("expr", "")) for t in targets if isinstance(t, dict))


def _unit(panel: Json) -> Any:
    defaults = panel.get("fieldConfig", {}).get("defaults", {})
    return defaults.get("unit") if isinstance(defaults, dict) else None
