"""The Kubernetes manifests (golden/kubernetes): what they carry, how they are written, and their
validation against the CRDs (../shared/schemas/kubernetes) and Kubernetes' own rules."""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from leaky_dashboards import build, changes, fsio, kubernetes
from leaky_dashboards.lint import manifests
from leaky_dashboards.lint.report import ERROR, WARNING, LintError
from leaky_dashboards.lint.runner import in_ci
from leaky_dashboards.project import Project
from leaky_dashboards.settings import ROOT, Installation, Paths, kubernetes_schema_dir

GOLDEN = ROOT / "golden"
KUBE = GOLDEN / "kubernetes"
NO_CRDS = (
    "needs the CRDs in ../shared/schemas/kubernetes or $LEAKY_KUBERNETES_SCHEMA_DIR, which a "
    "clone with nothing beside it has not (the Kubernetes-rules tests cover that case)"
)


@pytest.fixture
def crd_dir() -> Path:
    """The CRD directory: a test using it skips without it, except under CI=true, where it fails."""
    directory = kubernetes_schema_dir()
    if not manifests.present(directory):
        if in_ci():
            pytest.fail(f"CI=true and {directory} is absent: {NO_CRDS}")
        pytest.skip(NO_CRDS)
    return directory


def golden_manifests() -> dict[str, bytes]:
    return {f"kubernetes/{k}": v for k, v in fsio.read_tree(KUBE).items()}


def objects(route: str) -> list[dict[str, Any]]:
    return [
        yaml.safe_load(p.read_bytes())
        for p in sorted((KUBE / route).glob("*.yaml"))
        if p.name != kubernetes.KUSTOMIZATION
    ]


def dashboards() -> dict[str, dict[str, Any]]:
    return {
        p.stem: json.loads(p.read_bytes()) for p in sorted((GOLDEN / "dashboards").glob("*.json"))
    }


def test_each_dashboard_is_a_grafana_dashboard_in_the_folder_carrying_its_golden_json() -> None:
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for found_object in objects("operator"):
        by_kind.setdefault(found_object["kind"], []).append(found_object)
    (folder,), (source,) = by_kind["GrafanaFolder"], by_kind["GrafanaDatasource"]
    found = by_kind["GrafanaDashboard"]
    assert folder["spec"] == {
        "instanceSelector": {"matchLabels": {"dashboards": "grafana"}},
        "title": Installation().folder,
    }
    assert source["spec"]["uid"] == Installation().datasource_uid
    by_uid = {d["uid"]: d for d in dashboards().values()}
    assert {o["metadata"]["name"] for o in found} == set(by_uid)
    for dashboard in found:
        spec = dashboard["spec"]
        assert spec["folderRef"] == folder["metadata"]["name"]
        assert spec["instanceSelector"] == folder["spec"]["instanceSelector"]
        assert "datasources" not in spec
        assert json.loads(spec["json"]) == by_uid[spec["uid"]]


def test_each_dashboard_is_a_sidecar_config_map_labelled_and_annotated_with_its_folder() -> None:
    found = {o["metadata"]["name"]: o for o in objects("sidecar")}
    models = dashboards()
    assert set(found) == {m["uid"] for m in models.values()}
    for name, model in models.items():
        config_map = found[model["uid"]]
        assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
        annotations = config_map["metadata"]["annotations"]
        assert annotations == {"grafana_folder": Installation().folder}
        assert list(config_map["data"]) == [f"{name}.json"]
        assert json.loads(config_map["data"][f"{name}.json"]) == model


def test_the_prometheus_rule_carries_exactly_the_golden_rule_groups() -> None:
    (rule,) = objects("rules")
    rules_file = GOLDEN / "provisioning/prometheus/leaky-tokens-alerts.yaml"
    assert rule["kind"] == "PrometheusRule"
    assert rule["spec"] == {"groups": yaml.safe_load(rules_file.read_bytes())["groups"]}


def test_libyaml_and_pythons_emitter_write_the_same_manifests() -> None:
    for path, content in golden_manifests().items():
        document = yaml.safe_load(content)
        assert kubernetes.dump(document, python=True) == content, path
        assert kubernetes.dump(document) == content, path


