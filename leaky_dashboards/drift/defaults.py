"""What Grafana writes into a dashboard by itself, so `invoke drift` does not take it for a UI edit.

Two kinds:

- bookkeeping (`ANY`): fields Grafana sets whatever the dashboard said (the database id, the
  version counter, a plugin's version, the schema version it migrated the model to);
- defaults: a field that is absent on one side and holds Grafana's default on the other is not a
  change (Grafana fills defaults in when it loads a dashboard, and drops some when it saves).

Each default names where it comes from: Grafana's published JSON schemas (grafana-foundation-sdk
v0.0.18, generated from Grafana's CUE kinds; `../shared/schemas/grafana/`, read only by a test
that checks this table against them) or Grafana's frontend source (`DashboardModel`,
`PanelModel`, the export modal's `DashboardExporter`). The table lives here so `invoke drift`
works without `../shared`; docs/drift.md lists it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


class _Any:
    def __repr__(self) -> str:
        return "(any value)"


ANY: Any = _Any()

# Objects a default applies to: the dashboard, any panel, a panel of one type, a row, a query
# target, a template variable (or one of one type), an annotation query, a dashboard link.
SCOPES = ("dashboard", "panel", "row", "target", "variable", "annotation", "link")


@dataclass(frozen=True)
class Schema:
    """A default in a published JSON schema: `file` (without .jsonschema.json), definition and
    property."""

    file: str
    definition: str
    prop: str

    def __str__(self) -> str:
        return f"schema {self.file}: {self.definition}.{self.prop}"


@dataclass(frozen=True)
class Source:
    """A value Grafana's frontend source sets (where, in a few words)."""

    where: str

    def __str__(self) -> str:
        return f"Grafana source: {self.where}"


@dataclass(frozen=True)
class Default:
    scope: str  # one of SCOPES, or "panel:<type>", "variable:<type>"
    path: str  # dotted path inside that object
    value: Any  # ANY: bookkeeping, ignored whatever its value
    origin: Schema | Source


_DASHBOARD_MODEL = Source("DashboardModel constructor (public/app/features/dashboard/state)")
_PANEL_MODEL = Source("PanelModel defaults (public/app/features/dashboard/state/PanelModel.ts)")
_SCENES = Source("transformSceneToSaveModel (public/app/features/dashboard-scene/serialization)")
_REFRESH_INTERVALS = ["5s", "10s", "30s", "1m", "5m", "15m", "30m", "1h", "2h", "1d"]


def _schema(scope: str, path: str, value: Any, file: str, definition: str) -> Default:
    return Default(scope, path, value, Schema(file, definition, path.rsplit(".", 1)[-1]))


