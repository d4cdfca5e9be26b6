"""An environment's selectors (`overrides.selectors`, such as production's `cluster: prod-eu-1`):
every query its dashboards, recording rules and alerts make carries the matcher, every rule's
aggregation keeps the label, and on series of two clusters only the selected one's are read (a
promtool unit test over the environment's own rules file and one of its dashboards' queries)."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from leaky_dashboards import artifacts, environments
from leaky_dashboards.model import iter_panels
from leaky_dashboards.outputs import RULES_FILE
from leaky_dashboards.project import Project
from leaky_dashboards.promql import children, kind, metric_name, parse, selectors
from leaky_dashboards.settings import Paths

CLUSTER = ("cluster", "prod-eu-1")
OTHER = "prod-us-1"


@cache
def rendered(name: str | None) -> dict[str, bytes]:
    """Every file the committed environment `name` renders (None: the default installation)."""
    if name is None:
        return artifacts.render_all(Project())
    [environment] = environments.select(Paths(), name, environments.defaults(Project().library))
    project = Project(Paths(), environment.installation, placement=environment.placement)
    return artifacts.render_all(project)


def queries(files: dict[str, bytes]) -> Iterator[tuple[str, str]]:
    """(where, PromQL) of every query: panel targets, variables' label_values, annotations,
    recording and alerting rules."""
    for path, content in sorted(files.items()):
        if not (path.startswith("dashboards/") and path.endswith(".json")):
            continue
        model = json.loads(content)
        for panel in iter_panels(model):
            for target in panel.get("targets", []):
                yield f"{path} › {panel.get('title')}", str(target["expr"])
        for variable in model["templating"]["list"]:
            if variable["type"] == "query":
                definition = str(variable["definition"])
                inner = definition.removeprefix("label_values(").rpartition(",")[0]
                yield f"{path} › variable {variable['name']}", inner
        for annotation in model["annotations"]["list"]:
            if "expr" in annotation:
                yield f"{path} › annotation {annotation['name']}", str(annotation["expr"])
    for group in yaml.safe_load(files[RULES_FILE])["groups"]:
        for rule in group["rules"]:
            yield f"rules › {rule.get('record') or rule.get('alert')}", str(rule["expr"])


def nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in children(node):
        yield from nodes(child)


def matchers(selector: Any) -> set[tuple[str, str, str]]:
    return {
        (str(m.name), str(m.op).rsplit(".", 1)[-1], str(m.value))
        for m in selector.matchers.matchers
    }


def test_every_query_of_a_cluster_selecting_environment_reads_that_cluster_only() -> None:
    found = list(queries(rendered("production")))
    assert len(found) > 150  # every panel, variable, annotation and rule
    missing = []
    for where, text in found:
        query = parse(text)
        assert query.ast is not None, (where, query.error)
        for selector in selectors(query.ast):
            if (CLUSTER[0], "Equal", CLUSTER[1]) not in matchers(selector):
                missing.append((where, metric_name(selector)))
    assert missing == []


def test_the_default_installation_matches_no_cluster() -> None:
    for where, text in queries(rendered(None)):
        query = parse(text)
        assert query.ast is not None, where
        for selector in selectors(query.ast):
            assert "cluster" not in {m[0] for m in matchers(selector)}, where


def test_every_rule_aggregating_by_labels_keeps_the_cluster_label() -> None:
    kept = 0
    for where, text in queries(rendered("production")):
        if not where.startswith("rules › "):
            continue
        ast = parse(text).ast
        for node in nodes(ast):
            if kind(node) == "AggregateExpr" and node.modifier is not None:
                labels = list(node.modifier.labels)
                if str(node.modifier.type).endswith("Without"):
                    assert CLUSTER[0] not in labels, where
                else:
                    assert CLUSTER[0] in labels, (where, labels)
                    kept += 1
            modifier = node.modifier if kind(node) == "BinaryExpr" else None
            matching = modifier.matching if modifier is not None else None
            if matching is not None and matching.labels:  # on (...) or ignoring (...)
                on = str(matching.type).endswith("Include")
                assert (CLUSTER[0] in list(matching.labels)) == on, where
                kept += 1
    assert kept > 20


def _selected(files: dict[str, bytes]) -> dict[str, list[tuple[str | None, list[Any]]]]:
    """Each query's vector selectors: the series it names and the matchers it reads them by."""
    found: dict[str, list[tuple[str | None, list[Any]]]] = {}
    for where, text in queries(files):
        query = parse(text)
        assert query.ast is not None, where
        found[where] = [(metric_name(s), sorted(matchers(s))) for s in selectors(query.ast)]
    return found


