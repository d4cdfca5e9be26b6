"""Grafana's query-time behaviour for Prometheus targets: intervals, macros, variable values.

Mirrors Grafana's frontend and Prometheus datasource: the interval is range / maxDataPoints,
rounded as `kbn.roundInterval` does and never below the min interval (panel or datasource);
`$__rate_interval` = max($__interval + scrape interval, 4 × scrape interval); `$__range` is the
range in whole seconds; multi-value and "All" variables are regex-escaped and joined as (a|b),
or replaced by the variable's allValue.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)$")

ALL = "$__all"


def round_interval(ms: float) -> int:
    for below, result in _ROUNDING:
        if ms < below:
            return result
    return _YEAR_MS


def parse_duration(text: str) -> float:
    """Seconds in a Grafana/Prometheus duration such as `15s`, `5m`, `1h` (a leading > ignored)."""
    match = _DURATION.match(text.strip().lstrip(">"))
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    return float(match[1]) * _UNITS[match[2]]


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


_REFERENCE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)")


def interpolate(expr: str, values: Mapping[str, str], macros: Mapping[str, str]) -> str:
    """Replace `$__macros` and `$var`, `${var}`, `${var:fmt}`, `[[var]]`; unknown names stay."""

    def replace(match: re.Match[str]) -> str:
        name = match[1] or match[2] or match[3]
        if name in macros:
            return macros[name]
        if name in values:
            return values[name]
        return match[0]

    return _REFERENCE.sub(replace, expr)
