"""The build: compile, canonical format, determinism, both engines, golden-update, provisioning."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from leaky_dashboards import artifacts, build, canonical
from leaky_dashboards.errors import DriftError
from leaky_dashboards.project import Project
from leaky_dashboards.render import compile_all
from leaky_dashboards.settings import ROOT, Installation, Paths

from .conftest import snapshot


def test_every_source_compiles_to_a_dashboard_with_uid_and_title(
    tree: Paths, installation: Installation
) -> None:
    dashboards = compile_all(tree, installation, "go")
    assert dashboards, "no dashboards compiled"
    for dashboard in dashboards:
        assert dashboard.uid == dashboard.name
        assert dashboard.title


def test_canonical_form_keeps_emoji_sorts_keys_indents_two_and_ends_with_newline() -> None:
    text = canonical.dumps({"title": "🚀 Overview", "a": [1, {"z": 1, "b": 2}]}).decode()
    expected = '{\n  "a": [\n    1,\n    {\n      "b": 2,\n      "z": 1\n    }\n  ],\n'
    assert text == expected + '  "title": "🚀 Overview"\n}\n'


def test_every_panel_starts_with_id_type_and_title_and_other_objects_stay_sorted() -> None:
    model = {
        "title": "D",
        "panels": [
            {"gridPos": {"y": 0, "x": 0}, "title": "R", "type": "row", "id": 1, "panels": [
                {"targets": [{"refId": "A", "expr": "up"}], "title": "P", "id": 2, "type": "stat"}
            ]},
        ],
        "templating": {"list": [{"type": "custom", "name": "v", "id": "x"}]},
    }  # fmt: skip
    text = canonical.dumps(model).decode()
    parsed = json.loads(text)
    row = parsed["panels"][0]
    assert list(row) == ["id", "type", "title", "gridPos", "panels"]
    assert list(row["panels"][0]) == ["id", "type", "title", "targets"]
    assert list(row["panels"][0]["targets"][0]) == ["expr", "refId"]
    assert list(row["gridPos"]) == ["x", "y"]
    assert list(parsed) == ["panels", "templating", "title"]
    assert list(parsed["templating"]["list"][0]) == ["id", "name", "type"]  # not a panel
    assert canonical.dumps(parsed) == text.encode()


def test_one_pass_canonical_text_is_the_standard_encoders_text() -> None:
    tricky = [
        {},
        [],
        [[], {}, [[]]],
        {'é\u2028"\\\x00': "🚀\n", "a": -0.0, "b": 1e16, "c": 1e-07, "d": 10**30},
        {"panels": [[{"b": 1, "id": 2}], {"title": 1, "a": 2, "id": 3, "type": 4}, 5, None]},
        {"x": {"panels": {"z": 1, "id": 1}}, "y": [True, False, None, 1.5]},
        {1: "a key that is not a string", "2": 0},
    ]
    goldens = sorted((ROOT / "golden" / "dashboards").glob("*.json"))
    for value in [*tricky, *(json.loads(p.read_bytes()) for p in goldens)]:
        assert canonical.dumps(value) == canonical.reference(value), value
    with pytest.raises(ValueError, match="not JSON compliant"):
        canonical.dumps({"a": [float("nan")]})


def test_a_golden_dashboard_hunk_sits_under_its_panel_title() -> None:
    lines = (ROOT / "golden" / "dashboards" / "leaky-tokens-overview.json").read_text().splitlines()
    title = lines.index('      "title": "🔥 Requests per minute",')
    opening, panel_id, panel_type = (line.strip() for line in lines[title - 3 : title])
    assert (opening, panel_type) == ("{", '"type": "stat",')
    assert re.fullmatch(r'"id": \d+,', panel_id)
    assert lines[title + 1].strip().startswith('"datasource"')


def test_two_builds_of_the_same_tree_are_byte_identical(
    tree: Paths, installation: Installation
) -> None:
    first = artifacts.render_all(Project(tree, installation, "go"))
    second = artifacts.render_all(Project(tree, installation, "go"))
    assert first == second


def test_go_and_cpp_engines_render_identical_bytes(tree: Paths, installation: Installation) -> None:
    go = artifacts.render_all(Project(tree, installation, "go"))
    cpp = artifacts.render_all(Project(tree, installation, "cpp"))
    assert go == cpp


def test_committed_golden_files_match_the_sources(tree: Paths, installation: Installation) -> None:
    result = build.run(Project(tree, installation), echo=lambda _: None)
    assert result.changes == []
    assert (tree.provisioning / "datasources" / "prometheus.yaml").is_file()


def test_golden_update_accepts_a_change_and_the_next_build_passes(
    tree: Paths, installation: Installation
) -> None:
    source = tree.dashboards / "leaky-tokens-overview.jsonnet"
    source.write_text(source.read_text().replace("'Key metrics'", "'Headline numbers'"))
    with pytest.raises(DriftError):
        build.run(Project(tree, installation), echo=lambda _: None)
    lines: list[str] = []
    build.run(Project(tree, installation), update=True, echo=lines.append)
    assert any("row renamed: 'Key metrics' → 'Headline numbers'" in line for line in lines)
    golden = json.loads((tree.golden / "dashboards" / "leaky-tokens-overview.json").read_text())
    rows = [p["title"] for p in golden["panels"] if p["type"] == "row"]
    assert "Headline numbers" in rows and "Key metrics" not in rows
    assert build.run(Project(tree, installation), echo=lambda _: None).changes == []


def test_drift_writes_nothing_and_leaves_golden_alone(
    tree: Paths, installation: Installation
) -> None:
    build.run(Project(tree, installation), echo=lambda _: None)
    before = snapshot(tree.root / "golden") | {
        f"p/{k}": v for k, v in snapshot(tree.provisioning).items()
    }
    source = tree.dashboards / "leaky-tokens-overview.jsonnet"
    source.write_text(source.read_text().replace("'Key metrics'", "'Headline numbers'"))
    with pytest.raises(DriftError):
        build.run(Project(tree, installation), echo=lambda _: None)
    after = snapshot(tree.root / "golden") | {
        f"p/{k}": v for k, v in snapshot(tree.provisioning).items()
    }
    assert after == before


def test_provisioning_declares_prometheus_datasource_and_leaky_tokens_folder(
    tree: Paths, installation: Installation
) -> None:
    build.run(Project(tree, installation), echo=lambda _: None)
    datasource = yaml.safe_load((tree.provisioning / "datasources" / "prometheus.yaml").read_text())
    [ds] = datasource["datasources"]
    assert ds["name"] == "Prometheus" and ds["type"] == "prometheus"
    assert (
        ds["url"] == "http://prometheus:9090"
        and ds["access"] == "proxy"
        and ds["isDefault"] is True
    )
    assert ds["jsonData"] == {"timeInterval": "15s", "httpMethod": "POST"}
    provider = yaml.safe_load((tree.provisioning / "dashboards" / "leaky-tokens.yaml").read_text())
    [prov] = provider["providers"]
    assert prov["folder"] == "Leaky Tokens" and prov["type"] == "file"
    assert prov["updateIntervalSeconds"] == 10 and prov["allowUiUpdates"] is True
    assert prov["options"]["path"].endswith("leaky-tokens")


def test_dashboards_reference_the_provisioned_datasource_uid(
    tree: Paths, installation: Installation
) -> None:
    custom = Installation(datasource_uid="prom-main", prometheus_url="http://prom.internal:9090")
    project = Project(tree, custom)
    dashboards, files = project.dashboards, artifacts.render_all(project)
    ds = yaml.safe_load(files["provisioning/datasources/prometheus.yaml"])["datasources"][0]
    assert ds["uid"] == "prom-main" and ds["url"] == "http://prom.internal:9090"
    for dashboard in dashboards:
        [var] = [v for v in dashboard.model["templating"]["list"] if v["name"] == "datasource"]
        assert var["current"]["value"] == "prom-main"


def test_installation_values_come_from_the_environment() -> None:
    installation = Installation.from_env(
        {"LEAKY_PROMETHEUS_URL": "http://p:9090", "LEAKY_FOLDER": "LT"}
    )
    assert installation.prometheus_url == "http://p:9090" and installation.folder == "LT"
    assert installation.datasource_uid == Installation().datasource_uid


def test_no_committed_file_carries_a_password_or_token() -> None:
    root = Path(__file__).resolve().parent.parent
    suspicious = (
        "password:",
        "secureJsonData",
        "basicAuthPassword",
        "api_key:",
        "GF_SECURITY_ADMIN_PASSWORD=",
    )
    for path in [*root.glob("golden/**/*"), *root.glob("provisioning/**/*")]:
        if path.is_file():
            text = path.read_text(errors="replace")
            assert not any(word in text for word in suspicious), path


def test_outputs_are_readable_by_other_users_such_as_grafana(
    tree: Paths, installation: Installation
) -> None:
    build.run(Project(tree, installation), update=True, echo=lambda _: None)
    for directory in (tree.golden, tree.provisioning):
        assert directory.stat().st_mode & 0o005 == 0o005, directory
        for path in directory.rglob("*"):
            assert path.stat().st_mode & 0o004, path
