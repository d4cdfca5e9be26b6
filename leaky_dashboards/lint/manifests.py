"""The Kubernetes manifests checked as the API server would check them on create.

Each custom resource is validated against its CRD's `openAPIV3Schema` (the CRDs of
grafana-operator and prometheus-operator in ../shared/schemas/kubernetes, see its SOURCE.md),
translated to JSON Schema (`translate`): `nullable` adds `null` to the type,
`x-kubernetes-int-or-string` accepts an integer or a string, an object without
`x-kubernetes-preserve-unknown-fields` accepts only its declared fields (the API server would
prune any other, silently losing it), `format: byte` must be base64. The CRDs'
`x-kubernetes-validations` (CEL) rules that apply to a new object are implemented by hand and
named (`CEL_RULES`); transition rules (those reading `oldSelf`) only judge updates and are skipped.

The rules no schema states (SOURCE.md) are checked whether or not the CRDs are there:
`metadata.name` a DNS-1123 subdomain, a namespace a DNS-1123 label, label and annotation keys
(an optional DNS-subdomain prefix and `/`, a name of at most 63 characters), label values (at
most 63), annotations together at most 256 KiB, every object under 1 MiB, a ConfigMap's keys.
A warning says when an object would not fit kubectl's client-side apply (its last-applied
annotation, `LAST_APPLIED_LIMIT`).

Without the CRD directory the build says so in one line and checks with these rules alone; under
`CI=true` the absence is an error. Findings are remembered by content (the manifest's bytes, the
CRD files, this code), so an unchanged build neither loads the CRDs nor imports `jsonschema`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import importlib.util
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import kubernetes
from ..outputs import KUBERNETES_DIR
from ..settings import cache_dir
from .report import ERROR, WARNING, Finding, Where
from .rule import Rule

CRD_DIR = Rule(
    "k8s-crd-dir",
    "kubernetes",
    "the CRD directory (`LEAKY_KUBERNETES_SCHEMA_DIR`, else ../shared/schemas/kubernetes) is "
    "there: under `CI=true` its absence is an error; elsewhere one note, and the Kubernetes rules "
    "below still run",
)
K8S_SCHEMA = Rule(
    "k8s-schema",
    "kubernetes",
    "each custom resource against its CRD's `openAPIV3Schema` (OpenAPI v3 read as JSON Schema; "
    "no field the API server would prune); a ConfigMap's `data` maps keys to strings",
)
K8S_CEL = Rule(
    "k8s-cel",
    "kubernetes",
    "the CRD's `x-kubernetes-validations` rules that judge a new object, each implemented by "
    "name: " + "{names}",
)
K8S_STRUCTURE = Rule(
    "k8s-structure",
    "kubernetes",
    "an object with `apiVersion`, `kind` and `metadata.name`, of a kind the manifests write",
)
K8S_NAME = Rule(
    "k8s-name",
    "kubernetes",
    "`metadata.name` a DNS-1123 subdomain (at most 253 of `a-z 0-9 - .`), a namespace a "
    "DNS-1123 label (at most 63 of `a-z 0-9 -`)",
)
K8S_LABELS = Rule(
    "k8s-labels",
    "kubernetes",
    "label and annotation keys: an optional DNS-1123 subdomain prefix and `/`, a name of at most "
    "63 of `A-Z a-z 0-9 - _ .` starting and ending alphanumeric; label values the same, or empty",
)
K8S_SIZE = Rule(
    "k8s-size",
    "kubernetes",
    "every object under 1 MiB (a ConfigMap's data at most 1 MiB), its annotations together at "
    "most 256 KiB",
)
K8S_APPLY_SIZE = Rule(
    "k8s-apply-size",
    "kubernetes",
    "a warning when an object exceeds the 262,144 bytes of the annotation client-side "
    "`kubectl apply` writes: apply it with `kubectl apply --server-side` (a GrafanaDashboard that "
    "large is written with `gzipJson` instead)",
)

LAST_APPLIED_LIMIT = kubernetes.LAST_APPLIED_LIMIT
OBJECT_LIMIT = 1 << 20  # 1 MiB: a ConfigMap's data; etcd's request limit is about 1.5 MiB
ANNOTATIONS_LIMIT = 256 * 1024  # the API server's limit on all annotations of an object
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
CONFIG_MAP_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
CRD_FILES = {
    ("grafana.integreatly.org", "GrafanaDashboard"): "grafana.integreatly.org_grafanadashboards",
    ("grafana.integreatly.org", "GrafanaFolder"): "grafana.integreatly.org_grafanafolders",
    ("grafana.integreatly.org", "GrafanaDatasource"): "grafana.integreatly.org_grafanadatasources",
    ("monitoring.coreos.com", "PrometheusRule"): "monitoring.coreos.com_prometheusrules",
}
CORE_KINDS = {("v1", "ConfigMap")}
MAX_PER_OBJECT = 5
Json = dict[str, Any]


# ---- the CEL rules, by hand ----


def _has(value: Any, key: str) -> bool:
    return isinstance(value, dict) and key in value


@dataclass(frozen=True)
class CelRule:
    name: str
    holds: Callable[[Any], bool]


# The CRDs' rule texts that judge a new object, each as what it means.
CEL_RULES: dict[str, CelRule] = {
    "(has(self.folderUID) && !(has(self.folderRef))) || (has(self.folderRef) && "
    "!(has(self.folderUID))) || !(has(self.folderRef) && (has(self.folderUID)))": CelRule(
        "folder-uid-or-ref",
        lambda s: not (_has(s, "folderUID") and _has(s, "folderRef")),
    ),
    "(has(self.folder) && !(has(self.folderRef) || has(self.folderUID))) || "
    "!(has(self.folder))": CelRule(
        "folder-or-folder-ref",
        lambda s: not (_has(s, "folder") and (_has(s, "folderRef") or _has(s, "folderUID"))),
    ),
    "(has(self.parentFolderUID) && !(has(self.parentFolderRef))) || (has(self.parentFolderRef) "
    "&& !(has(self.parentFolderUID))) || !(has(self.parentFolderRef) && "
    "(has(self.parentFolderUID)))": CelRule(
        "parent-folder-uid-or-ref",
        lambda s: not (_has(s, "parentFolderUID") and _has(s, "parentFolderRef")),
    ),
    "(has(self.configMapKeyRef) && !has(self.secretKeyRef)) || (!has(self.configMapKeyRef) && "
    "has(self.secretKeyRef))": CelRule(
        "values-from-one-ref",
        lambda s: _has(s, "configMapKeyRef") != _has(s, "secretKeyRef"),
    ),
}
K8S_CEL = Rule(
    K8S_CEL.name,
    K8S_CEL.family,
    K8S_CEL.description.format(
        names=", ".join(f"`{r.name}`" for r in CEL_RULES.values())
        + " (rules reading `oldSelf` judge updates only)"
    ),
)

RULES = (
    CRD_DIR,
    K8S_SCHEMA,
    K8S_CEL,
    K8S_STRUCTURE,
    K8S_NAME,
    K8S_LABELS,
    K8S_SIZE,
    K8S_APPLY_SIZE,
)


# ---- OpenAPI v3 → JSON Schema ----

_DROP = ("description", "default", "example", "nullable", "format")


def translate(node: Any, *, root: bool = False) -> Any:
    """A CRD's structural OpenAPI v3 schema as JSON Schema (see the module's docstring)."""
    if isinstance(node, list):
        return [translate(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-kubernetes-") or key in _DROP:
            continue
        if key == "properties":
            out[key] = {name: translate(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"):
            out[key] = translate(value)
        else:
            out[key] = value
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}, *out.get("anyOf", [])]
    if node.get("format") == "byte":
        out["format"] = "byte"
    preserve = node.get("x-kubernetes-preserve-unknown-fields")
    if node.get("type") == "object" and not preserve and "additionalProperties" not in node:
        if root:
            out["properties"] = out.get("properties", {}) | {"metadata": {"type": "object"}}
        out["additionalProperties"] = False
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


@dataclass(frozen=True)
class Crd:
    validator: Any  # jsonschema Validator
    schema: Json


@lru_cache(maxsize=4)
def load_crds(directory: Path) -> dict[tuple[str, str, str], Crd]:
    """(group, version, kind) → the served version's compiled schema."""
    import yaml
    from jsonschema import FormatChecker
    from jsonschema.validators import Draft7Validator  # lazy: ~50 ms to import

    checker = FormatChecker(formats=())
    checker.checks("byte", raises=(binascii.Error, ValueError))(_base64)
    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    found: dict[tuple[str, str, str], Crd] = {}
    for (group, kind), stem in CRD_FILES.items():
        path = directory / f"{stem}.yaml"
        document = yaml.load(path.read_bytes(), Loader=loader)
        for version in document["spec"]["versions"]:
            if not version.get("served"):
                continue
            schema = version["schema"]["openAPIV3Schema"]
            validator = Draft7Validator(translate(schema, root=True), format_checker=checker)
            found[(group, version["name"], kind)] = Crd(validator, schema)
    return found


