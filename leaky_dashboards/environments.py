"""Environments from one source: `environments/NAME.yaml`, each a full installation.

An environment file names its Kubernetes namespace, its datasource (uid, name, URL), folder,
Grafana and docs URLs, where its manifests go (instance selector, labels, the PrometheusRule's
labels, the routes it deploys) and its mixin-style `overrides`: threshold levels, and `selectors`
(label → value, such as `cluster: prod`) that every query of its dashboards, recording rules and
alerts carries as a matcher, its rules keeping the label (libsonnet/config.libsonnet `scope`).
`invoke build --env NAME` (or `--env all`) renders it whole into `build/env/NAME/`: its
dashboards, its Grafana provisioning and, in `kubernetes/`, a kustomize overlay over the reviewed
base (golden/kubernetes/<route>): the namespace, the labels and one patch per object the environment
changes (JSON merge patches, computed from the environment's rendering against the default one),
so `kubectl kustomize build/env/NAME/kubernetes` gives exactly the environment's objects.

`golden/environments/NAME.yaml` is the reviewed summary of each environment: every value it sets
beside the default it replaces, so a change of one shows in the golden diff of the pull request.
A bad file is one error naming the file and its field (exit 2), before anything is written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from . import kubernetes
from .errors import BuildError
from .library import Library
from .lint import manifests
from .outputs import KUBERNETES_DIR, PROVISIONING_DIR
from .settings import CHECKS, Installation, Paths

ENV_DIR = "environments"
GOLDEN_DIR = "environments/"  # golden-relative: the reviewed summaries
ALL = "all"
NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# Installation values an environment file sets, by its key (the rest keep their defaults).
INSTALLATION_KEYS = {
    "datasource.uid": "datasource_uid",
    "datasource.name": "datasource_name",
    "datasource.url": "prometheus_url",
    "folder": "folder",
    "scrape_interval": "scrape_interval",
    "grafana_url": "grafana_url",
    "docs_url": "docs_url",
}
REQUIRED = ("name", "namespace", "datasource.uid", "datasource.name", "datasource.url", "folder")
TOP_KEYS = {
    "name",
    "namespace",
    "datasource",
    "folder",
    "scrape_interval",
    "grafana_url",
    "docs_url",
    "kubernetes",
    "overrides",
}
KUBERNETES_KEYS = {"instance_selector", "labels", "rule_labels", "routes"}
DEFAULT_ROUTES = ("operator", "rules")
LEVELS = ("warning", "critical")
OVERRIDE_KEYS = ("selectors", "thresholds")
# A Prometheus label name; `__` names are Prometheus' own.
LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
# Labels the rules write on every alert (and Prometheus on ALERTS): a selector cannot be one.
ALERT_LABELS = frozenset({"alertname", "alertstate", "severity", "slo"})
# A selector's value goes between double quotes into every query, into the alerts' labels and
# Grafana's dashboards: a conservative alphabet (cluster names are DNS names or close to them).
SELECTOR_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/@+-]{0,127}$")


class EnvironmentError(BuildError):
    """An environment that cannot be used: exit 2, nothing written."""


@dataclass(frozen=True)
class Defaults:
    """What an environment file is checked against and summarised beside: the library's
    thresholds table, and the labels its series carry (which a selector cannot name)."""

    thresholds: Mapping[str, Any]
    labels: frozenset[str] = frozenset()


def defaults(library: Library) -> Defaults:
    """The default installation's table and labels (`library` is the reviewed one)."""
    catalog = library.queried_catalog()
    labels = frozenset(label for metric in catalog.metrics.values() for label in metric.labels)
    return Defaults(library.thresholds(), labels)


@dataclass(frozen=True)
class Environment:
    name: str
    namespace: str
    installation: Installation
    placement: kubernetes.Placement
    labels: Mapping[str, str] = field(default_factory=dict)
    routes: tuple[str, ...] = DEFAULT_ROUTES
    overrides: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""


