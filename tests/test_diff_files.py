"""`invoke diff` covers every golden file: rules by name and severity, provisioning, docs."""

from __future__ import annotations

import copy
import json
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
    assert "| field | value |" not in added.split("####", 1)[0]  # nothing but its expression


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
    # the lines themselves, folded: a hand edit of a generated file is read, not counted
    fold = text.split("<details>", 1)[1]
    assert "```diff\n@@ -6,5 +6,6 @@\n \n a\n-b\n+B\n+c\n \n ## Thresholds\n```" in fold


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


def test_a_json_file_other_than_a_dashboard_is_compared_field_by_field() -> None:
    old = b'{"kind": "ConfigMap", "data": {"a": "1", "b": "2"}}'
    new = b'{"kind": "ConfigMap", "data": {"a": "1", "b": "3"}}'
    text = _report({"kubernetes/config.json": old}, {"kubernetes/config.json": new})
    assert '| `data.b` | `"2"` | `"3"` |' in text


def _replace_embedded(value: Any, old: dict[str, Any], new: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _replace_embedded(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_embedded(v, old, new) for v in value]
    if isinstance(value, str) and value.lstrip().startswith("{") and json.loads(value) == old:
        return json.dumps(new)
    return value


def test_a_kubernetes_wrapper_of_a_dashboard_names_the_dashboard_instead_of_its_json() -> None:
    root = ROOT / "golden"
    old = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    overview = "dashboards/leaky-tokens-overview.json"
    model = json.loads(old[overview])
    changed = dict(model, title="🚀 Overview")
    new = dict(old, **{overview: json.dumps(changed).encode()})
    wrappers = [p for p in old if p.startswith("kubernetes/") and "overview" in p]
    assert wrappers
    for path in wrappers:
        document = yaml.safe_load(old[path])
        new[path] = yaml.safe_dump(_replace_embedded(document, model, changed)).encode()
    text = _report(old, new)
    for path in wrappers:
        section = text.split(f"(<code>{path}</code>)", 1)[1].split("</details>", 1)[0]
        assert (
            f"| `the dashboard {overview} (before)` | `the dashboard {overview} (after)` |"
            in section
        )
        assert "panels" not in section


def test_a_file_written_differently_with_the_same_content_is_still_a_change() -> None:
    rules = _golden(RULES)
    dashboard = _golden("dashboards/leaky-tokens-overview.json")
    old = {RULES: rules, "dashboards/leaky-tokens-overview.json": dashboard}
    new = {
        RULES: b"# a comment\n" + rules,
        "dashboards/leaky-tokens-overview.json": json.dumps(json.loads(dashboard)).encode(),
    }
    text = _report(old, new)
    assert "**Changed: 2 of 2 shipped files**" in text
    assert f"(`{RULES}`): the same content, written differently: 1 line added, 0 removed" in text
    assert "+# a comment" in text
    assert (
        "(`dashboards/leaky-tokens-overview.json`): the same content, written differently" in text
    )


def test_the_provisioning_folder_is_compared() -> None:
    path = "provisioning/dashboards/leaky-tokens.yaml"
    old = _golden(path)
    text = _report({path: old}, {path: old.replace(b"folder: Leaky Tokens", b"folder: Other")})
    assert '| `providers[leaky-tokens].folder` | `"Leaky Tokens"` | `"Other"` |' in text


def test_a_committed_dashboard_the_comparer_cannot_read_is_named_not_a_crash() -> None:
    path = "dashboards/leaky-tokens-overview.json"
    model = json.loads(_golden(path))
    broken = copy.deepcopy(model)
    next(p for p in broken["panels"] if p["type"] != "row")["gridPos"]["x"] = "left"
    text = _report({path: _golden(path)}, {path: json.dumps(broken).encode()})
    assert f"- **Dashboard file** (`{path}`): after is not a readable dashboard (panel " in text
    assert "`gridPos` or `fieldConfig` is malformed)" in text


def test_a_yaml_file_using_aliases_is_compared_as_text_not_expanded() -> None:
    laughs = b"a: &a [x, x, x, x, x, x, x, x, x]\n" + b"".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n".encode()
        for i in range(8)
    )
    text = _report({DATASOURCE: _golden(DATASOURCE)}, {DATASOURCE: laughs})
    assert "not valid YAML (it uses YAML anchors and aliases" in text
    assert len(text) < 20_000  # its lines, not a billion expanded values


def test_a_threshold_step_that_is_not_an_object_is_shown_not_a_crash() -> None:
    path = "dashboards/leaky-tokens-overview.json"
    model = json.loads(_golden(path))
    broken = copy.deepcopy(model)
    panel = next(p for p in broken["panels"] if p.get("title") == "⏱️ Latency p95")
    panel["fieldConfig"]["defaults"]["thresholds"]["steps"][1] = "yellow"
    text = _report({path: _golden(path)}, {path: json.dumps(broken).encode()})
    assert "(not a step: 'yellow')" in text