def _base64(value: object) -> bool:
    if isinstance(value, str):
        base64.b64decode(value, validate=True)
    return True


def present(directory: Path) -> bool:
    return all((directory / f"{stem}.yaml").is_file() for stem in CRD_FILES.values())


def cel_problems(schema: Any, value: Any, path: str = "") -> Iterator[str]:
    """Every applying `x-kubernetes-validations` rule `value` breaks, walking the schema beside it;
    a rule neither transition nor known is reported as not evaluated."""
    if not isinstance(schema, dict):
        return
    for rule in schema.get("x-kubernetes-validations") or []:
        text = str(rule.get("rule", ""))
        known = CEL_RULES.get(text)
        where = path or "(top level)"
        if known is not None:
            if not known.holds(value):
                yield f"{where}: {known.name}: {rule.get('message', text)}"
        elif "oldSelf" not in text:
            yield f"{where}: rule not evaluated (no implementation): {text}"
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for key, sub in value.items():
            child = properties.get(key, extra if isinstance(extra, dict) else None)
            if child is not None:
                yield from cel_problems(child, sub, f"{path}.{key}" if path else key)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for n, item in enumerate(value):
            yield from cel_problems(schema["items"], item, f"{path}.{n}")


# ---- the rules no schema states ----


def name_problem(value: Any, *, label: bool = False) -> str | None:
    """Why `value` is not a DNS-1123 subdomain (or, with `label`, a DNS-1123 label)."""
    limit, pattern = (63, DNS1123_LABEL) if label else (253, DNS1123_SUBDOMAIN)
    what = "DNS-1123 label" if label else "DNS-1123 subdomain"
    if not isinstance(value, str) or not value:
        return f"{value!r} is not a {what}: it must be a non-empty string"
    if len(value) > limit:
        return f"{value!r} is {len(value)} characters long; a {what} has at most {limit}"
    if not pattern.match(value):
        allowed = "a-z 0-9 -" if label else "a-z 0-9 - ."
        return f"{value!r} is not a {what}: lower case {allowed}, starting and ending alphanumeric"
    return None