def test_an_environment_without_selectors_reads_what_the_default_reads() -> None:
    # Staging changes thresholds only: every query reads the same series by the same matchers.
    assert _selected(rendered("staging")) == _selected(rendered(None))


# ---- two clusters' series, one environment's rules: promtool reads only prod-eu-1's ----


def series(name: str, cluster: str, values: str, **labels: str) -> dict[str, str]:
    merged = {
        "application": "api-gateway",
        "instance": "api-gateway:8080",
        "job": "api-gateway",
        "cluster": cluster,
    } | labels
    shown = ", ".join(f'{k}="{v}"' for k, v in merged.items())
    return {"series": f"{name}{{{shown}}}", "values": values}


def http(cluster: str, outcome: str, per_scrape: int) -> dict[str, str]:
    status = "500" if outcome == "SERVER_ERROR" else "200"
    return series(
        "http_server_requests_seconds_count",
        cluster,
        f"0+{per_scrape}x80",
        method="POST",
        uri="/api/v1/tokens/consume",
        status=status,
        outcome=outcome,
        exception="none",
    )


def alert_panel_query(files: dict[str, bytes], alert: str) -> str:
    """The first target of the panel alert `alert` links to, its `$service` set to All."""
    [url] = {
        rule["annotations"]["dashboard_url"]
        for group in yaml.safe_load(files[RULES_FILE])["groups"]
        for rule in group["rules"]
        if rule.get("alert") == alert
    }
    found = re.search(r"/d/([^?]+)\?viewPanel=(\d+)", url)
    assert found is not None, url
    model = json.loads(files[f"dashboards/{found[1]}.json"])
    [panel] = [p for p in iter_panels(model) if p.get("id") == int(found[2])]
    return str(panel["targets"][0]["expr"]).replace("$service", ".*")


@pytest.fixture
def promtool() -> Any:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["promtool", *args], capture_output=True, text=True, check=False)

    return run


def test_on_two_clusters_series_the_environments_rules_and_dashboards_read_only_its_own(
    tmp_path: Path, promtool: Any
) -> None:
    files = rendered("production")
    rules = tmp_path / "rules.yaml"
    rules.write_bytes(files[RULES_FILE])
    recorded_requests = "application:http_server_requests:rate5m"
    recorded_errors = "application:http_server_requests_errors:rate5m"
    error_rate = alert_panel_query(files, "LeakyTokensErrorRateHigh")
    assert recorded_errors in error_rate and 'cluster="prod-eu-1"' in error_rate
    case = {
        "rule_files": [str(rules)],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "15s",
                # prod-eu-1: 3.8 good + 0.2 failed requests per second (5 % errors, production's
                # critical level is 3 %); prod-us-1: 4 good ones, no error, so read together the
                # two would be 8 requests per second and 2.5 % errors (no critical alert). Its
                # own ruler's recorded series are there too, as in a store of both clusters.
                "input_series": [
                    http(CLUSTER[1], "SUCCESS", 57),
                    http(CLUSTER[1], "SERVER_ERROR", 3),
                    http(OTHER, "SUCCESS", 60),
                    series(recorded_requests, OTHER, "4+0x80"),
                    series(recorded_errors, OTHER, "0+0x80"),
                ],
                "promql_expr_test": [
                    {
                        "expr": recorded_requests,
                        "eval_time": "15m",
                        "exp_samples": [
                            {
                                "labels": f'{recorded_requests}{{application="api-gateway", '
                                'cluster="prod-eu-1"}',
                                "value": 4,
                            },
                            {
                                "labels": f'{recorded_requests}{{application="api-gateway", '
                                f'cluster="{OTHER}", instance="api-gateway:8080", '
                                'job="api-gateway"}',
                                "value": 4,
                            },
                        ],
                    },
                    {
                        "expr": error_rate,
                        "eval_time": "15m",
                        "exp_samples": [{"labels": "{}", "value": 0.05}],
                    },
                    {
                        "expr": 'ALERTS{alertname="LeakyTokensErrorRateHigh", alertstate="firing"}',
                        "eval_time": "15m",
                        "exp_samples": [
                            {
                                "labels": 'ALERTS{alertname="LeakyTokensErrorRateHigh", '
                                'alertstate="firing", application="api-gateway", '
                                f'cluster="prod-eu-1", severity="{severity}"}}',
                                "value": 1,
                            }
                            for severity in ("critical", "warning")
                        ],
                    },
                ],
            }
        ],
    }
    test_file = tmp_path / "case.yaml"
    test_file.write_text(yaml.safe_dump(case, sort_keys=False))
    result = promtool("test", "rules", str(test_file))
    assert result.returncode == 0, result.stdout + result.stderr
