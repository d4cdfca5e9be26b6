"""References that cannot dangle: a link, an alert's dashboard_url or runbook_url that opens
nothing is a lint error (exit 2) naming the panel or alert and the link."""

from __future__ import annotations

import json

import pytest
import yaml

from leaky_dashboards import cli
from leaky_dashboards.lint import links, lint
from leaky_dashboards.project import Project
from leaky_dashboards.settings import ROOT, Paths

BUSINESS = "dashboards/leaky-tokens-business.jsonnet"


def test_removing_the_panel_a_drill_down_opens_is_a_lint_error_naming_panel_and_link(
    tree: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tree.root / BUSINESS
    text = source.read_text()
    assert "      p.topUsers,\n" in text
    source.write_text(text.replace("      p.topUsers,\n", ""))
    assert cli.lint(paths=tree) == 2
    out = capsys.readouterr().out
    assert (
        "error: leaky-tokens-overview › 👥 Active users › link-target: link “Top users” opens "
        "/d/leaky-tokens-business?viewPanel=3774979&${__url_time_range}&${__all_variables}: "
        "dashboard 'leaky-tokens-business' has no panel 3774979"
    ) in out


KNOWN = {"leaky-tokens-overview": {1, 2}}


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("/d/leaky-tokens-overview?viewPanel=2", None),
        ("http://grafana:3000/d/leaky-tokens-overview?viewPanel=panel-1&x=1", None),
        (
            "/d/leaky-tokens-overview/overview?viewPanel=9",
            "dashboard 'leaky-tokens-overview' has no panel 9",
        ),
        ("/d/leaky-tokens-gone", "no dashboard has uid 'leaky-tokens-gone'"),
        ("/d/${uid}?viewPanel=3", None),
        ("https://example.org/docs", None),
    ],
)
def test_a_link_dangles_when_its_dashboard_or_panel_is_not_in_the_tree(
    url: str, why: str | None
) -> None:
    assert links.dangling(url, KNOWN) == why


def test_a_dashboard_link_to_a_missing_dashboard_names_the_link() -> None:
    model = {"links": [{"title": "Old", "url": "/d/leaky-tokens-old"}], "panels": []}
    [finding] = links.dashboard_findings("leaky-tokens-overview", model, KNOWN)
    assert str(finding) == (
        "error: leaky-tokens-overview › dashboard link “Old” › link-target: "
        "/d/leaky-tokens-old: no dashboard has uid 'leaky-tokens-old'"
    )


def test_an_alerts_dashboard_url_and_runbook_anchor_must_exist() -> None:
    rules = {
        "groups": [
            {
                "name": "g",
                "rules": [
                    {
                        "alert": "LeakyTokensX",
                        "labels": {"severity": "warning"},
                        "annotations": {
                            "dashboard_url": "http://localhost:3000/d/leaky-tokens-overview?viewPanel=7",
                            "runbook_url": "golden/docs/dashboards.md#runbook-gone",
                        },
                    },
                    {
                        "alert": "LeakyTokensY",
                        "labels": {"severity": "critical"},
                        "annotations": {
                            "dashboard_url": "http://localhost:3000/d/leaky-tokens-overview?viewPanel=1",
                            "runbook_url": "golden/docs/dashboards.md#runbook-leakytokensy",
                        },
                    },
                ],
            }
        ]
    }
    found = [str(f) for f in links.alert_findings(rules, KNOWN, {"runbook-leakytokensy"})]
    assert found == [
        "error: alert LeakyTokensX (warning) › alert-link-target: dashboard_url "
        "http://localhost:3000/d/leaky-tokens-overview?viewPanel=7: "
        "dashboard 'leaky-tokens-overview' has no panel 7",
        "error: alert LeakyTokensX (warning) › alert-link-target: runbook_url "
        "golden/docs/dashboards.md#runbook-gone: the docs have no section 'runbook-gone'",
    ]


def test_the_real_tree_has_no_dangling_link() -> None:
    report = lint(Project(Paths()), check_sources=False)
    assert [f for f in report.findings if f.rule in ("link-target", "alert-link-target")] == []


def test_every_runbook_url_of_the_rules_names_a_section_of_the_docs() -> None:
    root = ROOT
    document = yaml.safe_load(
        (root / "golden/provisioning/prometheus/leaky-tokens-alerts.yaml").read_text()
    )
    docs = (root / "golden/docs/dashboards.md").read_text()
    anchors = {line.split('"')[1] for line in docs.splitlines() if line.startswith("<a id=")}
    models = [
        json.loads(p.read_text()) for p in sorted((root / "golden/dashboards").glob("*.json"))
    ]
    assert links.alert_findings(document, links.targets(models), anchors) == []
