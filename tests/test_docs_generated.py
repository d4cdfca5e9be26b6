"""`invoke docs`: documentation generated from the Jsonnet sources, golden-checked by the build."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from leaky_dashboards import build, docs, outputs
from leaky_dashboards.engine import evaluate_file
from leaky_dashboards.errors import BuildError, DriftError
from leaky_dashboards.model import iter_panels
from leaky_dashboards.project import Project
from leaky_dashboards.render import compile_all
from leaky_dashboards.review import jobs
from leaky_dashboards.settings import Installation, Paths

DOCS = outputs.DOCS_FILE

# The spec's "Recommended Alerting Thresholds" table, as it words the levels.
SPEC_THRESHOLDS = {
    "Error Rate": ("> 1%", "> 5%"),
    "P95 Latency": ("> 500ms", "> 1s"),
    "Heap Usage": ("> 70%", "> 85%"),
    "Auth Failures": ("> 10/min", "> 50/min"),
    "Rate Limit Blocks": ("> 20/min", "> 100/min"),
    "Provider Failures": ("> 5/5min", "> 20/5min"),
}


def _plain(markdown: str) -> str:
    """The text a reader sees: Markdown backslash escapes removed."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def _docs(tree: Paths, installation: Installation) -> str:
    return jobs.docs(Project(tree, installation), echo=lambda _: None).decode("utf-8")


def test_docs_name_every_dashboard_panel_with_its_description_and_every_variable(
    tree: Paths, installation: Installation
) -> None:
    text = _plain(_docs(tree, installation))
    dashboards = compile_all(tree, installation, "go")
    assert len(dashboards) >= 1
    for dashboard in dashboards:
        assert f"({dashboard.name}.json)" in text.replace("`", "")
        assert f"**Purpose:** {dashboard.model['description']}" in text
        for panel in iter_panels(dashboard.model):
            assert panel["title"] in text, panel["title"]
            if panel["type"] != "row":
                assert " ".join(panel["description"].split()) in text, panel["title"]
        for variable in dashboard.model["templating"]["list"]:
            assert f"`${variable['name']}`" in text


def test_every_threshold_of_the_config_is_a_row_worded_as_the_spec_words_it(
    tree: Paths, installation: Installation
) -> None:
    text = _plain(_docs(tree, installation))
    config = json.loads(
        evaluate_file(
            tree.libsonnet / "config.libsonnet",
            library=tree.libsonnet,
            ext_vars=installation.ext_vars(),
        )
    )
    section = text.split("## Recommended alerting thresholds", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) - 1 == len(config["thresholds"]) == len(SPEC_THRESHOLDS)
    for name, (warning, critical) in SPEC_THRESHOLDS.items():
        assert f"| {name} | {warning} | {critical} |" in section, name


def test_docs_follow_a_threshold_change_in_the_config(
    tree: Paths, installation: Installation
) -> None:
    config = tree.libsonnet / "config.libsonnet"
    text = config.read_text()
    assert "warning: 0.70, critical: 0.85" in text
    config.write_text(text.replace("warning: 0.70, critical: 0.85", "warning: 0.75, critical: 0.9"))
    assert "| Heap Usage | > 75% | > 90% |" in _plain(_docs(tree, installation))


def test_metrics_each_dashboard_uses_are_parsed_from_its_queries_and_variables(
    tree: Paths, installation: Installation
) -> None:
    text = _docs(tree, installation)
    overview = text.split("(`leaky-tokens-overview.json`)", 1)[1].split("\n## ", 1)[0]
    metrics = overview.split("### Metrics used", 1)[1]
    listed = set(re.findall(r"^\| `([a-z_:][a-z0-9_:]*)` \|", metrics, re.M))
    # read by a heatmap as recorded buckets, by a table as counts, by the $service variable
    assert {
        "application_le:http_server_requests_seconds_bucket:rate5m",
        "http_server_requests_seconds_count",
        "provider_outcome_instance:token_consume_total:sum",
        "process_uptime_seconds",
    } <= listed
    # a label value or a function name is never taken for a metric
    assert not listed & {"sum", "rate", "allowed", "application", "le"}
    assert "| `process_uptime_seconds` | gauge |" in metrics


def test_docs_are_byte_identical_across_runs(tree: Paths, installation: Installation) -> None:
    first = jobs.docs(Project(tree, installation), echo=lambda _: None)
    library = Project(tree, installation, "go").library
    second = docs.files(compile_all(tree, installation, "go"), library)[DOCS]
    assert first == second


def test_build_fails_when_the_reviewed_docs_are_out_of_date(
    tree: Paths, installation: Installation
) -> None:
    golden = tree.golden / DOCS
    build.run(Project(tree, installation), update=True, echo=lambda _: None)
    assert golden.read_bytes() == jobs.docs(Project(tree, installation), echo=lambda _: None)
    build.run(Project(tree, installation), echo=lambda _: None)  # up to date: passes
    golden.write_text(golden.read_text().replace("Executive Overview", "Old Overview", 1))
    lines: list[str] = []
    with pytest.raises(DriftError):
        build.run(Project(tree, installation), echo=lines.append)
    assert f"{DOCS}: changed" in lines


def test_a_query_that_does_not_parse_is_an_error_naming_dashboard_panel_and_refid(
    tree: Paths, installation: Installation
) -> None:
    dashboards = compile_all(tree, installation, "go")
    dashboard = dashboards[0]
    panel = next(p for p in iter_panels(dashboard.model) if p.get("targets"))
    panel["targets"][0]["expr"] = "sum(rate(x[5m]"
    library = Project(tree, installation, "go").library
    with pytest.raises(BuildError) as raised:
        docs.render(dashboards, library)
    ref = panel["targets"][0]["refId"]
    assert str(raised.value).startswith(f"{dashboard.title} › {panel['title']} › {ref}: ")


def test_every_alert_has_a_runbook_with_three_checks_and_the_panel_to_open(
    tree: Paths, installation: Installation
) -> None:
    text = _docs(tree, installation)
    rules = yaml.safe_load((tree.golden / outputs.RULES_FILE).read_text(encoding="utf-8"))
    names = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
    sections = text.split("## Alert runbooks", 1)[1].split('<a id="')[1:]
    assert sorted(s.split("### Runbook: ", 1)[1].split("\n", 1)[0] for s in sections) == sorted(
        names
    )
    for section in sections:
        anchor = section.split('"', 1)[0]
        alert = section.split("### Runbook: ", 1)[1].split("\n", 1)[0]
        assert anchor == "runbook-" + alert.lower()
        assert re.search(r"\n1\. .+\n2\. .+\n3\. .+\n", section), alert
        assert re.search(r"\*\*Open:\*\* .+ › .+ \(`/d/leaky-tokens-\w+\?viewPanel=\d+`", section)


def test_a_library_from_before_the_runbooks_still_renders_its_docs(
    tree: Paths, installation: Installation
) -> None:
    # What `invoke diff --base` renders for a ref older than the runbooks.
    alerts = tree.libsonnet / "alerts.libsonnet"
    source = alerts.read_text(encoding="utf-8")
    assert "  runbooks(links)::" in source
    alerts.write_text(source.replace("  runbooks(links)::", "  notRunbooks(links)::"))
    text = _docs(tree, installation)
    assert "## Recommended alerting thresholds" in text and "Alert runbooks" not in text
