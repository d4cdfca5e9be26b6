"""Grafana's query language for Prometheus targets, the one home of its grammar and behaviour.

Read by lint (which names, windows and variable queries a dashboard uses), verify (what Grafana
sends to Prometheus) and the tests:

- variable references: `$name`, `${name}`, `${name:format}` and the deprecated `[[name]]`
  (`VARIABLE`, `references`), and their interpolation (`interpolate`);
- variable queries: `label_values(selector, label)`, `label_values(label)`, `query_result(expr)`,
  `metrics(regex)`, `label_names()` (`variable_query`), and the variable's regex filter
  (`apply_regex`);
- durations: Prometheus' `15s`, `1m30s` (`PROMETHEUS_DURATION`, `parse_duration`);
- intervals and macros: the interval is range / maxDataPoints, rounded as `kbn.roundInterval`
  does and never below the min interval (panel or datasource); `$__rate_interval` =
  max($__interval + scrape interval, 4 × scrape interval); `$__range` is the range in whole
  seconds;
- values: multi-value and "All" variables are regex-escaped and joined as (a|b), or replaced by
  the variable's allValue.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# kbn.roundInterval: (below this many ms, use this many ms).
_ROUNDING = (
    (15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500), (1500, 1000),
    (3500, 2000), (7500, 5000), (12500, 10000), (17500, 15000), (25000, 20000),
    (45000, 30000), (90000, 60000), (210000, 120000), (450000, 300000), (750000, 600000),
    (1050000, 900000), (1500000, 1200000), (2700000, 1800000), (5400000, 3600000),
    (9000000, 7200000), (16200000, 10800000), (32400000, 21600000), (86400000, 43200000),
    (604800000, 86400000), (1814400000, 604800000), (3628800000, 2592000000),
)  # fmt: skip
_YEAR_MS = 31536000000
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
# A Prometheus duration: 15s, 1m, 1m30s, 500ms (whole numbers, units largest first by custom).
PROMETHEUS_DURATION = re.compile(r"^(?:[0-9]+(?:ms|s|m|h|d|w|y))+$")
# What Grafana also reads: one decimal amount (`1.5m`), or a Prometheus duration.
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)")

ALL = "$__all"


def round_interval(ms: float) -> int:
    for below, result in _ROUNDING:
        if ms < below:
            return result
    return _YEAR_MS


def parse_duration(text: str) -> float:
    """Seconds in a Grafana/Prometheus duration such as `15s`, `5m`, `1m30s` (a leading `>`, a
    minimum interval's mark, ignored)."""
    value = text.strip().lstrip(">")
    amounts = list(_AMOUNT.finditer(value))
    if not amounts or "".join(m[0] for m in amounts) != value:
        raise ValueError(f"not a duration: {text!r}")
    return sum(float(m[1]) * _UNITS[m[2]] for m in amounts)


def format_seconds(seconds: float) -> str:
    """A PromQL duration: whole seconds, or milliseconds below one second."""
    return (
        f"{int(seconds)}s"
        if seconds >= 1 and seconds == int(seconds)
        else f"{int(seconds * 1000)}ms"
    )


@dataclass(frozen=True)
class Interval:
    """What Grafana computes for one query: the step and the macro values."""

    range_s: int
    interval_s: float
    rate_interval_s: float

    @property
    def step(self) -> float:
        return self.interval_s

    def macros(self) -> dict[str, str]:
        return {
            "__rate_interval": format_seconds(self.rate_interval_s),
            "__interval_ms": str(int(self.interval_s * 1000)),
            "__interval": format_seconds(self.interval_s),
            "__range_ms": str(self.range_s * 1000),
            "__range_s": str(self.range_s),
            "__range": f"{self.range_s}s",
        }


def interval(
    range_s: int, max_data_points: int, min_interval_s: float, scrape_s: float
) -> Interval:
    raw_ms = range_s * 1000 / max(max_data_points, 1)
    interval_s = max(round_interval(raw_ms) / 1000, min_interval_s)
    return Interval(range_s, interval_s, max(interval_s + scrape_s, 4 * scrape_s))


def regex_escape(value: str) -> str:
    """Grafana's prometheusSpecialRegexEscape: escaped for a regex inside a PromQL string."""
    value = value.replace("\\", "\\\\\\\\")
    return re.sub(r"[$^*{}\[\]'+?.()|]", lambda m: "\\\\" + m[0], value)


def plain_escape(value: str) -> str:
    """Grafana's prometheusRegularEscape, for single-value variables."""
    return value.replace("\\", "\\\\").replace("'", "\\\\'")


@dataclass(frozen=True)
class Variable:
    """A dashboard variable with its resolved values; `value` is what a viewer picked."""

    name: str
    type: str
    values: tuple[str, ...]
    multi: bool = False
    include_all: bool = False
    all_value: str | None = None

    def render(self, value: str | Sequence[str]) -> str:
        if value == ALL or value == [ALL]:
            if self.all_value is not None:
                return self.all_value
            value = list(self.values)
        if not self.multi and not self.include_all:
            return plain_escape(value if isinstance(value, str) else value[0])
        items = [value] if isinstance(value, str) else list(value)
        escaped = [regex_escape(v) for v in items]
        return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


# `$name`, `${name}`, `${name:format}` and the deprecated `[[name]]`, `[[name:format]]`.
VARIABLE = re.compile(
    r"\$\{(?P<braced>\w+)(?::[^}]*)?\}|\$(?P<plain>\w+)|\[\[(?P<old>\w+)(?::[^\]]*)?\]\]"
)


def reference_name(match: re.Match[str]) -> str:
    """The variable (or macro) name a `VARIABLE` match refers to."""
    return match["braced"] or match["plain"] or match["old"]


def references(text: str) -> set[str]:
    """Every variable and macro name `text` refers to (`__rate_interval` included)."""
    return {reference_name(m) for m in VARIABLE.finditer(text)}


def interpolate(expr: str, values: Mapping[str, str], macros: Mapping[str, str]) -> str:
    """Replace `$__macros` and `$var`, `${var}`, `${var:fmt}`, `[[var]]`; unknown names stay."""

    def replace(match: re.Match[str]) -> str:
        name = reference_name(match)
        if name in macros:
            return macros[name]
        if name in values:
            return values[name]
        return match[0]

    return VARIABLE.sub(replace, expr)


# ---- variable queries (Grafana's Prometheus variable query editor, "classic" syntax) ----

# `label_values(metric{...}, label)`: the metric part is PromQL; `label_values(label)` has none.
_LABEL_VALUES = re.compile(
    r"^\s*label_values\(\s*(?:(?P<expr>.+?)\s*,\s*)?(?P<label>[a-zA-Z_]\w*)\s*\)\s*$", re.S
)
_QUERY_RESULT = re.compile(r"^\s*query_result\((?P<expr>.*)\)\s*$", re.S)
_METRICS = re.compile(r"^\s*metrics\((?P<regex>.*)\)\s*$", re.S)
_LABEL_NAMES = re.compile(r"^\s*label_names\(.*\)\s*$", re.S)


@dataclass(frozen=True)
class VariableQuery:
    """What a Prometheus variable query asks.

    `kind` is `label_values`, `query_result`, `metrics`, `label_names` or `expr` (a bare PromQL
    expression); `expr` is the PromQL it holds (None when it holds none), `label` the label it
    lists, `regex` the metric-name pattern of `metrics(...)`.
    """

    kind: str
    expr: str | None = None
    label: str | None = None
    regex: str | None = None


def variable_query(text: str) -> VariableQuery:
    if m := _LABEL_VALUES.match(text):
        return VariableQuery("label_values", m["expr"], m["label"])
    if m := _QUERY_RESULT.match(text):
        return VariableQuery("query_result", m["expr"])
    if m := _METRICS.match(text):
        return VariableQuery("metrics", regex=m["regex"])
    if _LABEL_NAMES.match(text):
        return VariableQuery("label_names")
    return VariableQuery("expr", text)


def variable_query_text(spec: Mapping[str, Any]) -> str:
    """A variable's query as a string, whether Grafana stored it as text or as an object."""
    query = spec.get("query")
    if isinstance(query, dict):
        query = query.get("query")
    return str(query or spec.get("definition") or "")


# A variable's regex filter: `/pattern/flags`, or a bare pattern.
_REGEX = re.compile(r"^/(?P<pattern>.*)/(?P<flags>[a-z]*)$", re.S)


def apply_regex(values: list[str], regex: str) -> list[str]:
    """Grafana's variable regex: keep matching values; a capture group picks the displayed part."""
    if not regex:
        return values
    match = _REGEX.match(regex)
    pattern = re.compile(
        match["pattern"] if match else regex, re.I if match and "i" in match["flags"] else 0
    )
    kept: list[str] = []
    for value in values:
        found = pattern.search(value)
        if found:
            picked = found.group(1) if found.groups() else value
            if picked not in kept:
                kept.append(picked)
    return kept
