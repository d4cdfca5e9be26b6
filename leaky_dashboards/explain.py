"""`invoke explain KEY`: one panel whole, and where each part of it comes from.

For the panel of key KEY (its field name in a domain's file) it prints where the key is defined
(domain file and line, and the constructor that builds it), every dashboard showing it (the
dashboard file's line listing it), each query as rendered, and for every series a query reads
where it comes from: the metrics catalog's line (`metrics.libsonnet`), the measure's line
(`measures.libsonnet`) and, for a recorded series, its recording rule. The colour levels come
last, with the row of `config.thresholds` (or the SLO objective) that sets them, file and line.
The sources are located as `invoke drift` locates them (`drift.locate`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .drift.locate import CONFIG, Sources
from .errors import BuildError
from .model import KEY_FIELD, Json, describe_thresholds, field_defaults, iter_panels
from .project import Project
from .promql import kind, metric_name, parse, walk

CATALOG = "metrics.libsonnet"
MEASURES = "measures.libsonnet"
RULES = "rules.libsonnet"
# Suffixes a Micrometer timer (`timer('name', ...)` in the catalog) adds to its name.
TIMER_SUFFIXES = ("_count", "_sum", "_max", "_bucket")
# A recorded series' window at the end of its name (`...:rate5m`): the source builds it.
_WINDOW = re.compile(r"[0-9]+[smhdw]$")


class UnknownPanel(BuildError):
    """No panel has the key asked for (exit 2)."""


@dataclass(frozen=True)
class Shown:
    dashboard: str  # title
    uid: str
    name: str  # file stem
    panel: Json


def find(project: Project, key: str) -> list[Shown]:
    """Every dashboard's panel of key `key`, in the dashboards' order."""
    library = project.reviewed.library
    found = [
        Shown(d.title, d.uid, d.name, panel)
        for d in sorted(project.reviewed.dashboards, key=lambda d: library.dashboard_rank(d.uid))
        for panel in iter_panels(d.model)
        if panel.get(KEY_FIELD) == key
    ]
    if not found:
        keys = sorted(
            {
                str(p[KEY_FIELD])
                for d in project.reviewed.dashboards
                for p in iter_panels(d.model)
                if isinstance(p.get(KEY_FIELD), str) and not str(p[KEY_FIELD]).startswith("row:")
            }
        )
        close = difflib.get_close_matches(key, keys, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownPanel(f"explain: no dashboard shows a panel with key {key!r}{hint}")
    return found


def _line(lines: list[str], pattern: re.Pattern[str]) -> int | None:
    return next((n for n, text in enumerate(lines, 1) if pattern.search(text)), None)


def _at(sources: Sources, file: str, line: int | None) -> str:
    path = sources.show(sources.libsonnet / file)
    return f"{path}:{line}" if line else path


def catalog_line(sources: Sources, metric: str) -> str | None:
    """`libsonnet/metrics.libsonnet:N` where the catalog defines `metric` (a timer's part: where
    the timer is declared)."""
    lines = sources.lines(sources.libsonnet / CATALOG)
    line = _line(lines, re.compile(rf"^\s*{re.escape(metric)}\s*:"))
    if line is None:
        for suffix in TIMER_SUFFIXES:
            if metric.endswith(suffix):
                base = metric.removesuffix(suffix)
                line = _line(lines, re.compile(rf"timer\(\s*'{re.escape(base)}'"))
                break
    return _at(sources, CATALOG, line) if line else None


def measure_line(sources: Sources, metric: str) -> str | None:
    """`libsonnet/measures.libsonnet:N`, the measure's first mention of the series (of its timer,
    or of its recorded name without the window it is built with)."""
    lines = sources.lines(sources.libsonnet / MEASURES)
    names = [metric, *(metric.removesuffix(s) for s in TIMER_SUFFIXES if metric.endswith(s))]
    if ":" in metric:
        names.append(_WINDOW.sub("", metric))
    for name in names:
        line = _line(lines, re.compile(rf"'{re.escape(name)}"))
        if line is not None:
            return _at(sources, MEASURES, line)
    return None


def _series(expr: str) -> list[str]:
    """The series `expr` reads, in first-use order."""
    query = parse(expr)
    found: list[str] = []
    if query.ast is not None:

        def visit(node: object, _: tuple[object, ...]) -> None:
            name = metric_name(node) if kind(node) == "VectorSelector" else None
            if name is not None and name not in found:
                found.append(name)

        walk(query.ast, visit)
    return found


def _levels(sources: Sources, project: Project, panel: Json) -> Iterator[str]:
    thresholds = field_defaults(panel).get("thresholds")
    if not isinstance(thresholds, dict) or not thresholds.get("steps"):
        return
    unit = field_defaults(panel).get("unit")
    shown = describe_thresholds(thresholds, str(unit) if unit else None)
    row = sources.threshold_row(panel)
    if row is not None:
        where = sources.threshold_line(row)
        table = sources.thresholds[row]
        yield (
            f"  thresholds: {shown}: thresholds.{row} (warning {table.get('warning')}, critical "
            f"{table.get('critical')}) at {where.at}"
        )
        return
    config = project.reviewed.library.value(CONFIG)
    values = {s.get("value") for s in thresholds["steps"] if isinstance(s, dict)}
    for name, objective in (config.get("slo", {}).get("objectives") or {}).items():
        if objective.get("objective") in values:
            pattern = re.compile(rf"^\s*objective:\s*{re.escape(str(objective['objective']))}\b")
            line = _line(sources.lines(sources.libsonnet / CONFIG), pattern)
            yield (
                f"  thresholds: {shown}: slo.objectives.{name}.objective "
                f"{objective['objective']} at {_at(sources, CONFIG, line)}"
            )
            return
    yield f"  thresholds: {shown}: set in the panel's own source (no config.thresholds row)"


def lines(project: Project, key: str) -> Iterator[str]:
    """What `invoke explain KEY` prints."""
    shown = find(project, key)
    sources = Sources.of(project)
    first = shown[0].panel
    unit = field_defaults(first).get("unit")
    yield f"{key}: {first.get('title')} ({first.get('type')}, unit {unit or 'none'})"
    found = sources.definition(key)
    if found is None:
        yield f"  defined: in a dashboard file (`withKey('{key}')`), not in a domain"
    else:
        path, line = found
        where = (
            f"{sources.show(path)}:{line}"
            if line
            else f"{sources.show(path)} (made by a comprehension there: line unknown)"
        )
        built = ""
        if line is not None:
            constructor = _constructor(sources.lines(path)[line - 1])
            if constructor:
                made = sources.constructor_line(constructor)
                built = f", built by {constructor}" + (f" ({made})" if made else "")
        yield f"  defined: {where}{built}"
    for one in shown:
        listed = sources.listed(one.name, key)
        yield (
            f"  shown on: {one.dashboard} ({one.uid}), panel id {one.panel.get('id')}, "
            f"listed at {listed.at}"
        )
    recorded = _recording_rules(project)
    for target in first.get("targets", []):
        mode = "instant" if target.get("instant") else "range"
        legend = target.get("legendFormat")
        yield f"  refId {target.get('refId')} ({mode}, legend {legend!r}):"
        yield from (f"    {text}" for text in str(target.get("expr") or "").splitlines())
        for series in _series(str(target.get("expr") or "")):
            yield from _origin(sources, series, recorded, "    ")
    yield from _levels(sources, project, first)


def _origin(sources: Sources, series: str, recorded: dict[str, str], indent: str) -> Iterator[str]:
    measure = measure_line(sources, series)
    if series in recorded:
        yield f"{indent}{series}: recorded series (rules.libsonnet), measure at {measure or '?'}"
        yield f"{indent}  recorded from: {recorded[series]}"
        for source in _series(recorded[series]):
            if source != series:
                yield from _origin(sources, source, {}, indent + "  ")
        return
    catalog = catalog_line(sources, series)
    parts = [f"catalog {catalog}" if catalog else "not in the catalog"]
    if measure:
        parts.append(f"measure {measure}")
    yield f"{indent}{series}: {', '.join(parts)}"


def _recording_rules(project: Project) -> dict[str, str]:
    document = project.reviewed.library.value(RULES)
    return {
        str(rule["record"]): str(rule["expr"])
        for group in document.get("groups", [])
        for rule in group.get("rules", [])
        if "record" in rule
    }


def _constructor(line: str) -> str | None:
    found = re.search(r":\s*([A-Za-z_][\w]*\.[A-Za-z_]\w*)\s*\(", line)
    return found.group(1) if found else None


def run(project: Project, key: str, *, echo: Callable[[str], None] = print) -> list[str]:
    printed = list(lines(project, key))
    for line in printed:
        echo(line)
    return printed
