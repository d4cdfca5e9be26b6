"""`invoke diff` covers every golden file: rules by name and severity, provisioning, docs."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from leaky_dashboards.comparison.changeset import compare_files, text_summary
from leaky_dashboards.review import report
from leaky_dashboards.settings import ROOT

RULES = "provisioning/prometheus/leaky-tokens-alerts.yaml"
DATASOURCE = "provisioning/datasources/prometheus.yaml"


def _golden(path: str) -> bytes:
    return (ROOT / "golden" / path).read_bytes()


def _rules() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(_golden(RULES))
    return document


def _alerts(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The alerting group's rules (the recording groups come first)."""
    rules: list[dict[str, Any]] = next(
        g["rules"] for g in document["groups"] if any("alert" in r for r in g["rules"])
    )
    return rules


def _rule(document: dict[str, Any], name: str, severity: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        r
        for r in _alerts(document)
        if r.get("alert") == name and r["labels"]["severity"] == severity
    )
    return found


def _report(old: dict[str, bytes], new: dict[str, bytes]) -> str:
    return report.render(compare_files(old, new), "golden", "working tree")


def test_a_changed_alert_is_named_with_its_severity_and_its_expression_before_and_after() -> None:
    old = _rules()
    new = copy.deepcopy(old)
    heap = _rule(new, "LeakyTokensHeapUsageHigh", "critical")
    heap["expr"] = heap["expr"].replace("> 0.85", "> 0.9")
    heap["for"] = "2m"
    text = _report({RULES: yaml.safe_dump(old).encode()}, {RULES: yaml.safe_dump(new).encode()})
    assert f"- **Alert rules** (`{RULES}`): rules 0 added, 0 removed, 1 changed" in text
    section = text.split("#### LeakyTokensHeapUsageHigh (critical): changed", 1)[1]
    before = section.split("Expression before:\n\n```promql\n", 1)[1].split("\n```")[0]
    after = section.split("after:\n\n```promql\n", 1)[1].split("\n```")[0]
    assert before.endswith("> 0.85") and after.endswith("> 0.9")
    assert '| `for` | `"5m"` | `"2m"` |' in section
    assert "(warning)" not in text  # its warning sibling did not change


def test_added_and_removed_rules_are_shown_whole_and_a_recording_rule_by_its_name() -> None:
    old = _rules()
    new = copy.deepcopy(old)
    rules = _alerts(new)
    rules.remove(_rule(new, "LeakyTokensInstanceDown", "warning"))
    rules.append({"record": "job:up:min", "expr": "min by (job) (up)"})
    text = _report({RULES: yaml.safe_dump(old).encode()}, {RULES: yaml.safe_dump(new).encode()})
    assert "rules 1 added, 1 removed, 0 changed" in text
    removed = text.split("#### LeakyTokensInstanceDown (warning): removed", 1)[1]
    assert removed.startswith("\n\nExpression:\n\n```promql\nup == 0\n```")
    assert "| `for` | `2m` |" in removed
    assert "| `labels.severity` | `warning` |" in removed
    assert "| `annotations.summary` | `Instance {{ $labels.instance }} of" in removed
    added = text.split("#### job:up:min: added", 1)[1]
    assert "```promql\nmin by (job) (up)\n```" in added


def test_a_provisioning_change_is_shown_field_by_field() -> None:
    old = _golden(DATASOURCE)
    document = yaml.safe_load(old)
    document["datasources"][0]["jsonData"]["timeInterval"] = "30s"
    text = _report({DATASOURCE: old}, {DATASOURCE: yaml.safe_dump(document).encode()})
    assert f"- **Provisioning** (`{DATASOURCE}`): 1 field changed" in text
    assert '| `datasources[Prometheus].jsonData.timeInterval` | `"15s"` | `"30s"` |' in text


def test_a_docs_change_is_one_summary_line_naming_the_sections_it_touches() -> None:
    old = b"# Title\n\nintro\n\n## Panels\n\na\nb\n\n## Thresholds\n\nx\n"
    new = b"# Title\n\nintro\n\n## Panels\n\na\nB\nc\n\n## Thresholds\n\nx\n"
    assert text_summary(old, new) == "2 lines added, 1 removed, under “Panels”"
    text = _report({"docs/d.md": old}, {"docs/d.md": new})
    assert "- **Docs** (`docs/d.md`): 2 lines added, 1 removed, under “Panels”" in (
        text.splitlines()
    )
    assert "<details>" not in text  # a summary line, nothing to fold


def test_identical_files_of_every_kind_give_a_report_saying_nothing_changed() -> None:
    files = {p: _golden(p) for p in (RULES, DATASOURCE, "docs/dashboards.md")}
    assert _report(files, dict(files)).splitlines()[2] == "**No change to any of 3 shipped files.**"


def test_rule_groups_own_fields_are_compared_by_group_name() -> None:
    old = _rules()
    new = copy.deepcopy(old)
    http = next(g for g in new["groups"] if g["name"] == "leaky-tokens-http.rules")
    http["interval"] = "5m"
    alerting = next(g for g in new["groups"] if g["name"] == "leaky-tokens")
    alerting["name"] = "leaky-tokens-alerts"
    text = _report({RULES: yaml.safe_dump(old).encode()}, {RULES: yaml.safe_dump(new).encode()})
    assert "rules 0 added, 0 removed, 18 changed; 3 group changes" in text
    assert '| `groups[leaky-tokens-http.rules].interval` | `"1m"` | `"5m"` |' in text
    assert "| `groups[leaky-tokens-alerts]` | `(absent)` | `(added)` |" in text
    assert "| `groups[leaky-tokens]` | `(present)` | `(removed)` |" in text
    assert '| `group` | `"leaky-tokens"` | `"leaky-tokens-alerts"` |' in text
