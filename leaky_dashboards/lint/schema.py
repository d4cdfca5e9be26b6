"""Grafana's own JSON schemas (grafana-foundation-sdk v0.0.18, see the schema folder's SOURCE.md).

The generated schemas mark every CUE default `required` and turn CUE disjunctions into `oneOf`,
so Grafana-valid JSON fails them as published. They are loaded once per directory and adapted:
`required` is dropped except on GridPos/Panel/RowPanel, and `oneOf` becomes `anyOf` (a CUE
disjunction accepts a value that matches several branches, e.g. every table cell option has the
same `type` enum). Generator defects are patched (PATCHES): CUE's top type `_` (a matcher's
`options`, an override's `value`: the byName matcher takes a column name, a unit override a
string) and a variable's open `{...}` query were emitted as objects of a fixed shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import BuildError
from ..model import Json, is_row
from .rule import Rule

SUPPORTED_TYPES = ("timeseries", "stat", "gauge", "bargauge", "piechart", "heatmap", "table", "row")
PANEL_SCHEMAS = ("timeseries", "stat", "gauge", "bargauge", "piechart", "heatmap", "table")
KEEP_REQUIRED = frozenset({"GridPos", "Panel", "RowPanel"})
# Units Grafana builds from a prefix rather than listing them (custom units).
CUSTOM_UNIT_PREFIXES = ("suffix:", "prefix:", "si:", "count:", "currency:", "time:")
# (file, definition, property, replacement): generator defects, each explained above.
ANY: dict[str, Any] = {}
PATCHES = [
    ("dashboard", "VariableModel", "query", {"anyOf": [{"type": "string"}, {"type": "object"}]}),
    ("dashboard", "MatcherConfig", "options", ANY),
    ("dashboard", "DynamicConfigValue", "value", ANY),
]
MAX_PER_OBJECT = 5

SCHEMA_DIR = Rule(
    "schema-dir",
    "schema",
    "Grafana's schema directory is there: under `CI=true` its absence is an error; elsewhere "
    "lint says so in one note and checks with the SDK's models instead",
)
SCHEMA_DASHBOARD = Rule("schema-dashboard", "schema", "the dashboard against Grafana's schema")
SCHEMA_PANEL = Rule("schema-panel", "schema", "each panel against its type's schema")
SCHEMA_OPTIONS = Rule("schema-options", "schema", "each panel's `options` against its type's")
SCHEMA_FIELD_CONFIG = Rule(
    "schema-field-config",
    "schema",
    "each panel's `fieldConfig`, `defaults.custom` against its type's schema",
)
SCHEMA_TARGET = Rule("schema-target", "schema", "each target against the Prometheus query schema")
SCHEMA_UNIT = Rule("schema-unit", "schema", "each unit is in Grafana's unit list")
PANEL_TYPE = Rule(
    "panel-type",
    "schema",
    "a panel type among " + ", ".join(f"`{t}`" for t in SUPPORTED_TYPES),
)

RULES = (
    SCHEMA_DIR,
    SCHEMA_DASHBOARD,
    SCHEMA_PANEL,
    SCHEMA_OPTIONS,
    SCHEMA_FIELD_CONFIG,
    SCHEMA_TARGET,
    SCHEMA_UNIT,
    PANEL_TYPE,
)

Validator = Any  # jsonschema.protocols.Validator; imported lazily
WHERE_HINT = " (the schema directory: $LEAKY_SCHEMA_DIR, else ../shared/schemas/grafana)"
# The file each loaded validator was compiled from, to name it when it proves to be garbage.
_ORIGIN: dict[int, Path] = {}


class SchemaDirError(BuildError):
    """Grafana's schema directory holds a file that is not one of its JSON schemas: exit 2."""


@dataclass(frozen=True)
class Schemas:
    dashboard: Validator
    panel: Validator
    row: Validator
    options: dict[str, Validator]
    custom: dict[str, Validator]
    target: Validator
    units: frozenset[str]


