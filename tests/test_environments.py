"""Environments from one source (environments/NAME.yaml): `invoke build --env NAME|all` renders
each into build/env/NAME/, its kustomize overlay renders offline with `kubectl kustomize` into
exactly the environment's objects, which pass the same validation; golden/ stays the default
installation, and golden/environments/NAME.yaml shows what each environment changes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from leaky_dashboards import artifacts, build, cli, environments, fsio, kubernetes
from leaky_dashboards.errors import DriftError
from leaky_dashboards.lint import manifests
from leaky_dashboards.project import Project
from leaky_dashboards.settings import ROOT, Paths, kubernetes_schema_dir

from .conftest import snapshot


def quiet(_: str) -> None:
    pass


def known() -> environments.Defaults:
    return environments.defaults(Project().library)


def rendered_objects(project: Project, routes: tuple[str, ...]) -> list[dict[str, Any]]:
    files = artifacts.render_all(project)
    return [
        kubernetes.load(content)
        for path, content in sorted(files.items())
        if path.startswith(tuple(f"kubernetes/{r}/" for r in routes))
        and not path.endswith(kubernetes.KUSTOMIZATION)
    ]


def by_identity(documents: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(d["kind"], d["metadata"]["name"]): d for d in documents}


def test_the_committed_environments_are_staging_and_production() -> None:
    assert environments.names(Paths()) == ["production", "staging"]


def test_every_overlay_renders_offline_into_exactly_the_environments_objects_and_they_validate(
    tree: Paths,
) -> None:
    build.run(Project(tree), env="all", echo=quiet)
    crds = kubernetes_schema_dir()
    crd_dir = crds if manifests.present(crds) else None
    for environment in environments.select(tree, "all", known()):
        overlay = environments.output(environment, tree) / "kubernetes"
        result = subprocess.run(
            ["kubectl", "kustomize", str(overlay)], capture_output=True, check=True
        )
        got = by_identity(list(yaml.safe_load_all(result.stdout)))
        project = Project(tree, environment.installation, placement=environment.placement)
        expected = rendered_objects(project, environment.routes)
        for document in expected:
            document["metadata"]["namespace"] = environment.namespace
            document["metadata"]["labels"] |= dict(environment.labels)
        assert got == by_identity(expected), environment.name
        for identity, document in got.items():
            found = [p for p in manifests.problems(document, crd_dir) if p[1] == "error"]
            assert found == [], (environment.name, identity)


def test_an_environment_renders_its_own_values_into_its_output(tree: Paths) -> None:
    build.run(Project(tree), env="staging", echo=quiet)
    out = tree.root / "build" / "env" / "staging"
    assert sorted(p.name for p in (tree.root / "build" / "env").iterdir()) == ["staging"]
    datasource = yaml.safe_load((out / "provisioning/datasources/prometheus.yaml").read_bytes())
    assert datasource["datasources"][0]["url"] == (
        "http://prometheus-operated.monitoring-staging.svc:9090"
    )
    system = json.loads((out / "dashboards/leaky-tokens-system.json").read_bytes())
    variable = next(v for v in system["templating"]["list"] if v["type"] == "datasource")
    assert variable["current"] == {"text": "Prometheus (staging)", "value": "prometheus-staging"}
    rules = (out / "provisioning/prometheus/leaky-tokens-alerts.yaml").read_text()
    assert 'jvm_memory_max_bytes{area="heap"} > 0)) > 0.8' in rules
    assert "https://grafana.staging.leaky-tokens.example/d/" in rules
    kustomization = yaml.safe_load((out / "kubernetes/kustomization.yaml").read_bytes())
    assert kustomization["namespace"] == "leaky-staging"
    assert kustomization["resources"] == [
        "../../../../golden/kubernetes/operator",
        "../../../../golden/kubernetes/rules",
    ]


def test_the_default_installation_stays_what_golden_reviews(tree: Paths) -> None:
    golden = snapshot(tree.golden)
    build.run(Project(tree), env="all", echo=quiet)
    assert snapshot(tree.golden) == golden
    assert snapshot(tree.provisioning) == snapshot(tree.golden / "provisioning")
    assert fsio.read_tree(tree.root / "build" / "kubernetes") == fsio.read_tree(
        tree.golden / "kubernetes"
    )


def test_a_value_an_environment_changes_shows_in_the_golden_report(tree: Paths) -> None:
    source = tree.root / "environments" / "staging.yaml"
    source.write_text(
        source.read_text().replace(
            "heapUsage: {warning: 0.8, critical: 0.9}", "heapUsage: {warning: 0.75}"
        )
    )
    lines: list[str] = []
    with pytest.raises(DriftError):
        build.run(Project(tree), echo=lines.append)
    i = lines.index("environments/staging.yaml: changed")
    assert lines[i + 1 : i + 3] == [
        '  values.thresholds.heapUsage.critical: {"default": 0.85, "staging": 0.9} → (absent)',
        "  values.thresholds.heapUsage.warning.staging: 0.8 → 0.75",
    ]


def test_a_selector_an_environment_changes_shows_in_the_golden_report(tree: Paths) -> None:
    source = tree.root / "environments" / "production.yaml"
    source.write_text(source.read_text().replace("cluster: prod-eu-1", "cluster: prod-eu-2"))
    lines: list[str] = []
    with pytest.raises(DriftError):
        build.run(Project(tree), echo=lines.append)
    i = lines.index("environments/production.yaml: changed")
    assert lines[i + 1] == '  values.selectors.cluster.production: "prod-eu-1" → "prod-eu-2"'


def test_the_golden_summary_names_each_value_beside_its_default() -> None:
    summary = yaml.safe_load((ROOT / "golden/environments/staging.yaml").read_bytes())
    assert summary["values"]["datasource_uid"] == {
        "default": "prometheus",
        "staging": "prometheus-staging",
    }
    assert summary["values"]["thresholds.heapUsage.warning"] == {"default": 0.7, "staging": 0.8}
    assert summary["kubernetes"]["namespace"] == "leaky-staging"


def test_build_env_prints_what_the_environment_changes_in_its_outputs(tree: Paths) -> None:
    lines: list[str] = []
    build.run(Project(tree), env="production", echo=lines.append)
    assert "environment production: dashboards/leaky-tokens-overview.json: changed" in lines
    assert any(
        line.startswith("environment production:   LeakyTokensErrorRateHigh (critical) › expr:")
        and line.endswith('> 0.03"')
        for line in lines
    ), lines


def write_env(tree: Paths, name: str, text: str) -> None:
    (tree.root / "environments" / f"{name}.yaml").write_text(text)


STAGING = (ROOT / "environments" / "staging.yaml").read_text()


@pytest.mark.parametrize(
    ("name", "text", "env", "message"),
    [
        (
            None,
            None,
            "qa",
            "environment 'qa': no file environments/qa.yaml (known: production, staging; or `all`)",
        ),
        ("staging", "name: [unclosed", "staging", "environments/staging.yaml: not YAML:"),
        (
            "staging",
            "- a list",
            "staging",
            "environment staging (environments/staging.yaml): the "
            "file must be a mapping of fields, not list",
        ),
        (
            "staging",
            STAGING.replace("namespace: leaky-staging\n", ""),
            "staging",
            "environment staging (environments/staging.yaml): namespace: missing",
        ),
        (
            "staging",
            STAGING.replace("namespace: leaky-staging", "namespace: Leaky_Staging"),
            "staging",
            "namespace: Kubernetes refuses it: 'Leaky_Staging' is not a DNS-1123 label",
        ),
        (
            "staging",
            STAGING.replace("namespace: leaky-staging", f"namespace: {'n' * 64}"),
            "staging",
            "is 64 characters long; a DNS-1123 label has at most 63",
        ),
        (
            "staging",
            STAGING.replace("environment: staging", "environment: -staging"),
            "staging",
            "kubernetes.labels: Kubernetes refuses the label: value '-staging' must be",
        ),
        (
            "staging",
            STAGING.replace("uid: prometheus-staging", "uid: prometheus staging"),
            "staging",
            "datasource.uid: 'prometheus staging' is not a Grafana uid",
        ),
        (
            "staging",
            STAGING.replace("url: http://prometheus-operated", "url: http://u:p@prom"),
            "staging",
            "datasource.url: http://***@prom",
        ),
        (
            "staging",
            STAGING.replace("heapUsage:", "heapUse:"),
            "staging",
            "overrides.thresholds.heapUse: no such threshold (known: authFailures, errorRate",
        ),
        (
            "staging",
            STAGING.replace("warning: 0.8, critical: 0.9", "warning: 0.95, critical: 0.9"),
            "staging",
            "overrides.thresholds.heapUsage: warning 0.95 must be below critical 0.9",
        ),
        (
            "staging",
            STAGING.replace("overrides:\n", "overrides:\n  colours: {}\n"),
            "staging",
            "overrides.colours: unknown field (known: selectors, thresholds)",
        ),
        (
            "staging",
            STAGING.replace("routes: [operator, rules]", "routes: [helm]"),
            "staging",
            "kubernetes.routes: ['helm']: a non-empty list of operator, sidecar, rules",
        ),
        ("staging", STAGING + "colour: blue\n", "staging", "colour: unknown field"),
        (
            "staging",
            STAGING.replace("name: staging", "name: stage"),
            "staging",
            "name: 'stage' differs from the file's name 'staging'",
        ),
        ("Bad_Name", STAGING, "Bad_Name", "name: 'Bad_Name' must be a DNS-1123 label"),
        *[
            (
                "staging",
                STAGING.replace("overrides:\n", f"overrides:\n  selectors: {selectors}\n"),
                "staging",
                message,
            )
            for selectors, message in [
                (
                    """{cluster: 'eu"} or up{'}""",
                    """overrides.selectors.cluster: 'eu"} or up{': a double quote would end""",
                ),
                (
                    r"""{cluster: 'eu\1'}""",
                    "overrides.selectors.cluster: 'eu\\\\1': a backslash would escape",
                ),
                (
                    "{cluster: 'eu{{ $value }}'}",
                    "overrides.selectors.cluster: 'eu{{ $value }}': `{{` is template syntax",
                ),
                ("{cluster: '$cluster'}", "`$` would be read as a Grafana variable"),
                (
                    '{cluster: "eu\\n1"}',
                    "overrides.selectors.cluster: 'eu\\n1' holds a line break or control",
                ),
                ("{cluster: ''}", "overrides.selectors.cluster: is empty"),
                ("{cluster: 1}", "overrides.selectors.cluster: must be a string (quote it), not 1"),
                ("{cluster: eu west}", "'eu west' must be 1 to 128 of A-Z a-z 0-9 _ . : / @ + -"),
                ("{job: prod}", "overrides.selectors.job: 'job' is a label the library's series"),
                ("{__name__: up}", "labels starting with __ are Prometheus' own"),
                ("{1cluster: eu}", "'1cluster' is not a Prometheus label name"),
                ("{severity: eu}", "'severity' is a label the alert rules write on every alert"),
                ("[cluster]", "overrides.selectors: must be a mapping of label → value"),
                ("{}", "overrides.selectors: must be a mapping of label → value"),
            ]
        ],
    ],
)
def test_a_bad_environment_is_one_error_naming_it_and_its_field_and_nothing_is_written(
    tree: Paths,
    capsys: pytest.CaptureFixture[str],
    name: str | None,
    text: str | None,
    env: str,
    message: str,
) -> None:
    if name is not None and text is not None:
        write_env(tree, name, text)
    before = snapshot(tree.root)
    assert cli.build(paths=tree, env=env) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert snapshot(tree.root) == before


def test_no_environment_files_and_env_all_is_an_error(
    tree: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    for file in (tree.root / "environments").glob("*.yaml"):
        file.unlink()
    (tree.golden / "environments").rename(tree.root / "old-summaries")
    assert cli.build(paths=tree, env="all") == 2
    assert "environments/: no environment files (NAME.yaml) to build" in capsys.readouterr().err


def test_a_merge_patch_names_changed_keys_and_nulls_removed_ones() -> None:
    old = {"a": 1, "b": {"c": 2, "d": 3}, "e": [1], "f": "x"}
    new = {"a": 1, "b": {"c": 4}, "e": [1, 2], "g": True, "f": "x"}
    assert environments.merge_patch(old, new) == {
        "b": {"c": 4, "d": None},
        "e": [1, 2],
        "g": True,
    }


def test_environment_overlays_reach_the_reviewed_base_by_a_relative_path(tree: Paths) -> None:
    build.run(Project(tree), env="production", echo=quiet)
    kustomization = tree.root / "build/env/production/kubernetes/kustomization.yaml"
    for resource in yaml.safe_load(kustomization.read_bytes())["resources"]:
        target = (kustomization.parent / resource).resolve()
        assert target.parent == (tree.golden / "kubernetes").resolve()
        assert (target / kubernetes.KUSTOMIZATION).is_file()


def test_the_environments_of_a_tree_without_any_file_are_none(tmp_path: Path) -> None:
    assert environments.names(Paths.under(tmp_path)) == []


def test_overrides_come_from_environment_files_only_never_from_a_leaky_variable() -> None:
    from leaky_dashboards.settings import Installation

    assert Installation.from_env({"LEAKY_OVERRIDES": '{"thresholds": {}}'}).overrides == "{}"
