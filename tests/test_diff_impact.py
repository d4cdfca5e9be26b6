"""What a change does beyond the lines it touches: who reads a changed recording rule, what a
changed window drives, and the warnings a reviewer must not miss."""

from __future__ import annotations

import json
from typing import Any

import yaml

from leaky_dashboards.comparison.changeset import compare_files
from leaky_dashboards.review import report
from leaky_dashboards.settings import ROOT

RULES = "provisioning/prometheus/leaky-tokens-alerts.yaml"
OVERVIEW = "dashboards/leaky-tokens-overview.json"
RATE = "application:http_server_requests:rate5m"


def _golden() -> dict[str, bytes]:
    root = ROOT / "golden"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _rules(files: dict[str, bytes]) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(files[RULES])
    return document


def _rule(document: dict[str, Any], name: str, severity: str | None = None) -> dict[str, Any]:
    for group in document["groups"]:
        for rule in group["rules"]:
            labels = rule.get("labels") or {}
            if (
                name in (rule.get("alert"), rule.get("record"))
                and labels.get("severity") == severity
            ):
                found: dict[str, Any] = rule
                return found
    raise AssertionError(name)


def _with_rules(document: dict[str, Any]) -> dict[str, bytes]:
    files = _golden()
    files[RULES] = yaml.safe_dump(document, allow_unicode=True).encode()
    return files


def _report(old: dict[str, bytes], new: dict[str, bytes]) -> str:
    return report.render(compare_files(old, new), limit=10**9)


def _warnings(text: str) -> list[str]:
    block = text.split("> [!WARNING]\n", 1)[1].split("\n\n", 1)[0]
    return [line.removeprefix("> - ") for line in block.splitlines() if line.startswith("> - ")]


def test_a_changed_recording_rule_lists_the_panels_and_alerts_reading_its_series() -> None:
    old = _golden()
    document = _rules(old)
    rule = _rule(document, RATE)
    rule["expr"] = rule["expr"].replace("[5m]", "[10m]")
    text = _report(old, _with_rules(document))
    line = next(x for x in text.splitlines() if x.startswith(f"- recording rule `{RATE}`"))
    assert "🚀 Executive Overview › " in line
    assert "alert LeakyTokensErrorRateHigh (warning)" in line
    assert f"record {RATE}" not in line  # itself
    # Each reader once, though the rules ship twice (provisioning and the PrometheusRule).
    readers = line.split(": read by ", 1)[1].split(", ")
    assert len(readers) == len(set(readers)), readers


def test_a_changed_window_lists_every_query_it_drives_in_one_line() -> None:
    base = _golden()
    model = json.loads(base[OVERVIEW])
    panel = next(p for p in model["panels"] if p.get("title") == "⏱️ Latency p95")
    panel["targets"][0]["expr"] = "max_over_time(up[5m])"
    base[OVERVIEW] = json.dumps(model).encode()
    panel["targets"][0]["expr"] = "max_over_time(up[15m])"
    document = _rules(base)
    for name in (RATE, "application:http_server_requests_errors:rate5m"):
        rule = _rule(document, name)
        rule["expr"] = rule["expr"].replace("[5m]", "[15m]")
    new = dict(_with_rules(document), **{OVERVIEW: json.dumps(model).encode()})
    row = {"order": 6, "warning": 5, "critical": 20, "window": "5m"}
    changes = compare_files(base, new, {"failures": row}, {"failures": dict(row, window="15m")})
    text = report.render(changes, limit=10**9)
    config = next(x for x in text.splitlines() if x.startswith("- `thresholds.failures.window`"))
    assert config.startswith(
        "- `thresholds.failures.window` 5m → 15m: drives the queries of 🚀 Executive Overview › "
        "⏱️ Latency p95, record "
    )
    line = next(x for x in text.splitlines() if x.startswith("- window `5m` → `15m`"))
    assert line == (
        "- window `5m` → `15m` in the queries of 🚀 Executive Overview › ⏱️ Latency p95, "
        f"record {RATE}, record application:http_server_requests_errors:rate5m"
    )


def test_a_unit_changed_while_the_query_did_not_is_a_warning() -> None:
    old = _golden()
    model = json.loads(old[OVERVIEW])
    panel = next(p for p in model["panels"] if p.get("title") == "⏱️ Latency p95")
    panel["fieldConfig"]["defaults"]["unit"] = "ms"
    new = dict(old, **{OVERVIEW: json.dumps(model).encode()})
    assert _warnings(_report(old, new)) == [
        '🚀 Executive Overview › ⏱️ Latency p95: unit "s" → "ms" while its query did not '
        "change: the same numbers now read in another unit"
    ]


def test_loosened_levels_a_longer_for_and_a_lowered_severity_are_warnings() -> None:
    old = _golden()
    document = _rules(old)
    heap = _rule(document, "LeakyTokensHeapUsageHigh", "critical")
    heap["expr"] = heap["expr"].replace("> 0.85", "> 0.95")
    heap["for"] = "30m"
    failures = _rule(document, "LeakyTokensProviderFailuresHigh", "critical")
    failures["labels"]["severity"] = "info"
    warnings = _warnings(_report(old, _with_rules(document)))
    heap = "alert LeakyTokensHeapUsageHigh (critical)"
    assert warnings == [
        f"{heap} fires later: its level loosened, > 0.85 → > 0.95",
        f"{heap} waits longer before it fires: \\`for\\` 5m → 30m",
        "alert LeakyTokensProviderFailuresHigh: severity lowered, critical → info",
    ]


def test_a_series_hidden_by_an_override_is_a_warning() -> None:
    old = _golden()
    model = json.loads(old[OVERVIEW])
    panel = next(p for p in model["panels"] if p.get("type") == "timeseries")
    panel["fieldConfig"]["overrides"].append(
        {"matcher": {"id": "byName", "options": "api-gateway"},
         "properties": [{"id": "custom.hideFrom",
                         "value": {"legend": False, "tooltip": False, "viz": True}}]}
    )  # fmt: skip
    new = dict(old, **{OVERVIEW: json.dumps(model).encode()})
    assert _warnings(_report(old, new)) == [
        f"🚀 Executive Overview › {panel['title']}: column api-gateway (from the viz) hidden by "
        "an override"
    ]