def adapt(node: Any, *, keep_required: bool = False) -> Any:
    """A copy without `required` (unless kept) and with `oneOf` read as `anyOf`."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "required" and isinstance(value, list) and not keep_required:
                continue
            out["anyOf" if key == "oneOf" else key] = adapt(value)
        return out
    if isinstance(node, list):
        return [adapt(v) for v in node]
    return node


def _definitions(directory: Path, name: str) -> dict[str, Any]:
    definitions = _read(directory / f"{name}.jsonschema.json")
    definitions = {
        key: adapt(value, keep_required=key in KEEP_REQUIRED) for key, value in definitions.items()
    }
    for file, definition, prop, replacement in PATCHES:
        if file == name and prop in definitions.get(definition, {}).get("properties", {}):
            definitions[definition]["properties"][prop] = replacement
    return definitions


def _read(file: Path) -> dict[str, Any]:
    """The `definitions` of one schema file, each an object; a file that is none is an error."""
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SchemaDirError(
            f"{file}: unreadable Grafana schema: {exc.strerror}{WHERE_HINT}"
        ) from None
    except ValueError as exc:  # JSON or UTF-8
        raise SchemaDirError(f"{file}: not a JSON schema: {exc}{WHERE_HINT}") from None
    definitions = raw.get("definitions") if isinstance(raw, dict) else None
    if not isinstance(definitions, dict) or not all(
        isinstance(value, dict) and isinstance(value.get("properties", {}), dict)
        for value in definitions.values()
    ):
        raise SchemaDirError(
            f"{file}: not one of Grafana's JSON schemas (no object of `definitions`){WHERE_HINT}"
        )
    return definitions


@lru_cache(maxsize=4)
def load(directory: Path) -> Schemas | None:
    """The compiled validators, or None when the schema directory is absent."""
    if not present(directory):
        return None
    from jsonschema.validators import Draft7Validator  # lazy: ~50 ms to import

    def validator(name: str, definitions: dict[str, Any], ref: str) -> Validator:
        file = directory / f"{name}.jsonschema.json"
        if ref not in definitions:
            raise SchemaDirError(f"{file}: has no definition {ref!r}{WHERE_HINT}")
        compiled = Draft7Validator({"$ref": f"#/definitions/{ref}", "definitions": definitions})
        _ORIGIN[id(compiled)] = file
        return compiled

    dashboard = _definitions(directory, "dashboard")
    options: dict[str, Validator] = {}
    custom: dict[str, Validator] = {}
    for panel_type in PANEL_SCHEMAS:
        definitions = _definitions(directory, panel_type)
        options[panel_type] = validator(panel_type, definitions, "Options")
        if "FieldConfig" in definitions:
            custom[panel_type] = validator(panel_type, definitions, "FieldConfig")
    units_raw = _read(directory / "units.jsonschema.json")
    units = frozenset(str(d["const"]) for d in units_raw.values() if "const" in d)
    return Schemas(
        dashboard=validator("dashboard", dashboard, "Dashboard"),
        panel=validator("dashboard", dashboard, "Panel"),
        row=validator("dashboard", dashboard, "RowPanel"),
        options=options,
        custom=custom,
        target=validator("prometheus", _definitions(directory, "prometheus"), "Dataquery"),
        units=units,
    )


def errors(validator: Validator, instance: Any, prefix: str = "") -> list[str]:
    """The specific cause of each failure, one per place in the instance.

    `best_match` descends into anyOf/oneOf contexts, so the message names the bad field rather
    than "is not valid under any of the given schemas".
    """
    from jsonschema.exceptions import best_match

    by_path: dict[str, list[Any]] = {}
    try:
        found = list(validator.iter_errors(instance))
    except Exception as exc:  # a garbage schema fails in any way jsonschema can (only it can)
        file = _ORIGIN.get(id(validator), "a Grafana schema file")
        problem = " ".join(str(exc).split())[:200]
        raise SchemaDirError(
            f"{file}: not a valid JSON schema ({type(exc).__name__}: {problem}){WHERE_HINT}"
        ) from None
    for error in found:
        cause = best_match([error]) or error
        path = ".".join(str(p) for p in [*([prefix] if prefix else []), *cause.absolute_path])
        by_path.setdefault(path or "(top level)", []).append(cause)
    messages = [
        f"{path}: {_short((best_match(causes) or causes[0]).message)}"
        for path, causes in sorted(by_path.items())
    ]
    return messages[:MAX_PER_OBJECT]


def _short(message: str, limit: int = 160) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"


# ---- what to validate in one dashboard ----

Problem = tuple[Json | None, str | None, str, str]  # (panel, refId, rule, message)


def present(directory: Path) -> bool:
    """Whether Grafana's schema directory is there (without loading it)."""
    return (directory / "dashboard.jsonschema.json").is_file()