DEFAULTS: tuple[Default, ...] = (
    # Bookkeeping: set by Grafana on every save or load, never by an edit.
    Default("dashboard", "id", ANY, Source("the database id (null in an export)")),
    Default("dashboard", "version", ANY, Source("the save counter")),
    Default("dashboard", "iteration", ANY, Source("a timestamp older versions save")),
    Default("dashboard", "schemaVersion", ANY, Source("DashboardMigrator: the model is migrated "
                                                     "to Grafana's schema version on load")),
    Default("panel", "pluginVersion", ANY, Source("PanelModel.pluginLoaded: the panel plugin's "
                                                  "version")),
    Default("target", "editorMode", ANY, Source("the Prometheus query editor's mode (code or "
                                                "builder); no effect on the query")),
    # The dashboard.
    _schema("dashboard", "timezone", "browser", "dashboard", "Dashboard"),
    _schema("dashboard", "editable", True, "dashboard", "Dashboard"),
    _schema("dashboard", "graphTooltip", 0, "dashboard", "Dashboard"),
    _schema("dashboard", "time.from", "now-6h", "dashboard", "Dashboard.time"),
    _schema("dashboard", "time.to", "now", "dashboard", "Dashboard.time"),
    _schema("dashboard", "fiscalYearStartMonth", 0, "dashboard", "Dashboard"),
    _schema("dashboard", "timepicker.hidden", False, "dashboard", "TimePickerConfig"),
    _schema("dashboard", "timepicker.refresh_intervals", _REFRESH_INTERVALS, "dashboard",
            "TimePickerConfig"),
    Default("dashboard", "timepicker", {}, _DASHBOARD_MODEL),
    Default("dashboard", "weekStart", "", _DASHBOARD_MODEL),
    Default("dashboard", "gnetId", None, _DASHBOARD_MODEL),
    Default("dashboard", "links", [], _DASHBOARD_MODEL),
    Default("dashboard", "tags", [], _DASHBOARD_MODEL),
    Default("dashboard", "liveNow", False, _DASHBOARD_MODEL),
    Default("dashboard", "style", "dark", _DASHBOARD_MODEL),
    # Every panel.
    _schema("panel", "transparent", False, "dashboard", "Panel"),
    _schema("panel", "repeatDirection", "h", "dashboard", "Panel"),
    Default("panel", "options", {}, _PANEL_MODEL),
    Default("panel", "fieldConfig.defaults", {}, _PANEL_MODEL),
    Default("panel", "fieldConfig.overrides", [], _PANEL_MODEL),
    Default("panel", "transformations", [], _SCENES),
    _schema("row", "collapsed", False, "dashboard", "RowPanel"),
    # Panels by type: their plugin's option defaults.
    _schema("panel:stat", "options.graphMode", "area", "stat", "Options"),
    _schema("panel:stat", "options.colorMode", "value", "stat", "Options"),
    _schema("panel:stat", "options.justifyMode", "auto", "stat", "Options"),
    _schema("panel:stat", "options.textMode", "auto", "stat", "Options"),
    _schema("panel:stat", "options.wideLayout", True, "stat", "Options"),
    _schema("panel:stat", "options.showPercentChange", False, "stat", "Options"),
    _schema("panel:stat", "options.percentChangeColorMode", "standard", "stat", "Options"),
    _schema("panel:gauge", "options.showThresholdLabels", False, "gauge", "Options"),
    _schema("panel:gauge", "options.showThresholdMarkers", True, "gauge", "Options"),
    _schema("panel:gauge", "options.sizing", "auto", "gauge", "Options"),
    _schema("panel:gauge", "options.minVizWidth", 75, "gauge", "Options"),
    _schema("panel:gauge", "options.minVizHeight", 75, "gauge", "Options"),
    _schema("panel:bargauge", "options.displayMode", "gradient", "bargauge", "Options"),
    _schema("panel:bargauge", "options.valueMode", "color", "bargauge", "Options"),
    _schema("panel:bargauge", "options.namePlacement", "auto", "bargauge", "Options"),
    _schema("panel:bargauge", "options.showUnfilled", True, "bargauge", "Options"),
    _schema("panel:bargauge", "options.sizing", "auto", "bargauge", "Options"),
    _schema("panel:bargauge", "options.minVizWidth", 8, "bargauge", "Options"),
    _schema("panel:bargauge", "options.minVizHeight", 16, "bargauge", "Options"),
    _schema("panel:bargauge", "options.maxVizHeight", 300, "bargauge", "Options"),
    _schema("panel:bargauge", "options.legend.displayMode", "list", "bargauge",
            "VizLegendOptions"),
    _schema("panel:bargauge", "options.legend.placement", "bottom", "bargauge",
            "VizLegendOptions"),
    _schema("panel:bargauge", "options.legend.calcs", [], "bargauge", "VizLegendOptions"),
    _schema("panel:timeseries", "options.legend.displayMode", "list", "timeseries",
            "VizLegendOptions"),
    _schema("panel:timeseries", "options.legend.placement", "bottom", "timeseries",
            "VizLegendOptions"),
    _schema("panel:timeseries", "options.legend.calcs", [], "timeseries", "VizLegendOptions"),
    _schema("panel:table", "options.frameIndex", 0, "table", "Options"),
    _schema("panel:table", "options.showHeader", True, "table", "Options"),
    _schema("panel:table", "options.showTypeIcons", False, "table", "Options"),
    _schema("panel:table", "options.cellHeight", "sm", "table", "Options"),
    _schema("panel:table", "options.footer", {"countRows": False, "reducer": None, "show": False},
            "table", "Options"),
    _schema("panel:table", "fieldConfig.defaults.custom.align", "auto", "table",
            "TableFieldOptions"),
    _schema("panel:table", "fieldConfig.defaults.custom.inspect", False, "table",
            "TableFieldOptions"),
    _schema("panel:heatmap", "options.calculate", False, "heatmap", "Options"),
    _schema("panel:heatmap", "options.showValue", "auto", "heatmap", "Options"),
    _schema("panel:heatmap", "options.cellGap", 1, "heatmap", "Options"),
    _schema("panel:heatmap", "options.selectionMode", "x", "heatmap", "Options"),
    _schema("panel:heatmap", "options.legend", {"show": True}, "heatmap", "Options"),
    _schema("panel:heatmap", "options.filterValues", {"le": 1e-09}, "heatmap", "Options"),
    _schema("panel:heatmap", "options.exemplars", {"color": "rgba(255,0,255,0.7)"}, "heatmap",
            "Options"),
    # Template variables, annotation queries, links.
    Default("variable", "current.selected", ANY, Source("the variable picker's state of its "
                                                        "current value")),
    _schema("variable", "skipUrlSync", False, "dashboard", "VariableModel"),
    _schema("variable", "multi", False, "dashboard", "VariableModel"),
    _schema("variable", "allowCustomValue", True, "dashboard", "VariableModel"),
    _schema("variable", "includeAll", False, "dashboard", "VariableModel"),
    _schema("variable:interval", "auto", False, "dashboard", "VariableModel"),
    _schema("variable:interval", "auto_min", "10s", "dashboard", "VariableModel"),
    _schema("variable:interval", "auto_count", 30, "dashboard", "VariableModel"),
    _schema("annotation", "enable", True, "dashboard", "AnnotationQuery"),
    _schema("annotation", "hide", False, "dashboard", "AnnotationQuery"),
    _schema("annotation", "builtIn", 0, "dashboard", "AnnotationQuery"),
    _schema("annotation", "placement", "inControlsMenu", "dashboard", "AnnotationQuery"),
    _schema("link", "asDropdown", False, "dashboard", "DashboardLink"),
    _schema("link", "placement", "inControlsMenu", "dashboard", "DashboardLink"),
    _schema("link", "targetBlank", False, "dashboard", "DashboardLink"),
    _schema("link", "includeVars", False, "dashboard", "DashboardLink"),
    _schema("link", "keepTime", False, "dashboard", "DashboardLink"),
)  # fmt: skip

# Fields of the dashboard file around the model, never part of it: an export's inputs and
# requirements ("Export for sharing externally") and the HTTP API's envelope.
EXPORT_FIELDS = ("__inputs", "__requires", "__elements")


def for_scope(scope: str, kind: str | None = None) -> list[Default]:
    """The defaults of `scope` (panel, variable...) and of `scope:kind` (panel:stat)."""
    names = {scope, f"{scope}:{kind}"} if kind else {scope}
    return [d for d in DEFAULTS if d.scope in names]


def markdown_table() -> list[str]:
    """The table as docs/drift.md lists it (a test holds the two equal)."""
    lines = ["| applies to | field | Grafana's value | from |", "|---|---|---|---|"]
    for d in DEFAULTS:
        value = "any (bookkeeping)" if d.value is ANY else f"`{json.dumps(d.value)}`"
        lines.append(f"| {d.scope} | `{d.path}` | {value} | {d.origin} |")
    return lines


if __name__ == "__main__":  # `python -m leaky_dashboards.drift.defaults`: the table for the docs
    print("\n".join(markdown_table()))
