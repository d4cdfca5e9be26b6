"""The README's recipes, followed on a copy of the whole project (sources, package, tests): a fifth
dashboard, a new metric with its panel, a threshold change. After each, `invoke fmt`, `invoke
golden-update`, `invoke build` and `invoke lint` pass, and so do the tests that read the
dashboards from the sources, with no other file edited."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from leaky_dashboards import outputs
from leaky_dashboards.settings import ROOT, kubernetes_schema_dir, schema_dir

# Generated or cached, never part of a change.
IGNORED = shutil.ignore_patterns(
    ".git", "build", ".cache", ".pytest_cache", ".mypy_cache", ".ruff_cache", "__pycache__"
)
# The tests that read the dashboards (or the thresholds) from the sources: a recipe must keep them
# passing with no edit. Run with `-m "not slow"`, as `invoke test --quick` does.
GENERIC_TESTS = (
    "tests/test_dashboards_annotations.py",
    "tests/test_dashboards_health.py",
    "tests/test_dashboards_ids.py",
    "tests/test_dashboards_inventory.py",
    "tests/test_dashboards_layout.py",
    "tests/test_dashboards_links.py",
    "tests/test_dashboards_queries.py",
    "tests/test_dashboards_structure.py",
    "tests/test_alerts_rules.py",
    "tests/test_drift.py",
    "tests/test_drift_grafana.py",
    "tests/test_lint_build.py",
)

ANALYTICS = """\
// 📈 Analytics Service: what the analytics service's users see of it.
local lt = import 'leaky.libsonnet';
local p = lt.platform;
local row = lt.layout.row;

lt.dashboard.new(
  'analytics',
  'The analytics service as its users see it: requests, server errors and latency.',
  ['service'],
  [
    row('Traffic', [
      p.requestRateByService,
      p.errorRateByService,
      p.latencyPercentiles,
    ]),
  ],
  title='📈 Analytics Service',
  tags=['analytics'],
)
"""

EXPORTS_METRIC = (
    "            analytics_anomaly_query_total: analyticsCounter,\n",
    "            analytics_anomaly_query_total: analyticsCounter,\n"
    "            analytics_export_total: counter(['analytics-service'], "
    "{ format: ['csv', 'json'] }),\n",
)
EXPORTS_PANEL = (
    "panels.keyed({\n",
    "panels.keyed({\n"
    "  analyticsExports: panels.timeSeries(\n"
    "    title='Analytics exports per minute',\n"
    "    description='Reports the analytics service exported, per minute, by format.',\n"
    "    unit='opm',\n"
    "    targets=[patterns.perMinuteByLabel(m.counter('analytics_export_total'), 'format')],\n"
    "    decimals=1,\n"
    "  ),\n",
)
EXPORTS_ROW = (
    "      p.hourlyConsumption,\n",
    "      p.hourlyConsumption,\n      p.analyticsExports,\n",
)
# (The alerts' promtool cases, tests/promtool/, state the levels in the summaries they expect: a
# recipe's own step, and slow tests, so not among the generic ones run here.)
BLOCKS_WARNING = ("warning: 20, critical: 100,", "warning: 30, critical: 100,")


def _edit(path: Path, change: tuple[str, str]) -> None:
    old, new = change
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path}: the recipe's anchor {old!r} is not there once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _golden(root: Path, name: str) -> dict[str, object]:
    model: dict[str, object] = json.loads(
        (root / "golden" / "dashboards" / f"leaky-tokens-{name}.json").read_text()
    )
    return model


def add_a_dashboard(root: Path) -> Callable[[], None]:
    (root / "dashboards" / "leaky-tokens-analytics.jsonnet").write_text(ANALYTICS)

    def check() -> None:
        new = _golden(root, "analytics")
        assert new["uid"] == "leaky-tokens-analytics"
        assert new["tags"] == ["leaky-tokens", "analytics"]
        # every other dashboard links to it, last (config.dashboards does not list it)
        for source in (root / "dashboards").glob("*.jsonnet"):
            if source.stem != "leaky-tokens-analytics":
                links = _golden(root, source.stem.removeprefix("leaky-tokens-"))["links"]
                assert isinstance(links, list) and links[-1]["title"] == "📈 Analytics Service"
        docs = (root / "golden" / "docs" / "dashboards.md").read_text()
        assert "📈 Analytics Service" in docs

    return check


def add_a_metric_with_a_panel(root: Path) -> Callable[[], None]:
    _edit(root / "libsonnet" / "metrics.libsonnet", EXPORTS_METRIC)
    _edit(root / "libsonnet" / "tokens.libsonnet", EXPORTS_PANEL)
    _edit(root / "dashboards" / "leaky-tokens-business.jsonnet", EXPORTS_ROW)

    def check() -> None:
        text = json.dumps(_golden(root, "business"))
        assert "Analytics exports per minute" in text and "analytics_export_total" in text

    return check


def change_a_threshold(root: Path) -> Callable[[], None]:
    _edit(root / "libsonnet" / "config.libsonnet", BLOCKS_WARNING)

    def check() -> None:
        rules = (root / "golden" / outputs.RULES_FILE).read_text()
        assert ") > 30" in rules and "Rate Limit Blocks above 30 per minute" in rules

    return check


RECIPES = {
    "dashboard": add_a_dashboard,
    "metric": add_a_metric_with_a_panel,
    "threshold": change_a_threshold,
}


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "PYTHONPATH": str(root),
        "LEAKY_SCHEMA_DIR": str(schema_dir()),
        "LEAKY_KUBERNETES_SCHEMA_DIR": str(kubernetes_schema_dir()),
    }
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow  # copies the project and runs the build and tests in it
@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_a_recipe_followed_on_a_copy_passes_every_check_with_no_other_edit(
    recipe: str, tmp_path: Path
) -> None:
    root = tmp_path / "project"
    shutil.copytree(ROOT, root, ignore=IGNORED)
    check = RECIPES[recipe](root)
    output = {}
    for task in ("fmt", "golden-update", "build", "lint"):
        done = _run(root, "invoke", task)
        assert done.returncode == 0, f"invoke {task}:\n{done.stdout}\n{done.stderr}"
        output[task] = done.stdout
    assert "no golden drift" in output["build"]
    check()
    tests = _run(root, "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow", *GENERIC_TESTS)
    assert tests.returncode == 0, tests.stdout[-5000:] + tests.stderr[-2000:]