def key_problem(key: Any) -> str | None:
    """Why `key` is not a label or annotation key (Kubernetes' qualified name)."""
    if not isinstance(key, str) or not key:
        return f"key {key!r} is empty"
    prefix, slash, name = key.rpartition("/")
    if slash and (problem := name_problem(prefix)) is not None:
        return f"key {key!r}: prefix {problem}"
    if len(name) > 63:
        return f"key {key!r}: name part is {len(name)} characters long; at most 63"
    if not QUALIFIED_NAME.match(name):
        return f"key {key!r}: name part must be A-Z a-z 0-9 - _ . starting and ending alphanumeric"
    return None


def label_value_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"value {value!r} is not a string (quote it)"
    if value == "":
        return None
    if len(value) > 63:
        return f"value {value!r} is {len(value)} characters long; at most 63"
    if not QUALIFIED_NAME.match(value):
        return f"value {value!r} must be A-Z a-z 0-9 - _ . starting and ending alphanumeric"
    return None


Problem = tuple[str, str, str]  # (rule, severity, message)


def object_problems(document: Any) -> Iterator[Problem]:
    """The Kubernetes rules no schema states, for one object."""
    if not isinstance(document, dict):
        yield K8S_STRUCTURE.name, ERROR, "not a mapping (an object)"
        return
    for key in ("apiVersion", "kind"):
        if not isinstance(document.get(key), str) or not document[key]:
            yield K8S_STRUCTURE.name, ERROR, f"{key}: missing or not a string"
    kind_key = (_group(document.get("apiVersion")), str(document.get("kind")))
    known = {(g, k) for g, k in CRD_FILES} | {("", k) for _, k in CORE_KINDS}
    if kind_key not in known:
        yield (
            K8S_STRUCTURE.name,
            ERROR,
            f"{document.get('apiVersion')} {document.get('kind')}: not a kind the manifests write",
        )
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        yield K8S_STRUCTURE.name, ERROR, "metadata: missing or not a mapping"
        return
    if (problem := name_problem(metadata.get("name"))) is not None:
        yield K8S_NAME.name, ERROR, f"metadata.name: {problem}"
    if (
        "namespace" in metadata
        and (problem := name_problem(metadata["namespace"], label=True)) is not None
    ):
        yield K8S_NAME.name, ERROR, f"metadata.namespace: {problem}"
    for field in ("labels", "annotations"):
        entries = metadata.get(field, {})
        if not isinstance(entries, dict):
            yield K8S_LABELS.name, ERROR, f"metadata.{field}: not a mapping"
            continue
        for key, value in entries.items():
            if (problem := key_problem(key)) is not None:
                yield K8S_LABELS.name, ERROR, f"metadata.{field}: {problem}"
            if field == "labels" and (problem := label_value_problem(value)) is not None:
                yield K8S_LABELS.name, ERROR, f"metadata.labels.{key}: {problem}"
            if field == "annotations" and not isinstance(value, str):
                yield K8S_LABELS.name, ERROR, f"metadata.annotations.{key}: not a string"
    selector = _spec(document).get("instanceSelector")
    labels = selector.get("matchLabels") if isinstance(selector, dict) else None
    for key, value in (labels or {}).items() if isinstance(labels, dict) else ():
        # The operator reads it as a label selector, which refuses what a label refuses.
        where = f"spec.instanceSelector.matchLabels.{key}"
        for problem in (key_problem(key), label_value_problem(value)):
            if problem is not None:
                yield K8S_LABELS.name, ERROR, f"{where}: {problem}"
    annotations = metadata.get("annotations")
    if isinstance(annotations, dict):
        total = sum(len(str(k).encode()) + len(str(v).encode()) for k, v in annotations.items())
        if total > ANNOTATIONS_LIMIT:
            yield (
                K8S_SIZE.name,
                ERROR,
                (f"metadata.annotations: {total} bytes together; at most {ANNOTATIONS_LIMIT}"),
            )
    if kind_key == ("", "ConfigMap"):
        yield from _config_map(document)
    size = kubernetes.compact_size(document)
    if size >= OBJECT_LIMIT:
        yield (
            K8S_SIZE.name,
            ERROR,
            f"{size} bytes as JSON; an object must stay under {OBJECT_LIMIT}",
        )
    elif size > LAST_APPLIED_LIMIT:
        yield (
            K8S_APPLY_SIZE.name,
            WARNING,
            (
                f"{size} bytes as JSON: more than the {LAST_APPLIED_LIMIT} bytes of client-side "
                "`kubectl apply`'s last-applied-configuration annotation; apply it with "
                "`kubectl apply --server-side`"
            ),
        )