def test_every_route_is_a_kustomize_base_kubectl_renders_offline() -> None:
    for route in kubernetes.ROUTES:
        result = subprocess.run(
            ["kubectl", "kustomize", str(KUBE / route)], capture_output=True, check=True
        )
        rendered = {
            (o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(result.stdout)
        }
        assert rendered == {(o["kind"], o["metadata"]["name"]): o for o in objects(route)}


def test_the_golden_manifests_pass_their_crds_and_kubernetes_rules(
    crd_dir: Path, tmp_path: Path
) -> None:
    findings, notes = manifests.check_files(golden_manifests(), crd_dir, ci=True, cache=tmp_path)
    assert (findings, notes) == ([], [])


def test_a_dashboard_too_large_for_client_side_apply_is_gzipped_and_its_config_map_warns() -> None:
    model = {"uid": "big", "title": "Big", "description": "x" * (kubernetes.LAST_APPLIED_LIMIT)}
    text = json.dumps(model, indent=2) + "\n"
    placement = kubernetes.Placement()
    dashboard = kubernetes.grafana_dashboard("big", text, placement)
    spec = dashboard["spec"]
    assert "json" not in spec
    assert gzip.decompress(base64.b64decode(spec["gzipJson"])).decode() == text
    assert kubernetes.compact_size(dashboard) < kubernetes.LAST_APPLIED_LIMIT
    config_map = kubernetes.config_map("big", "big", text, Installation(), placement)
    found = list(manifests.object_problems(config_map))
    assert [(rule, severity) for rule, severity, _ in found] == [("k8s-apply-size", WARNING)]
    assert "kubectl apply --server-side" in found[0][2]


def test_an_object_of_one_mebibyte_or_more_is_an_error(tmp_path: Path) -> None:
    text = "x" * (1 << 20)
    config_map = kubernetes.config_map("big", "big", text, Installation(), kubernetes.Placement())
    files = {"kubernetes/sidecar/configmap-big.yaml": kubernetes.dump(config_map)}
    findings, _ = manifests.check_files(files, tmp_path / "none", ci=False, cache=tmp_path)
    assert {(f.rule, f.severity) for f in findings} == {("k8s-size", ERROR)}
    assert str(findings[0]).startswith(
        "error: kubernetes/sidecar/configmap-big.yaml › ConfigMap/big › k8s-size: "
    )


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"name": "Leaky_Tokens"}, "metadata.name: 'Leaky_Tokens' is not a DNS-1123 subdomain"),
        ({"name": "a" * 254}, "is 254 characters long; a DNS-1123 subdomain has at most 253"),
        ({"name": "ok", "namespace": "mon.itoring"}, "'mon.itoring' is not a DNS-1123 label"),
        ({"name": "ok", "labels": {"team/a/b": "x"}}, "prefix 'team/a' is not a DNS-1123"),
        ({"name": "ok", "labels": {"env": "x" * 64}}, "is 64 characters long; at most 63"),
        ({"name": "ok", "labels": {"env": "-x"}}, "must be A-Z a-z 0-9 - _ . starting and ending"),
        ({"name": "ok", "labels": {"env": 1}}, "value 1 is not a string (quote it)"),
        ({"name": "ok", "annotations": {"k" * 64: "v"}}, "name part is 64 characters long"),
        ({"name": "ok", "annotations": {"a": "v" * (256 * 1024)}}, "bytes together; at most"),
    ],
)
def test_names_labels_and_annotations_kubernetes_refuses_are_errors(
    metadata: dict[str, object], expected: str
) -> None:
    document = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": {}}
    found = [m for _, severity, m in manifests.object_problems(document) if severity == ERROR]
    assert len(found) == 1 and expected in found[0], found


def test_an_unknown_field_a_bad_uid_and_a_broken_cel_rule_fail_the_crd(crd_dir: Path) -> None:
    document = yaml.safe_load((KUBE / "operator/dashboard-leaky-tokens-overview.yaml").read_bytes())
    document["spec"] |= {"folderUID": "x", "colour": "blue", "uid": "no spaces allowed"}
    found = sorted(manifests.problems(document, crd_dir))
    assert found == [
        (
            "k8s-cel",
            ERROR,
            "spec: folder-uid-or-ref: Only one of folderUID or folderRef can be declared at the "
            "same time",
        ),
        ("k8s-schema", ERROR, "spec.uid: 'no spaces allowed' does not match '^[a-zA-Z0-9-_]+$'"),
        (
            "k8s-schema",
            ERROR,
            "spec: Additional properties are not allowed ('colour' was unexpected)",
        ),
    ]


