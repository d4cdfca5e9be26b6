"""Kubernetes manifests of the dashboards and rules: three routes, each a kustomize base.

- `operator/`: grafana-operator's custom resources (`grafana.integreatly.org/v1beta1`): one
  `GrafanaFolder`, one `GrafanaDatasource` (the Prometheus the dashboards query) and one
  `GrafanaDashboard` per dashboard, each selecting its Grafana by `instanceSelector`, the
  dashboards in the folder by `folderRef`.
- `sidecar/`: one ConfigMap per dashboard for the Grafana dashboard sidecar of the
  kube-prometheus-stack (and grafana) Helm chart: labelled `grafana_dashboard: "1"`, its folder in
  the `grafana_folder` annotation (the chart reads it when `sidecar.dashboards.folderAnnotation` is
  `grafana_folder` and `provider.foldersFromFilesStructure` is true).
- `rules/`: one `PrometheusRule` (`monitoring.coreos.com/v1`) carrying exactly the rule groups of
  the rules file, parsed back from its rendered bytes.

Nothing here names a namespace: a kustomize overlay (or `kubectl apply -n`) places them. The
dashboards select their datasource through their `datasource` variable, whose value is the
datasource uid the `GrafanaDatasource` creates, so no `spec.datasources` mapping is written: the
operator's mapping replaces the text `${inputName}` in the JSON (meant for exported dashboards'
`__inputs`), and would replace the dashboards' own `${datasource}` references with a name.

Written by PyYAML from plain data. The embedded dashboard JSON is the canonical model with
non-ASCII escaped (`\\ud83d...`; the same JSON for Grafana) and every string is emitted ASCII,
so libyaml's emitter (fast) and PyYAML's Python one write the same bytes (a test holds them
equal); multi-line strings (the JSON, PromQL) are literal blocks, so a diff reads line by line.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from collections.abc import Mapping
from typing import Any

import yaml

from .outputs import (
    KUBERNETES_DIR,
    RULES_FILE,
    dashboard_file,
    dashboard_name,
)
from .placement import Placement
from .settings import Installation

__all__ = ["Placement"]  # where the manifests send things: its own module, read at startup

OPERATOR_API = "grafana.integreatly.org/v1beta1"
RULES_API = "monitoring.coreos.com/v1"
KUSTOMIZE_API = "kustomize.config.k8s.io/v1beta1"
ROUTES = ("operator", "sidecar", "rules")
KUSTOMIZATION = "kustomization.yaml"
# A label on every object: `kubectl get -l app.kubernetes.io/part-of=leaky-tokens` finds them.
PART_OF = {"app.kubernetes.io/part-of": "leaky-tokens"}
FOLDER_NAME = "leaky-tokens"
DATASOURCE_NAME = "leaky-tokens-prometheus"
RULES_NAME = "leaky-tokens-rules"
# kubectl's client-side apply keeps the whole object as JSON in the annotation
# kubectl.kubernetes.io/last-applied-configuration; all annotations together are limited to
# 256 KiB by the API server. Above this a GrafanaDashboard carries its model gzipped.
LAST_APPLIED_LIMIT = 262_144


def _metadata(name: str, labels: Mapping[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": dict(PART_OF) | dict(labels or {})}
    meta.update({k: v for k, v in extra.items() if v})
    return meta


def _selector(placement: Placement) -> dict[str, Any]:
    return {"matchLabels": dict(sorted(placement.instance_selector.items()))}


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def dashboard_text(model_bytes: bytes) -> str:
    """The dashboard's canonical JSON (`canonical.dumps`) with every non-ASCII character escaped
    as `json.dumps(..., ensure_ascii=True)` escapes it: outside strings the JSON is ASCII already,
    so this is the same JSON, written without a second, slow, indented encoding."""
    return _NON_ASCII.sub(_escape, model_bytes.decode("utf-8"))


def compact_size(document: Any) -> int:
    """Bytes of `document` as compact JSON: what kubectl keeps in last-applied-configuration."""
    return len(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def folder(installation: Installation, placement: Placement) -> dict[str, Any]:
    return {
        "apiVersion": OPERATOR_API,
        "kind": "GrafanaFolder",
        "metadata": _metadata(FOLDER_NAME),
        "spec": {"instanceSelector": _selector(placement), "title": installation.folder},
    }


def datasource(installation: Installation, placement: Placement) -> dict[str, Any]:
    """The provisioning file's datasource as the operator creates it (uid in `spec.uid`)."""
    return {
        "apiVersion": OPERATOR_API,
        "kind": "GrafanaDatasource",
        "metadata": _metadata(DATASOURCE_NAME),
        "spec": {
            "instanceSelector": _selector(placement),
            "uid": installation.datasource_uid,
            "datasource": {
                "name": installation.datasource_name,
                "type": "prometheus",
                "access": "proxy",
                "url": installation.prometheus_url,
                "isDefault": True,
                "editable": False,
                "jsonData": {"timeInterval": installation.scrape_interval, "httpMethod": "POST"},
            },
        },
    }


