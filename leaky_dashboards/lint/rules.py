"""Dashboard rules: Grafana's dashboard-linter and the spec's conventions, one `Rule` each.

Each rule's check takes the dashboard (and its parsed queries) and yields (panel, refId,
message); the runner turns them into findings named after the rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

from ..grafana import references
from ..limits import DESCRIPTION_MAX, TITLE_MAX
from ..model import Json, is_row, iter_panels
from ..promql import Node, children, function, kind
from .context import Context, Problem
from .rule import Rule

GRID_WIDTH = 24
UID_PREFIX = "leaky-tokens-"
TAG = "leaky-tokens"
REFRESH = "10s"
TIMEZONE = "browser"
DATASOURCE_VARIABLE = "datasource"
DATASOURCE_REFS = ("${datasource}", "$datasource")
THRESHOLD_TYPES = ("stat", "gauge", "bargauge")
# Functions whose range window must cover at least two scrapes.
WINDOWED = frozenset({"rate", "irate", "increase", "delta", "idelta", "deriv", "resets", "changes"})
# Grafana variables a window may use: they never fall below two scrapes ($__interval can).
SAFE_WINDOW_MACROS = frozenset({"__rate_interval", "__range"})
# Grafana's rule for a dashboard uid (util.IsValidShortUID; MaxUIDLength 40).
GRAFANA_UID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


FAMILY = "dashboard"


def datasource_variable(ctx: Context) -> Iterator[Problem]:
    names = {v.get("name"): v for v in ctx.variables}
    if names.get(DATASOURCE_VARIABLE, {}).get("type") != "datasource":
        yield None, None, "no `datasource` variable of type datasource"
    for variable in ctx.variables:
        if variable.get("type") == "query" and not _uses_variable(variable.get("datasource")):
            yield None, None, f"variable {variable.get('name')} does not query ${{datasource}}"
    for panel in ctx.panels:
        if not _uses_variable(panel.get("datasource")):
            yield (
                panel,
                None,
                f"panel datasource is {_show(panel.get('datasource'))}, not ${{datasource}}",
            )
        for target in panel.get("targets", []):
            if "datasource" in target and not _uses_variable(target["datasource"]):
                yield (
                    panel,
                    str(target.get("refId", "?")),
                    (f"target datasource is {_show(target['datasource'])}, not ${{datasource}}"),
                )


def rate_window(ctx: Context) -> Iterator[Problem]:
    minimum = 2 * ctx.scrape_interval
    declared = {str(v.get("name")) for v in ctx.variables}
    for panel, ref, query in ctx.targets:
        for func, window in _windows(query.ast) if query.ast is not None else ():
            variable = query.window(window)
            if variable is None:
                if window < minimum:
                    yield (
                        panel,
                        ref,
                        (
                            f"{func}() window {_duration(window)} is below two scrape intervals "
                            f"({_duration(minimum)}); use $__rate_interval"
                        ),
                    )
            elif variable not in SAFE_WINDOW_MACROS and variable not in declared:
                yield (
                    panel,
                    ref,
                    (
                        f"{func}() window ${variable} can fall below two scrape intervals; "
                        "use $__rate_interval or a dashboard variable"
                    ),
                )


def panel_title(ctx: Context) -> Iterator[Problem]:
    for panel in ctx.panels:
        if not str(panel.get("title") or "").strip():
            yield panel, None, "panel has no title"


def panel_description(ctx: Context) -> Iterator[Problem]:
    for panel in ctx.panels:
        if not str(panel.get("description") or "").strip():
            yield panel, None, "panel has no description"


def panel_unit(ctx: Context) -> Iterator[Problem]:
    for panel in ctx.panels:
        if not str(panel.get("fieldConfig", {}).get("defaults", {}).get("unit") or "").strip():
            yield panel, None, "panel has no unit (fieldConfig.defaults.unit)"


def thresholds(ctx: Context) -> Iterator[Problem]:
    for panel in ctx.panels:
        if panel.get("type") not in THRESHOLD_TYPES:
            continue
        config = panel.get("fieldConfig", {}).get("defaults", {}).get("thresholds") or {}
        steps = config.get("steps") or []
        if not steps:
            yield panel, None, f"{panel['type']} panel has no thresholds"
            continue
        if steps[0].get("value") is not None:
            yield panel, None, "the first threshold step must be the base (value null)"
        values = [s.get("value") for s in steps[1:]]
        if any(not isinstance(v, int | float) for v in values) or values != sorted(values):
            yield panel, None, f"threshold values must be numbers in ascending order: {values}"


def panel_ids(ctx: Context) -> Iterator[Problem]:
    seen: dict[int, str] = {}
    for panel in iter_panels(ctx.model):
        panel_id = panel.get("id")
        if not isinstance(panel_id, int):
            yield panel, None, "panel has no integer id"
        elif panel_id in seen:
            yield panel, None, f"id {panel_id} is also used by {seen[panel_id]!r}"
        else:
            seen[panel_id] = str(panel.get("title"))


def grid_layout(ctx: Context) -> Iterator[Problem]:
    groups = [ctx.model.get("panels", [])] + [
        p.get("panels", []) for p in ctx.model.get("panels", []) if is_row(p)
    ]
    for group in groups:
        placed: list[tuple[Json, tuple[int, int, int, int]]] = []
        for panel in group:
            pos = panel.get("gridPos") or {}
            x, y, w, h = (pos.get(k) for k in ("x", "y", "w", "h"))
            if not all(isinstance(v, int) for v in (x, y, w, h)):
                yield panel, None, f"gridPos needs integer x, y, w, h: {pos}"
                continue
            assert isinstance(x, int) and isinstance(y, int) and isinstance(w, int)
            assert isinstance(h, int)
            if x < 0 or y < 0 or w < 1 or h < 1 or x + w > GRID_WIDTH:
                yield panel, None, f"gridPos x={x} w={w} leaves the {GRID_WIDTH}-column grid"
            for other, (ox, oy, ow, oh) in placed:
                if x < ox + ow and ox < x + w and y < oy + oh and oy < y + h:
                    yield panel, None, f"overlaps {other.get('title')!r} at x={x} y={y}"
            placed.append((panel, (x, y, w, h)))


def uid(ctx: Context) -> Iterator[Problem]:
    value = str(ctx.model.get("uid"))
    if not value.startswith(UID_PREFIX):
        yield None, None, f"uid {value!r} does not start with {UID_PREFIX!r}"
    if value != ctx.name:
        yield None, None, f"uid {value!r} does not match the file name {ctx.name!r}"


def uid_grafana(ctx: Context) -> Iterator[Problem]:
    value = ctx.model.get("uid")
    if not isinstance(value, str) or not GRAFANA_UID.match(value):
        yield (
            None,
            None,
            f"uid {value!r} breaks Grafana's rule: 1 to 40 characters of A-Z a-z 0-9 _ -",
        )


def _texts(ctx: Context, key: str) -> Iterator[tuple[Json | None, object]]:
    """The dashboard's own `key`, then every panel's (rows included)."""
    yield None, ctx.model.get(key)
    for panel in iter_panels(ctx.model):
        yield panel, panel.get(key)


def title_length(ctx: Context) -> Iterator[Problem]:
    for panel, title in _texts(ctx, "title"):
        if isinstance(title, str) and len(title) > TITLE_MAX:
            yield panel, None, f"title is {len(title)} characters long; at most {TITLE_MAX}"


def description_length(ctx: Context) -> Iterator[Problem]:
    for panel, text in _texts(ctx, "description"):
        if isinstance(text, str) and len(text) > DESCRIPTION_MAX:
            yield (
                panel,
                None,
                f"description is {len(text)} characters long; at most {DESCRIPTION_MAX}",
            )


# Fields Grafana shows on one line (titles, labels, legends, tooltips, names), wherever they are;
# a line break in one is a mistake, or text built to break a report out of its block.
ONE_LINE_FIELDS = frozenset(
    {"title", "label", "name", "legendFormat", "displayName", "tooltip", "axisLabel", "text"}
)
_LINE_BREAK = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def _line_breaks(value: object, path: str) -> Iterator[str]:
    """Where a one-line field of `value` holds a line break (`a.b.[0].title`), below `path`."""
    found: list[tuple[str | int, ...]] = []
    _breaks(value, (), found)
    for trail in found:
        steps = (f"[{s}]." if isinstance(s, int) else f"{s}." for s in trail[:-1])
        yield f"{path}{''.join(steps)}{trail[-1]}"


def _breaks(
    value: object, trail: tuple[str | int, ...], found: list[tuple[str | int, ...]]
) -> None:
    """`_line_breaks`' walk: the trail (keys and indexes) of each, the text made only for those
    found (a dashboard has thousands of values, none of them broken)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "panels":
                continue  # each panel is checked as itself
            if isinstance(item, str):
                if key in ONE_LINE_FIELDS and _LINE_BREAK.search(item):
                    found.append((*trail, key))
            elif isinstance(item, dict | list):
                _breaks(item, (*trail, key), found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict | list):
                _breaks(item, (*trail, index), found)