def _spec(document: Json) -> Json:
    spec = document.get("spec")
    return spec if isinstance(spec, dict) else {}


def _config_map(document: Json) -> Iterator[Problem]:
    allowed = {"apiVersion", "kind", "metadata", "data", "binaryData", "immutable"}
    for key in sorted(set(document) - allowed):
        yield K8S_SCHEMA.name, ERROR, f"{key}: not a ConfigMap field"
    data = document.get("data", {})
    if not isinstance(data, dict):
        yield K8S_SCHEMA.name, ERROR, "data: not a mapping"
        return
    total = 0
    for key, value in data.items():
        if not isinstance(key, str) or len(key) > 253 or not CONFIG_MAP_KEY.match(key):
            yield (
                K8S_SCHEMA.name,
                ERROR,
                f"data: key {key!r} must be at most 253 of a-z A-Z 0-9 - _ .",
            )
        if not isinstance(value, str):
            yield K8S_SCHEMA.name, ERROR, f"data.{key}: not a string"
        else:
            total += len(value.encode("utf-8"))
    if total > OBJECT_LIMIT:
        yield K8S_SIZE.name, ERROR, f"data: {total} bytes; a ConfigMap holds at most {OBJECT_LIMIT}"


def _group(api_version: Any) -> str:
    text = str(api_version or "")
    return text.rpartition("/")[0]


def schema_problems(document: Any, crds: Mapping[tuple[str, str, str], Crd]) -> Iterator[Problem]:
    """The CRD schema and CEL findings of one custom resource."""
    if not isinstance(document, dict):
        return
    group, _, version = str(document.get("apiVersion", "")).rpartition("/")
    crd = crds.get((group, version, str(document.get("kind"))))
    if crd is None:
        return
    from . import schema as grafana_schema

    for message in grafana_schema.errors(crd.validator, document)[:MAX_PER_OBJECT]:
        yield K8S_SCHEMA.name, ERROR, message
    for message in list(cel_problems(crd.schema, document))[:MAX_PER_OBJECT]:
        severity = WARNING if "not evaluated" in message else ERROR
        yield K8S_CEL.name, severity, message


# ---- one run over the rendered files, remembered by content ----