def test_a_rule_duration_prometheus_operator_refuses_fails_its_crd(crd_dir: Path) -> None:
    (document,) = objects("rules")
    document["spec"]["groups"][0]["interval"] = "1 minute"
    (found,) = manifests.problems(document, crd_dir)
    assert found[:2] == ("k8s-schema", ERROR)
    assert found[2].startswith("spec.groups.0.interval: '1 minute' does not match")


def test_openapi_extensions_read_as_json_schema() -> None:
    from jsonschema.validators import Draft7Validator

    schema = manifests.translate(
        {
            "type": "object",
            "properties": {
                "port": {"x-kubernetes-int-or-string": True},
                "note": {"type": "string", "nullable": True},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "closed": {"type": "object", "properties": {"a": {"type": "string"}}},
            },
        }
    )
    ok = {"port": "http", "note": None, "free": {"any": 1}, "closed": {"a": "x"}}
    assert list(Draft7Validator(schema).iter_errors(ok)) == []
    assert list(Draft7Validator(schema).iter_errors({"port": 8080})) == []
    bad = {"port": 1.5, "closed": {"b": 1}, "extra": 1}
    assert len(list(Draft7Validator(schema).iter_errors(bad))) == 3


def test_absent_crd_directory_is_one_note_and_an_error_under_ci(tmp_path: Path) -> None:
    absent = tmp_path / "no-crds"
    findings, notes = manifests.check_files(golden_manifests(), absent, ci=False, cache=tmp_path)
    assert findings == []
    assert notes == [
        f"Kubernetes CRD directory {absent} is absent (set LEAKY_KUBERNETES_SCHEMA_DIR); "
        "manifests checked with the Kubernetes rules alone"
    ]
    findings, notes = manifests.check_files(golden_manifests(), absent, ci=True, cache=tmp_path)
    assert [(f.rule, f.severity) for f in findings] == [("k8s-crd-dir", ERROR)]
    assert notes == []


def test_crd_directory_follows_leaky_kubernetes_schema_dir(tmp_path: Path) -> None:
    assert kubernetes_schema_dir({"LEAKY_KUBERNETES_SCHEMA_DIR": str(tmp_path)}) == tmp_path
    assert kubernetes_schema_dir({}) == ROOT.parent / "shared" / "schemas" / "kubernetes"


def test_the_build_writes_the_manifests_to_build_kubernetes(tree: Paths) -> None:
    build.run(Project(tree), echo=lambda _: None)
    assert fsio.read_tree(tree.root / "build" / "kubernetes") == fsio.read_tree(KUBE)


def test_a_manifest_kubernetes_would_refuse_stops_the_build_and_nothing_is_written(
    tree: Paths,
) -> None:
    before = fsio.read_tree(tree.root)
    placement = kubernetes.Placement(instance_selector={"dashboards": "-bad-"})
    lines: list[str] = []
    with pytest.raises(LintError, match=r"Kubernetes manifests: 6 error\(s\); nothing was written"):
        build.run(Project(tree, placement=placement), echo=lines.append)
    assert fsio.read_tree(tree.root) == before
    refused = [line for line in lines if "k8s-labels" in line]
    assert len(refused) == 6
    assert refused[0] == (
        "error: kubernetes/operator/dashboard-leaky-tokens-business.yaml › "
        "GrafanaDashboard/leaky-tokens-business › k8s-labels: spec.instanceSelector.matchLabels."
        "dashboards: value '-bad-' must be A-Z a-z 0-9 - _ . starting and ending alphanumeric"
    )


def test_a_changed_dashboard_in_a_manifest_reads_as_its_panels_change() -> None:
    path = "kubernetes/operator/dashboard-leaky-tokens-overview.yaml"
    old = (GOLDEN / path).read_bytes()
    new = old.replace(b'"title": "\\u274c Error rate"', b'"title": "\\u274c Errors"')
    assert new != old
    lines = changes.describe(path, old, new)
    assert any("panel renamed: '❌ Error rate' → '❌ Errors'" in line for line in lines), lines