def check(model: Json, schemas: Schemas) -> Iterator[Problem]:
    """Schema problems of a (waiver-free) dashboard model, attributed to panel and refId."""
    shell = {k: v for k, v in model.items() if k != "panels"} | {"panels": []}
    for message in errors(schemas.dashboard, shell):
        yield None, None, SCHEMA_DASHBOARD.name, message
    for panel in model.get("panels", []):
        yield from check_panel(panel, schemas)
        for child in panel.get("panels", []) if is_row(panel) else []:
            yield from check_panel(child, schemas)


def check_panel(panel: Json, schemas: Schemas) -> Iterator[Problem]:
    """Schema problems of one panel (a row without its panels)."""
    panel_type = panel.get("type")
    if panel_type not in SUPPORTED_TYPES:
        yield (
            panel,
            None,
            PANEL_TYPE.name,
            (f"type {panel_type!r} is not supported (use one of {', '.join(SUPPORTED_TYPES)})"),
        )
        return
    if panel_type == "row":
        shell = {k: v for k, v in panel.items() if k != "panels"} | {"panels": []}
        for message in errors(schemas.row, shell):
            yield panel, None, SCHEMA_PANEL.name, message
        return
    for message in errors(schemas.panel, panel):
        yield panel, None, SCHEMA_PANEL.name, message
    assert isinstance(panel_type, str)
    for message in errors(schemas.options[panel_type], panel.get("options", {}), "options"):
        yield panel, None, SCHEMA_OPTIONS.name, message
    defaults = panel.get("fieldConfig", {}).get("defaults", {})
    if panel_type in schemas.custom:
        custom = defaults.get("custom", {})
        for message in errors(schemas.custom[panel_type], custom, "fieldConfig.defaults.custom"):
            yield panel, None, SCHEMA_FIELD_CONFIG.name, message
    for where, unit in units_of(panel):
        if not (unit in schemas.units or unit.startswith(CUSTOM_UNIT_PREFIXES)):
            yield panel, None, SCHEMA_UNIT.name, f"{where}: {unit!r} is not a Grafana unit id"
    for target in panel.get("targets", []):
        ref = str(target.get("refId", "?"))
        for message in errors(schemas.target, target):
            yield panel, ref, SCHEMA_TARGET.name, message


def units_of(panel: Json) -> Iterator[tuple[str, str]]:
    """Every unit a panel sets, by where; parts of another shape are the schema's to report."""
    field_config = _object(panel.get("fieldConfig"))
    unit = _object(field_config.get("defaults")).get("unit")
    if isinstance(unit, str) and unit:
        yield "fieldConfig.defaults.unit", unit
    overrides = field_config.get("overrides")
    for n, override in enumerate(overrides if isinstance(overrides, list) else []):
        properties = _object(override).get("properties")
        for prop in properties if isinstance(properties, list) else []:
            if _object(prop).get("id") == "unit" and isinstance(prop.get("value"), str):
                yield f"fieldConfig.overrides.{n}", prop["value"]
    axis_unit = _object(_object(panel.get("options")).get("yAxis")).get("unit")
    if panel.get("type") == "heatmap" and isinstance(axis_unit, str) and axis_unit:
        yield "options.yAxis.unit", axis_unit


def _object(value: Any) -> Json:
    return value if isinstance(value, dict) else {}