def directory(paths: Paths) -> Path:
    return paths.root / ENV_DIR


def names(paths: Paths) -> list[str]:
    """The committed environments, by file stem."""
    return sorted(p.stem for p in directory(paths).glob("*.yaml"))


def select(paths: Paths, wanted: str, known_values: Defaults) -> list[Environment]:
    """`wanted` (a name, or `all`) read and checked against the library's `known_values`."""
    known = names(paths)
    if wanted == ALL:
        if not known:
            raise EnvironmentError(f"{ENV_DIR}/: no environment files (NAME.yaml) to build")
        return [load(paths, name, known_values) for name in known]
    if wanted not in known:
        listed = ", ".join(known) or "none"
        raise EnvironmentError(
            f"environment {wanted!r}: no file {ENV_DIR}/{wanted}.yaml (known: {listed}; or `{ALL}`)"
        )
    return [load(paths, wanted, known_values)]


def load(paths: Paths, name: str, known_values: Defaults) -> Environment:
    """One environment file, every problem in one error naming the file and each field."""
    shown = f"{ENV_DIR}/{name}.yaml"
    try:
        document = kubernetes.load((directory(paths) / f"{name}.yaml").read_bytes())
    except OSError as exc:
        raise EnvironmentError(f"{shown}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise EnvironmentError(f"{shown}: not YAML: {' '.join(str(exc).split())}") from None
    problems: list[str] = []
    environment = parse(name, document, known_values, problems.append)
    if problems or environment is None:
        raise EnvironmentError(f"environment {name} ({shown}): " + "; ".join(problems))
    return replace(environment, source=shown)


def _get(document: Mapping[str, Any], dotted: str) -> Any:
    value: Any = document
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def parse(
    name: str, document: Any, known_values: Defaults, problem: Callable[[str], None]
) -> Environment | None:
    """The environment `document` describes; each problem is reported as `field: what`."""
    if not isinstance(document, dict):
        problem(f"the file must be a mapping of fields, not {type(document).__name__}")
        return None
    for key in sorted(set(map(str, document)) - TOP_KEYS):
        problem(f"{key}: unknown field (known: {', '.join(sorted(TOP_KEYS))})")
    for key in REQUIRED:
        if _get(document, key) is None:
            problem(f"{key}: missing")
    if document.get("name") not in (None, name):
        problem(f"name: {document['name']!r} differs from the file's name {name!r}")
    if not NAME.match(name) or len(name) > 63:
        problem(f"name: {name!r} must be a DNS-1123 label (it names build/env/{name}/)")
    namespace = document.get("namespace")
    if (
        namespace is not None
        and (refused := manifests.name_problem(namespace, label=True)) is not None
    ):
        problem(f"namespace: Kubernetes refuses it: {refused}")
    datasource = document.get("datasource")
    if datasource is not None and not isinstance(datasource, dict):
        problem("datasource: must be a mapping of uid, name, url")
    elif isinstance(datasource, dict):
        for key in sorted(set(map(str, datasource)) - {"uid", "name", "url"}):
            problem(f"datasource.{key}: unknown field (known: name, uid, url)")
    values: dict[str, str] = {}
    for key, attribute in INSTALLATION_KEYS.items():
        value = _get(document, key)
        if value is None:
            continue
        if not isinstance(value, str):
            problem(f"{key}: must be a string (quote it), not {value!r}")
            continue
        if (refused := CHECKS[attribute](value)) is not None:
            problem(f"{key}: {refused}")
        values[attribute] = value
    overrides = _overrides(document.get("overrides"), known_values, problem)
    placement, labels, routes = _kubernetes(document.get("kubernetes"), problem)
    try:
        installation = replace(
            Installation(), **values, overrides=json.dumps(overrides, sort_keys=True)
        )
    except BuildError:  # each value was checked above and reported by its field
        return None
    if not isinstance(namespace, str):
        return None
    return Environment(name, namespace, installation, placement, labels, routes, overrides)


def _labels(value: Any, where: str, problem: Callable[[str], None]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problem(f"{where}: must be a mapping of label → value")
        return {}
    for key, label in value.items():
        for refused in (manifests.key_problem(key), manifests.label_value_problem(label)):
            if refused is not None:
                problem(f"{where}: Kubernetes refuses the label: {refused}")
    return {str(k): str(v) for k, v in sorted(value.items())}


def _kubernetes(
    value: Any, problem: Callable[[str], None]
) -> tuple[kubernetes.Placement, dict[str, str], tuple[str, ...]]:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        problem("kubernetes: must be a mapping")
        value = {}
    for key in sorted(set(map(str, value)) - KUBERNETES_KEYS):
        problem(f"kubernetes.{key}: unknown field (known: {', '.join(sorted(KUBERNETES_KEYS))})")
    default = kubernetes.Placement()
    selector = _labels(value.get("instance_selector"), "kubernetes.instance_selector", problem)
    if "instance_selector" in value and not selector:
        problem("kubernetes.instance_selector: empty; it would select every Grafana")
    placement = kubernetes.Placement(
        instance_selector=selector or dict(default.instance_selector),
        rule_labels=_labels(value.get("rule_labels"), "kubernetes.rule_labels", problem),
    )
    labels = _labels(value.get("labels"), "kubernetes.labels", problem)
    routes = value.get("routes", list(DEFAULT_ROUTES))
    if (
        not isinstance(routes, list)
        or not routes
        or not all(r in kubernetes.ROUTES for r in routes)
    ):
        problem(
            f"kubernetes.routes: {routes!r}: a non-empty list of " + ", ".join(kubernetes.ROUTES)
        )
        routes = list(DEFAULT_ROUTES)
    elif len(set(routes)) != len(routes):
        problem(f"kubernetes.routes: {routes!r} names a route twice")
    return placement, labels, tuple(dict.fromkeys(routes))


def _overrides(
    value: Any, known_values: Defaults, problem: Callable[[str], None]
) -> dict[str, Any]:
    """The `overrides` an environment may set: `selectors` (label → value) and
    `thresholds.<row>.warning|critical` numbers, the warning below the critical level (every row
    of the table is "higher is worse")."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problem("overrides: must be a mapping")
        return {}
    for key in sorted(set(map(str, value)) - set(OVERRIDE_KEYS)):
        problem(f"overrides.{key}: unknown field (known: {', '.join(OVERRIDE_KEYS)})")
    selectors = _selectors(value.get("selectors"), known_values.labels, problem)
    thresholds = _thresholds(value.get("thresholds"), known_values.thresholds, problem)
    result: dict[str, Any] = {}
    if selectors:
        result["selectors"] = selectors
    if thresholds:
        result["thresholds"] = thresholds
    return result


def _selectors(value: Any, taken: frozenset[str], problem: Callable[[str], None]) -> dict[str, str]:
    """`overrides.selectors`: label → value, each an equality matcher every query carries."""
    where = "overrides.selectors"
    if value is None:
        return {}
    if not isinstance(value, dict) or not value:
        problem(f"{where}: must be a mapping of label → value, such as {{cluster: prod}}")
        return {}
    result: dict[str, str] = {}
    for label, chosen in sorted(value.items(), key=lambda item: str(item[0])):
        at = f"{where}.{label}"
        refused = _label_problem(label, taken)
        if refused is None:
            refused = _selector_value_problem(chosen)
        if refused is not None:
            problem(f"{at}: {refused}")
        else:
            result[str(label)] = str(chosen)
    return result


def _label_problem(label: object, taken: frozenset[str]) -> str | None:
    if not isinstance(label, str) or not LABEL.match(label):
        return f"{label!r} is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)"
    if label.startswith("__"):
        return f"{label!r}: labels starting with __ are Prometheus' own"
    if label in taken:
        return (
            f"{label!r} is a label the library's series carry already; its queries choose it "
            "(a selector adds a label of the environment's targets, such as cluster)"
        )
    if label in ALERT_LABELS:
        return f"{label!r} is a label the alert rules write on every alert"
    return None


def _selector_value_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return f"must be a string (quote it), not {value!r}"
    if SELECTOR_VALUE.match(value):
        return None
    if not value:
        return "is empty"
    hazards = (
        ('"', "a double quote would end the matcher's string in every query"),
        ("\\", "a backslash would escape inside the matcher's string"),
        ("{{", "`{{` is template syntax Prometheus would expand in the alerts"),
        ("$", "`$` would be read as a Grafana variable"),
    )
    for text, why in hazards:
        if text in value:
            return f"{value!r}: {why}"
    if any(not ch.isprintable() for ch in value):
        return f"{value!r} holds a line break or control character; it must be one line"
    return (
        f"{value!r} must be 1 to 128 of A-Z a-z 0-9 _ . : / @ + -, starting with a letter or "
        "digit (it is written into every query, the alerts' labels and the dashboards)"
    )


def _thresholds(
    rows: Any, thresholds: Mapping[str, Any], problem: Callable[[str], None]
) -> dict[str, Any]:
    rows = rows or {}
    if not isinstance(rows, dict):
        problem("overrides.thresholds: must be a mapping of threshold → levels")
        return {}
    result: dict[str, Any] = {}
    for row, levels in sorted(rows.items()):
        where = f"overrides.thresholds.{row}"
        if row not in thresholds:
            problem(f"{where}: no such threshold (known: {', '.join(sorted(thresholds))})")
            continue
        if not isinstance(levels, dict) or not levels:
            problem(f"{where}: must be a mapping of warning and/or critical levels")
            continue
        chosen: dict[str, float] = {}
        for level, number in sorted(levels.items()):
            if level not in LEVELS:
                problem(f"{where}.{level}: unknown level (known: critical, warning)")
            elif isinstance(number, bool) or not isinstance(number, int | float) or number < 0:
                problem(f"{where}.{level}: {number!r} is not a number of at least 0")
            else:
                chosen[str(level)] = number
        merged = {level: chosen.get(level, thresholds[row][level]) for level in LEVELS}
        if len(chosen) == len(levels) and merged["warning"] >= merged["critical"]:
            problem(
                f"{where}: warning {merged['warning']:g} must be below critical "
                f"{merged['critical']:g}"
            )
        if chosen:
            result[str(row)] = chosen
    return result


# ---- what an environment changes: the golden summary ----


def summary(environment: Environment, known_values: Defaults) -> dict[str, Any]:
    """Every value the environment sets, beside the default it replaces (the golden file); a
    selector's default is none (null): the default installation reads every series."""
    thresholds = known_values.thresholds
    default, values = Installation(), environment.installation
    changed: dict[str, Any] = {}
    for item in fields(Installation):
        old, new = getattr(default, item.name), getattr(values, item.name)
        if item.name != "overrides" and old != new:
            changed[item.name] = {"default": old, environment.name: new}
    for label, new in sorted(environment.overrides.get("selectors", {}).items()):
        changed[f"selectors.{label}"] = {"default": None, environment.name: new}
    for row, levels in sorted(environment.overrides.get("thresholds", {}).items()):
        for level, new in sorted(levels.items()):
            old = thresholds[row][level]
            if old != new:
                changed[f"thresholds.{row}.{level}"] = {"default": old, environment.name: new}
    placement, base = environment.placement, kubernetes.Placement()
    kube: dict[str, Any] = {"namespace": environment.namespace, "routes": list(environment.routes)}
    if environment.labels:
        kube["labels"] = dict(environment.labels)
    if dict(placement.instance_selector) != dict(base.instance_selector):
        kube["instance_selector"] = {
            "default": dict(base.instance_selector),
            environment.name: dict(placement.instance_selector),
        }
    if placement.rule_labels:
        kube["rule_labels"] = dict(placement.rule_labels)
    return {"environment": environment.name, "values": changed, "kubernetes": kube}


def golden_files(paths: Paths, known_values: Defaults) -> dict[str, bytes]:
    """golden/environments/NAME.yaml for every committed environment."""
    return {
        f"{GOLDEN_DIR}{name}.yaml": kubernetes.dump(
            summary(load(paths, name, known_values), known_values)
        )
        for name in names(paths)
    }


# ---- the overlay: the base, the namespace, the labels, a patch per changed object ----


def merge_patch(old: Any, new: Any) -> Any:
    """The JSON merge patch (RFC 7386) turning `old` into `new`: changed keys, removed ones null."""
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return new
    patch: dict[str, Any] = {}
    for key in new:
        if key not in old:
            patch[key] = new[key]
        elif old[key] != new[key]:
            patch[key] = merge_patch(old[key], new[key])
    for key in old:
        if key not in new:
            patch[key] = None
    return patch


def _objects(files: Mapping[str, bytes], route: str) -> Iterator[tuple[str, Any]]:
    prefix = f"{KUBERNETES_DIR}{route}/"
    for path, content in sorted(files.items()):
        if path.startswith(prefix) and not path.endswith(kubernetes.KUSTOMIZATION):
            yield path, kubernetes.load(content)


def overlay(
    environment: Environment,
    default: Mapping[str, bytes],
    rendered: Mapping[str, bytes],
    base: str,
) -> dict[str, bytes]:
    """The environment's kustomize overlay, by path inside it; `base` is the path from the
    overlay to the reviewed base (golden/kubernetes)."""
    files: dict[str, bytes] = {}
    patches: list[dict[str, Any]] = []
    for route in environment.routes:
        before = dict(_objects(default, route))
        for path, document in _objects(rendered, route):
            old = before.get(path)
            if old is None:
                raise EnvironmentError(
                    f"environment {environment.name}: {path} has no base in golden/; "
                    "run `invoke golden-update` first"
                )
            patch = merge_patch(old, document)
            if not patch:
                continue
            patch = {
                "apiVersion": document["apiVersion"],
                "kind": document["kind"],
                "metadata": {"name": document["metadata"]["name"], **patch.get("metadata", {})},
            } | {k: v for k, v in patch.items() if k not in ("apiVersion", "kind", "metadata")}
            name = f"patches/{route}-{PurePosixPath(path).name}"
            files[name] = kubernetes.dump(patch)
            patches.append({"path": name})
    kustomization: dict[str, Any] = {
        "apiVersion": kubernetes.KUSTOMIZE_API,
        "kind": "Kustomization",
        "namespace": environment.namespace,
        "resources": [f"{base}/{route}" for route in environment.routes],
    }
    if environment.labels:
        kustomization["labels"] = [{"pairs": dict(environment.labels), "includeSelectors": False}]
    if patches:
        kustomization["patches"] = patches
    files[kubernetes.KUSTOMIZATION] = kubernetes.dump(kustomization)
    return files


def output(environment: Environment, paths: Paths) -> Path:
    return paths.root / "build" / "env" / environment.name


def outputs(
    environment: Environment,
    paths: Paths,
    default: Mapping[str, bytes],
    rendered: Mapping[str, bytes],
) -> dict[str, bytes]:
    """Everything build/env/NAME/ holds: dashboards/, provisioning/, kubernetes/ (the overlay)."""
    root = output(environment, paths)
    kube = root / "kubernetes"
    base = Path(*[".."] * len(kube.relative_to(paths.root).parts), "golden", "kubernetes")
    files = {
        path: content
        for path, content in rendered.items()
        if path.startswith(("dashboards/", PROVISIONING_DIR))
    }
    for path, content in overlay(environment, default, rendered, base.as_posix()).items():
        files[f"kubernetes/{path}"] = content
    return files