def grafana_dashboard(uid: str, text: str, placement: Placement) -> dict[str, Any]:
    """One GrafanaDashboard: the model inline, or gzipped when it would not fit kubectl's
    client-side apply (`LAST_APPLIED_LIMIT`)."""
    spec: dict[str, Any] = {
        "instanceSelector": _selector(placement),
        "folderRef": FOLDER_NAME,
        "uid": uid,
        "json": text,
    }
    document = {
        "apiVersion": OPERATOR_API,
        "kind": "GrafanaDashboard",
        "metadata": _metadata(uid),
        "spec": spec,
    }
    if compact_size(document) > LAST_APPLIED_LIMIT:
        del spec["json"]
        packed = gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)
        spec["gzipJson"] = base64.b64encode(packed).decode("ascii")
    return document


def config_map(
    uid: str, name: str, text: str, installation: Installation, placement: Placement
) -> dict[str, Any]:
    label, value = placement.sidecar_label
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _metadata(
            uid,
            {label: value},
            annotations={placement.folder_annotation: installation.folder},
        ),
        "data": {f"{name}.json": text},
    }


def prometheus_rule(rules_bytes: bytes, placement: Placement) -> dict[str, Any]:
    document = yaml.load(rules_bytes, Loader=_Loader)
    return {
        "apiVersion": RULES_API,
        "kind": "PrometheusRule",
        "metadata": _metadata(RULES_NAME, placement.rule_labels),
        "spec": {"groups": document["groups"]},
    }


def kustomization(resources: list[str]) -> dict[str, Any]:
    return {"apiVersion": KUSTOMIZE_API, "kind": "Kustomization", "resources": resources}


def manifests(
    rendered: Mapping[str, bytes],
    installation: Installation,
    placement: Placement,
    uids: Mapping[str, str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Every manifest by its golden-relative path, from the rendered dashboards and rules;
    `uids` (dashboard name → uid) spares parsing each model for its uid."""
    out: dict[str, dict[str, Any]] = {}
    names = sorted(n for path in rendered if (n := dashboard_name(path)) is not None)
    operator: dict[str, dict[str, Any]] = {
        "folder.yaml": folder(installation, placement),
        "datasource.yaml": datasource(installation, placement),
    }
    sidecar: dict[str, dict[str, Any]] = {}
    for name in names:
        model = rendered[dashboard_file(name)]
        uid = (uids or {}).get(name) or str(json.loads(model).get("uid") or name)
        text = dashboard_text(model)
        operator[f"dashboard-{name}.yaml"] = grafana_dashboard(uid, text, placement)
        sidecar[f"configmap-{name}.yaml"] = config_map(uid, name, text, installation, placement)
    routes: dict[str, dict[str, dict[str, Any]]] = {"operator": operator, "sidecar": sidecar}
    if RULES_FILE in rendered:
        routes["rules"] = {"prometheusrule.yaml": prometheus_rule(rendered[RULES_FILE], placement)}
    for route, objects in routes.items():
        if not objects or (route != "rules" and not names):
            continue
        for file, document in objects.items():
            out[f"{KUBERNETES_DIR}{route}/{file}"] = document
        out[f"{KUBERNETES_DIR}{route}/{KUSTOMIZATION}"] = kustomization(sorted(objects))
    return out


def files(
    rendered: Mapping[str, bytes],
    installation: Installation,
    placement: Placement | None = None,
    uids: Mapping[str, str] | None = None,
) -> dict[str, bytes]:
    """The manifests as YAML files by golden-relative path."""
    documents = manifests(rendered, installation, placement or Placement(), uids)
    return {path: dump(document) for path, document in documents.items()}


# ---- YAML ----

_BASE_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _string(dumper: Any, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    node: yaml.Node = dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)
    return node


def dumper(python: bool = False) -> Any:
    """The Dumper class: libyaml's when PyYAML has it (about 100 times faster), else PyYAML's
    own; `python` forces the latter (the test comparing both)."""
    base = yaml.SafeDumper if python else _BASE_DUMPER
    cls: Any = type("ManifestDumper", (base,), {})
    cls.add_representer(str, _string)
    return cls


_DUMPER = dumper()


def dump(document: Any, *, python: bool = False) -> bytes:
    """One YAML document, keys in the order built, ASCII only (see the module's docstring)."""
    text = yaml.dump(
        document,
        Dumper=dumper(True) if python else _DUMPER,
        sort_keys=False,
        allow_unicode=False,
        default_flow_style=False,
        width=1 << 16,
    )
    return text.encode("ascii")


def load(content: bytes) -> Any:
    return yaml.load(content, Loader=_Loader)