def one_line(ctx: Context) -> Iterator[Problem]:
    for path in _line_breaks(ctx.model, ""):
        yield None, None, f"{path.replace('.[', '[')} holds a line break; it is shown on one line"
    for panel in iter_panels(ctx.model):
        for path in _line_breaks(panel, ""):
            yield (
                panel,
                None,
                f"{path.replace('.[', '[')} holds a line break; it is shown on one line",
            )


def tags(ctx: Context) -> Iterator[Problem]:
    if TAG not in (ctx.model.get("tags") or []):
        yield None, None, f"tags {ctx.model.get('tags')} do not include {TAG!r}"


def variable_used(ctx: Context) -> Iterator[Problem]:
    # The names the panels refer to, and each variable's: a reference never spans two values of
    # the JSON (each ends with a quote or a bracket), so the panels are read once, not once per
    # variable.
    panels = references(json.dumps(ctx.model.get("panels", []), ensure_ascii=False))
    referred = [references(json.dumps(v, ensure_ascii=False)) for v in ctx.variables]
    for i, variable in enumerate(ctx.variables):
        name = str(variable.get("name"))
        others = (names for j, names in enumerate(referred) if j != i)
        if name not in panels and not any(name in names for names in others):
            yield None, None, f"variable {name!r} is not used by any panel or variable"