CACHE_FILE = "lint-kubernetes.json"
_LIBRARIES = ("jsonschema", "referencing")


@lru_cache(maxsize=4)
def fingerprint(directory: Path | None) -> str:
    digest = hashlib.sha256()
    files = [Path(__file__), Path(kubernetes.__file__)]
    if directory is not None:
        files += sorted(directory.glob("*.yaml"))
        for library in _LIBRARIES:
            spec = importlib.util.find_spec(library)
            if spec is not None and spec.origin is not None:
                files += sorted(Path(spec.origin).parent.glob("*.py"))
    for file in files:
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def check_files(
    files: Mapping[str, bytes],
    directory: Path,
    *,
    ci: bool,
    label: str = "",
    cache: Path | None = None,
) -> tuple[list[Finding], list[str]]:
    """(findings, notes) for every manifest among `files` (golden-relative paths); `label`
    prefixes each place (an environment's name)."""
    findings: list[Finding] = []
    notes: list[str] = []
    crd_dir: Path | None = directory if present(directory) else None
    if crd_dir is None:
        missing = (
            f"Kubernetes CRD directory {directory} is absent (set LEAKY_KUBERNETES_SCHEMA_DIR)"
        )
        if ci:
            findings.append(Finding(Where(str(directory)), CRD_DIR.name, missing))
        else:
            notes.append(f"{missing}; manifests checked with the Kubernetes rules alone")
    base = fingerprint(crd_dir)
    store = _Store((cache or cache_dir()) / CACHE_FILE, base)
    for path, content in sorted(files.items()):
        if not path.startswith(KUBERNETES_DIR) or path.endswith(kubernetes.KUSTOMIZATION):
            continue
        key = hashlib.sha256(base.encode() + b"\0" + content).hexdigest()
        found = store.known.get(key)
        if found is None:
            found = store.learn(key, _check_one(content, crd_dir))
        for name, kind, rule, severity, message in found:
            where = Where(f"{label}{path}", f"{kind}/{name}")
            findings.append(Finding(where, rule, message, severity))
    store.save()
    return findings, notes


def _check_one(content: bytes, crd_dir: Path | None) -> list[list[str]]:
    try:
        document = kubernetes.load(content)
    except Exception as exc:  # a YAML error of any kind
        return [["?", "?", K8S_STRUCTURE.name, ERROR, f"not YAML: {exc}".splitlines()[0]]]
    return [[*_identity(document), *p] for p in problems(document, crd_dir)]


def problems(document: Any, crd_dir: Path | None) -> list[Problem]:
    """Every finding of one object: the Kubernetes rules, then (with the CRDs) its schema."""
    found = list(object_problems(document))
    if crd_dir is not None:
        found += schema_problems(document, load_crds(crd_dir))
    return found


def _identity(document: Any) -> tuple[str, str]:
    if not isinstance(document, dict):
        return "?", "?"
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return str(name), str(document.get("kind"))


class _Store:
    """Findings by content hash in the user's cache directory; only a speed-up."""

    def __init__(self, file: Path, base: str) -> None:
        self.file, self.base, self.learnt = file, base, False
        try:
            data: Any = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        self.known: dict[str, list[list[str]]] = (
            data if isinstance(data, dict) and data.get("") == base else {}
        )

    def learn(self, key: str, found: list[list[str]]) -> list[list[str]]:
        self.known[key] = found
        self.learnt = True
        return found

    def save(self) -> None:
        if not self.learnt:
            return
        kept = list(self.known.items())[-2000:]
        data = {"": self.base, **{k: v for k, v in kept if k}}
        temporary = self.file.with_name(f".{self.file.name}.{os.getpid()}.tmp")
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, self.file)
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)


def check(
    files: Mapping[str, bytes],
    *,
    echo: Callable[[str], None] = print,
    label: str = "",
    directory: Path | None = None,
    ci: bool | None = None,
    notes: bool = True,
) -> list[Finding]:
    """Check the manifests among `files`, print each note and finding; an error raises
    LintError (exit 2) before anything is written."""
    from ..settings import kubernetes_schema_dir
    from .ci import in_ci
    from .report import LintError

    findings, said = check_files(
        files, directory or kubernetes_schema_dir(), ci=in_ci() if ci is None else ci, label=label
    )
    for note in said if notes else []:
        echo(f"note: {note}")
    for finding in findings:
        echo(str(finding))
    errors = [f for f in findings if f.severity == ERROR]
    if errors:
        raise LintError(f"Kubernetes manifests: {len(errors)} error(s); nothing was written")
    return findings
