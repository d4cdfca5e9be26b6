"""Dashboard rules about how a panel shows its numbers: decimals, one-value panels' instant
queries, tables' columns, stats' sparklines. Each was a test over the committed dashboards; as a
rule it names the panel in a second, on any dashboard.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Json
from .context import Context, Problem
from .rule import Rule

FAMILY = "dashboard"
# Panels showing one value per series: each target is an instant query.
ONE_VALUE_TYPES = ("gauge", "bargauge", "piechart", "table")
# Panels whose values are not formatted with decimals; bytes are scaled by Grafana itself.
NO_DECIMALS_TYPES = frozenset({"heatmap", "table", "row"})
# A stat counting over this variable shows one instant value; any other stat its sparkline.
PERIOD_VARIABLE = "$time_range"
# Grafana shows a value under a second of unit `s` in ms (or µs) and applies `decimals` after
# scaling: 3 decimals on a 0.2986 s p95 reads "298.600 ms". One decimal is a tenth of a ms.
SECONDS_UNIT = "s"
SECONDS_MAX_DECIMALS = 1


def _object(value: object) -> Json:
    """`value` when it is a JSON object, else an empty one: a malformed field (the schema check
    names it) reads as absent here."""
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Json]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _defaults(panel: Json) -> Json:
    return _object(_object(panel.get("fieldConfig")).get("defaults"))


def decimals(ctx: Context) -> Iterator[Problem]:
    for panel in ctx.panels:
        if panel.get("type") in NO_DECIMALS_TYPES or _defaults(panel).get("unit") == "bytes":
            continue
        if "decimals" not in _defaults(panel):
            yield panel, None, "no `decimals` (fieldConfig.defaults.decimals): say how exact it is"


def _seconds_decimals(config: Json) -> object:
    """The decimals of a field config in seconds that are more than anyone reads, else None."""
    places = config.get("decimals")
    over = isinstance(places, int) and places > SECONDS_MAX_DECIMALS
    return places if config.get("unit") == SECONDS_UNIT and over else None


def _override_configs(panel: Json) -> Iterator[tuple[str, Json]]:
    """Each override's properties as a field config, named by its matcher ("column P95")."""
    for override in _list(_object(panel.get("fieldConfig")).get("overrides")):
        name = f"column {_object(override.get('matcher')).get('options', '?')}"
        properties = _list(override.get("properties"))
        yield name, {str(p.get("id")): p.get("value") for p in properties}


def _seconds_message(places: object) -> str:
    return (
        f"unit `{SECONDS_UNIT}` with {places} decimals: Grafana shows sub-second values in ms "
        f"and applies the decimals after scaling, so at most {SECONDS_MAX_DECIMALS}"
    )


def seconds_decimals(ctx: Context) -> Iterator[Problem]:
    for panel in ctx.panels:
        defaults = _defaults(panel)
        places = _seconds_decimals(defaults)
        if places is not None:
            yield panel, None, _seconds_message(places)
        for name, config in _override_configs(panel):
            # An override without a unit of its own keeps the panel's.
            places = _seconds_decimals({"unit": defaults.get("unit"), **config})
            if places is not None:
                yield panel, None, f"{name}: {_seconds_message(places)}"


def instant_value(ctx: Context) -> Iterator[Problem]:
    for panel in ctx.panels:
        if panel.get("type") not in ONE_VALUE_TYPES:
            continue
        for target in _list(panel.get("targets")):
            if target.get("instant") is not True or target.get("range") is True:
                yield (
                    panel,
                    str(target.get("refId", "?")),
                    f"a {panel['type']} shows one value: make the target instant (not range)",
                )


def table_columns(ctx: Context) -> Iterator[Problem]:
    for panel in ctx.panels:
        if panel.get("type") != "table":
            continue
        targets = _list(panel.get("targets"))
        for target in targets:
            if target.get("format") != "table":
                yield panel, str(target.get("refId", "?")), "a table's target has `format: table`"
        organize = [t for t in _list(panel.get("transformations")) if t.get("id") == "organize"]
        options = _object(organize[0].get("options")) if organize else {}
        renamed = {str(k): str(v) for k, v in _object(options.get("renameByName")).items()}
        values = {"Value"} if len(targets) == 1 else {f"Value #{t.get('refId')}" for t in targets}
        missing = sorted(values - set(renamed))
        if missing:
            yield panel, None, f"value column(s) {missing} keep Grafana's name: rename them"
        lower = sorted(name for name in renamed.values() if not name[:1].isupper())
        if lower:
            yield panel, None, f"column name(s) {lower} start in lower case"
        sort = _list(_object(panel.get("options")).get("sortBy")) or [{}]
        if sort[0].get("displayName") not in renamed.values():
            yield panel, None, "the table sorts by no renamed column (options.sortBy)"


def stat_sparkline(ctx: Context) -> Iterator[Problem]:
    for panel in ctx.panels:
        if panel.get("type") != "stat":
            continue
        targets = _list(panel.get("targets"))
        over_period = any(PERIOD_VARIABLE in str(t.get("expr", "")) for t in targets)
        for target in targets:
            if bool(target.get("instant")) is not over_period:
                want = "instant" if over_period else "a range query (its sparkline)"
                yield panel, str(target.get("refId", "?")), f"this stat's target is {want}"
        # (A value Grafana does not know is the schema check's to name.)
        mode = _object(panel.get("options")).get("graphMode")
        if over_period and mode != "none":
            yield panel, None, f"graphMode {mode!r}: `none` (one value over the window)"
        elif not over_period and mode == "none":
            yield panel, None, "graphMode 'none': `area`, the sparkline of a range query"


RULES: tuple[Rule, ...] = (
    Rule(
        "decimals",
        FAMILY,
        "every panel but heatmaps and tables sets `decimals` (a `bytes` unit scales itself)",
        decimals,
    ),
    Rule(
        "seconds-decimals",
        FAMILY,
        f"a panel or column in unit `{SECONDS_UNIT}` has at most {SECONDS_MAX_DECIMALS} decimal: "
        "Grafana shows sub-second values in ms and applies the decimals after scaling",
        seconds_decimals,
    ),
    Rule(
        "instant-value",
        FAMILY,
        f"{', '.join(ONE_VALUE_TYPES)} targets are instant queries (one value each)",
        instant_value,
    ),
    Rule(
        "table-columns",
        FAMILY,
        "a table's targets are `format: table`; an `organize` step renames every value column "
        "(`Value`, `Value #A`...) to a capitalised name, and the table sorts by one of them",
        table_columns,
    ),
    Rule(
        "stat-sparkline",
        FAMILY,
        f"a stat reading `{PERIOD_VARIABLE}` is one instant value (`graphMode: none`); any "
        "other stat is a range query drawing its sparkline (`area`)",
        stat_sparkline,
    ),
)