def refresh(ctx: Context) -> Iterator[Problem]:
    if ctx.model.get("refresh") != REFRESH:
        yield None, None, f"refresh is {ctx.model.get('refresh')!r}, the spec asks {REFRESH!r}"


def timezone(ctx: Context) -> Iterator[Problem]:
    if ctx.model.get("timezone") != TIMEZONE:
        yield None, None, f"timezone is {ctx.model.get('timezone')!r}, the spec asks {TIMEZONE!r}"


RULES: tuple[Rule, ...] = (
    Rule(
        "datasource-variable",
        FAMILY,
        "a `datasource` variable of type datasource, and `${datasource}` on every panel, target "
        "and query variable",
        datasource_variable,
    ),
    Rule(
        "rate-window",
        FAMILY,
        "`rate`/`increase`-style windows are `$__rate_interval`, `$__range`, a dashboard "
        "variable, or a literal of at least two scrape intervals (`LEAKY_SCRAPE_INTERVAL`)",
        rate_window,
    ),
    Rule("panel-title", FAMILY, "every panel has a title", panel_title),
    Rule("panel-description", FAMILY, "every panel has a description", panel_description),
    Rule("panel-unit", FAMILY, "every panel has a unit (`fieldConfig.defaults.unit`)", panel_unit),
    Rule(
        "thresholds",
        FAMILY,
        f"{', '.join(THRESHOLD_TYPES)} panels have thresholds: a base step, then ascending numbers",
        thresholds,
    ),
    Rule("panel-id", FAMILY, "every panel has an integer id, unique in its dashboard", panel_ids),
    Rule(
        "grid-layout",
        FAMILY,
        f"panels lie on the {GRID_WIDTH}-column grid, without overlap",
        grid_layout,
    ),
    Rule("uid", FAMILY, f"the uid is `{UID_PREFIX}{{name}}`, equal to the file name", uid),
    Rule(
        "uid-grafana",
        FAMILY,
        "a uid Grafana accepts: 1 to 40 characters of `A-Z a-z 0-9 _ -`",
        uid_grafana,
    ),
    Rule(
        "title-length",
        FAMILY,
        f"a dashboard, row or panel title of at most {TITLE_MAX} characters (`limits.py`)",
        title_length,
    ),
    Rule(
        "description-length",
        FAMILY,
        f"a description of at most {DESCRIPTION_MAX:,} characters (`limits.py`)",
        description_length,
    ),
    Rule(
        "one-line",
        FAMILY,
        "titles, labels, names, legends and tooltips hold no line break (`"
        + "`, `".join(sorted(ONE_LINE_FIELDS))
        + "`, anywhere in a dashboard)",
        one_line,
    ),
    Rule("tags", FAMILY, f"the `{TAG}` tag", tags),
    Rule(
        "variable-unused",
        FAMILY,
        "every variable is used by a panel or another variable",
        variable_used,
    ),
    Rule("refresh", FAMILY, f"refresh `{REFRESH}`", refresh),
    Rule("timezone", FAMILY, f"timezone `{TIMEZONE}`", timezone),
)


def _uses_variable(ref: object) -> bool:
    uid = ref.get("uid") if isinstance(ref, dict) else ref
    return uid in DATASOURCE_REFS


def _show(ref: object) -> str:
    return json.dumps(ref) if ref is not None else "unset"


def _windows(node: Node) -> Iterator[tuple[str, timedelta]]:
    """(function, window) for every windowed function applied to a range or subquery."""
    name = function(node)
    if name in WINDOWED:
        for arg in node.args:
            if kind(arg) in ("MatrixSelector", "SubqueryExpr"):
                yield name, arg.range
    for child in children(node):
        yield from _windows(child)


def _duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    return f"{seconds // 60}m" if seconds % 60 == 0 and seconds >= 60 else f"{seconds}s"
