"""Dashboards as Grafana gives them back, derived from the golden ones: what Grafana adds by itself
when it loads and saves a dashboard (per `leaky_dashboards/drift/defaults.py`'s sources), the HTTP
API's envelope, "Export for sharing externally" as Grafana's DashboardExporter writes it, and
realistic edits made in the UI."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from leaky_dashboards.settings import ROOT

Json = dict[str, Any]
# Every dashboard of the tree (its file names), whatever dashboards/ holds.
NAMES = tuple(sorted(source.stem for source in (ROOT / "dashboards").glob("*.jsonnet")))


def golden(name: str, root: Path = ROOT) -> Json:
    model: Json = json.loads((root / "golden" / "dashboards" / f"{name}.json").read_text())
    return model


def panels(model: Json) -> list[Json]:
    found = []
    for panel in model["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def panel(model: Json, title: str) -> Json:
    return next(p for p in panels(model) if p.get("title") == title)


def saved_by_grafana(model: Json, version: int = 7) -> Json:
    """The JSON model after Grafana loaded the dashboard and someone saved it: database id,
    version, migrated schemaVersion, each panel's plugin version and its plugin's defaults."""
    saved = copy.deepcopy(model)
    saved.update(id=42, version=version, iteration=1733130000000, schemaVersion=42)
    saved.update(weekStart="", gnetId=None, timepicker={})
    for item in panels(saved):
        if item["type"] == "row":
            continue
        item["pluginVersion"] = "12.3.3"
        item.setdefault("transformations", [])
        for step in item["fieldConfig"]["defaults"].get("thresholds", {}).get("steps", []):
            if step.get("value") is None:
                del step["value"]  # sortedDeepCloneWithoutNulls drops the base step's null
        options = item.setdefault("options", {})
        for target in item.get("targets", []):
            target["editorMode"] = "code"
        if item["type"] == "stat":
            options.setdefault("percentChangeColorMode", "standard")
        elif item["type"] == "timeseries":
            item["transparent"] = False
        elif item["type"] == "table":
            options.setdefault("frameIndex", 0)
            options.setdefault("showTypeIcons", False)
            item["fieldConfig"]["defaults"].setdefault("custom", {}).setdefault("inspect", False)
        elif item["type"] == "heatmap":
            options.setdefault("showValue", "auto")
            options.setdefault("selectionMode", "x")
        elif item["type"] == "bargauge":
            options.setdefault(
                "legend", {"displayMode": "list", "placement": "bottom", "calcs": []}
            )
    for variable in saved["templating"]["list"]:
        variable["current"]["selected"] = variable["type"] != "query"
        variable.setdefault("skipUrlSync", False)
        variable.setdefault("allowCustomValue", True)
    for link in saved.get("links", []):
        link.setdefault("placement", "inControlsMenu")
    return saved


def envelope(model: Json) -> Json:
    """`GET /api/dashboards/uid/<uid>` as Grafana's HTTP API documentation shows it."""
    return {
        "dashboard": model,
        "meta": {
            "type": "db",
            "canSave": True,
            "canEdit": True,
            "canAdmin": True,
            "canStar": True,
            "slug": str(model["uid"]),
            "url": f"/d/{model['uid']}/{model['uid']}",
            "expires": "0001-01-01T00:00:00Z",
            "created": "2026-12-01T10:00:00Z",
            "updated": "2026-12-02T06:00:00Z",
            "updatedBy": "admin",
            "createdBy": "Anonymous",
            "version": model.get("version", 1),
            "hasAcl": False,
            "isFolder": False,
            "folderId": 1,
            "folderUid": "leaky-tokens-folder",
            "folderTitle": "Leaky Tokens",
            "folderUrl": "/dashboards/f/leaky-tokens-folder/leaky-tokens",
            "provisioned": True,
            "provisionedExternalId": f"{model['uid']}.json",
        },
    }


def exported(model: Json) -> Json:
    """ "Export for sharing externally", as Grafana's DashboardExporter.makeExportable writes it:
    id null; a datasource named by its uid becomes `${DS_<NAME>}` (one named through a variable
    is kept); query variables lose `current` and `options`, datasource variables `current`;
    `__inputs`, `__elements`, `__requires` first."""
    saved = saved_by_grafana(model)
    saved["id"] = None
    for item in panels(saved):
        for holder in [item, *item.get("targets", [])]:
            ref = holder.get("datasource")
            if isinstance(ref, dict) and ref.get("uid") == "prometheus":
                holder["datasource"] = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
    for variable in saved["templating"]["list"]:
        if variable["type"] == "query":
            variable["options"] = []
            variable["current"] = {}
        elif variable["type"] == "datasource":
            variable["current"] = {}
    inputs = [
        {
            "name": "DS_PROMETHEUS",
            "label": "Prometheus",
            "description": "",
            "type": "datasource",
            "pluginId": "prometheus",
            "pluginName": "Prometheus",
        }
    ]
    requires = [
        {"type": "grafana", "id": "grafana", "name": "Grafana", "version": "12.3.3"},
        {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"},
        {"type": "panel", "id": "stat", "name": "Stat", "version": ""},
    ]
    return {"__inputs": inputs, "__elements": {}, "__requires": requires, **saved}


def edited_overview(root: Path = ROOT) -> Json:
    """The overview after four UI edits: the p95 latency's warning level lowered to 400 ms, the
    error-rate stat renamed, Active users dragged to the front of Key metrics, and a panel added
    at the end of Latency and endpoints."""
    model = saved_by_grafana(golden("leaky-tokens-overview", root))
    latency = panel(model, "⏱️ Latency p95")
    latency["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"] = 0.4
    panel(model, "❌ Error rate")["title"] = "❌ Server errors"
    key_metrics = [p for p in model["panels"] if p.get("gridPos", {}).get("y") == 21]
    for item in key_metrics:
        item["gridPos"]["x"] = 0 if item["title"] == "👥 Active users" else item["gridPos"]["x"] + 4
    last_y = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in model["panels"])
    model["panels"].append(
        {
            "id": max(p["id"] for p in panels(model)) + 1,
            "type": "timeseries",
            "title": "Gateway 5xx per minute",
            "description": "Server errors the gateway answered, per minute.",
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "pluginVersion": "12.3.3",
            "gridPos": {"h": 8, "w": 12, "x": 0, "y": last_y},
            "fieldConfig": {
                "defaults": {
                    "unit": "reqpm",
                    "decimals": 1,
                    "color": {"mode": "palette-classic"},
                    "thresholds": {
                        "mode": "absolute",
                        "steps": [{"color": "green", "value": None}],
                    },
                },
                "overrides": [],
            },
            "options": {"legend": {"displayMode": "list", "placement": "bottom", "calcs": []}},
            "targets": [
                {
                    "datasource": {"type": "prometheus", "uid": "${datasource}"},
                    "editorMode": "code",
                    "expr": 'sum(rate(http_server_requests_seconds_count{application="api-gateway",'
                    ' outcome="SERVER_ERROR", uri!~"/actuator.*"}[$__rate_interval])) * 60',
                    "legendFormat": "5xx/min",
                    "range": True,
                    "refId": "A",
                }
            ],
        }
    )
    return model


def write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    return path
