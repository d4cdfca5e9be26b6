"""Per-installation values and project paths, with defaults and environment overrides.

The defaults here are the single source: they are passed to Jsonnet as external variables and
used for the provisioning YAML, so dashboards and datasource always agree on the datasource uid.
Every value is checked when an Installation is made (docs/design.md: Installation values): a bad
one is an error naming its environment variable, and a URL carrying credentials is refused.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from .errors import BuildError

ROOT = Path(__file__).resolve().parent.parent

# Environment variable that selects the Jsonnet engine ("go" or "cpp").
ENGINE_ENV = "LEAKY_JSONNET_ENGINE"
# Installation values only an environment file sets (checked there), never a LEAKY_* variable.
FILE_ONLY = ("overrides",)
# Environment variable that moves the user's cache directory (see `cache_dir`).
CACHE_ENV = "LEAKY_CACHE_DIR"


@dataclass(frozen=True)
class Installation:
    """Values that differ per Grafana installation; each can be overridden by LEAKY_<NAME>."""

    datasource_uid: str = "prometheus"
    datasource_name: str = "Prometheus"
    prometheus_url: str = "http://prometheus:9090"
    folder: str = "Leaky Tokens"
    scrape_interval: str = "15s"
    # Where Grafana sees the reviewed golden dashboards (docker-compose mounts golden/dashboards).
    dashboards_path: str = "/var/lib/grafana/dashboards/leaky-tokens"
    # Grafana's address as on-call people open it: the root of every alert's dashboard_url
    # (docker-compose.observability.yml publishes Grafana on 127.0.0.1:3000).
    grafana_url: str = "http://localhost:3000"
    # Where the generated docs (golden/docs/dashboards.md) are read: the root of every alert's
    # runbook_url, its section's anchor appended. By default the docs' path in this repository;
    # an installation names where it publishes them (its Git host's page of that file).
    docs_url: str = "golden/docs/dashboards.md"
    # Mixin-style overrides of the library's configuration as JSON (an environment file's
    # `overrides`, checked there): threshold levels. `{}`: the library's own values.
    overrides: str = "{}"

    def __post_init__(self) -> None:
        problems = [
            f"{env_name(name)}: {problem}"
            for name, check in CHECKS.items()
            if (problem := check(getattr(self, name))) is not None
        ]
        if problems:
            raise InstallationError(problems)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Installation:
        env = dict(os.environ) if env is None else env
        overrides = {
            f.name: env[env_name(f.name)]
            for f in fields(cls)
            if env_name(f.name) in env and f.name not in FILE_ONLY
        }
        return replace(cls(), **overrides)

    def ext_vars(self) -> dict[str, str]:
        """External variables handed to every Jsonnet evaluation (camelCase, Jsonnet style)."""
        return {
            "datasourceUid": self.datasource_uid,
            "datasourceName": self.datasource_name,
            "prometheusUrl": self.prometheus_url,
            "folder": self.folder,
            "scrapeInterval": self.scrape_interval,
            "grafanaUrl": self.grafana_url.rstrip("/"),
            "docsUrl": self.docs_url,
            "overrides": self.overrides,
        }


class InstallationError(BuildError):
    """Installation values (LEAKY_*) that cannot be used: exit 2, before anything is read; one
    line per bad variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems

    def lines(self) -> list[str]:
        return self.problems


def env_name(field_name: str) -> str:
    return f"LEAKY_{field_name.upper()}"


# Grafana's rule for a uid (util.IsValidShortUID, at most 40 characters).
UID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
NAME_MAX = 190  # Grafana's limit on a datasource name (and a folder title is no longer)
SECRETS_HINT = (
    "give Grafana the credentials from its environment instead: in "
    "provisioning/datasources, basicAuth: true, basicAuthUser: $PROMETHEUS_USER and "
    "secureJsonData: {basicAuthPassword: $PROMETHEUS_PASSWORD} (Grafana expands $VAR in "
    "provisioning files when it loads them); see docs/design.md, Installation values"
)


# Query or fragment parameters that carry a secret: by exact name, or by a word in the name.
SECRET_PARAMETERS = frozenset(
    {"key", "apikey", "auth", "authorization", "sig", "signature", "code", "session", "sessionid"}
)
SECRET_WORDS = ("token", "secret", "password", "passwd", "pwd", "api_key", "api-key", "apikey")
TOKEN_HINT = (
    "a link carries no secret; give Grafana a Prometheus token from its environment instead: "
    "in provisioning/datasources, jsonData: {httpHeaderName1: Authorization} and "
    "secureJsonData: {httpHeaderValue1: 'Bearer $PROMETHEUS_TOKEN'}; see docs/design.md, "
    "Installation values"
)


def _line_break(ch: str) -> bool:
    """A control character (newline, U+0085...) or a Unicode line or paragraph separator."""
    return unicodedata.category(ch) in ("Cc", "Zl", "Zp")


def _one_line(value: str) -> str | None:
    if not value.strip():
        return "is empty"
    bad = next((ch for ch in value if _line_break(ch)), None)
    if bad is None:
        return None
    if unicodedata.category(bad) == "Cc":
        return f"holds a control character (U+{ord(bad):04X}, a newline?); it must be one line"
    return f"holds U+{ord(bad):04X} {unicodedata.name(bad)}, a line break; it must be one line"


def _secret_parameter(value: str) -> str | None:
    """The name of a query or fragment parameter of `value` that carries a secret, if any."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    for part in (parts.query, parts.fragment):
        for name, _ in parse_qsl(part, keep_blank_values=True):
            lowered = name.lower()
            if lowered in SECRET_PARAMETERS or any(word in lowered for word in SECRET_WORDS):
                return name
    return None


def _hostile(value: str) -> str | None:
    """What no URL or path value may hold, checked before anything prints the value."""
    problem = _one_line(value)
    if problem is not None:
        return problem
    name = _secret_parameter(value)
    if name is not None:
        return (
            f"carries a secret in its query string ({name}=***), which would be written to "
            f"provisioning/, the alert rules and the build's output; {TOKEN_HINT}"
        )
    if "{{" in value or "}}" in value:
        return (
            "holds `{{` or `}}`, template syntax: Prometheus would expand it in the alert "
            "rules' annotations (write it percent-encoded, %7B%7B, if it is meant literally)"
        )
    return None


def _name(value: str) -> str | None:
    problem = _one_line(value)
    if problem is None and len(value) > NAME_MAX:
        problem = f"is {len(value)} characters long; at most {NAME_MAX}"
    return problem


def _uid(value: str) -> str | None:
    if UID.match(value):
        return None
    return f"{value!r} is not a Grafana uid: 1 to 40 of A-Z a-z 0-9 _ -"


def _url(value: str) -> str | None:
    problem = _hostile(value)
    if problem is not None or any(ch.isspace() for ch in value):
        return problem or "holds a space; a URL has none"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        return f"is not a URL: {exc}"
    if parts.username is not None or parts.password is not None:
        shown = parts._replace(netloc=f"***@{parts.hostname or ''}").geturl()
        return (
            f"{shown}: carries credentials, which would be written to provisioning/ and "
            f"printed; {SECRETS_HINT}"
        )
    if parts.scheme not in ("http", "https"):
        return f"{value!r} is not an http:// or https:// URL"
    if not parts.hostname:
        return f"{value!r} names no host"
    return None


def _root_url(value: str) -> str | None:
    """A URL other parts are appended to: no query or fragment of its own."""
    problem = _url(value)
    if problem is None and ("?" in value or "#" in value):
        problem = f"{value!r} holds a query or fragment; give the root the links start from"
    return problem


def _docs_url(value: str) -> str | None:
    """An http(s) URL as _root_url, or a path inside the repository (no scheme, no spaces)."""
    if "://" in value:
        return _root_url(value)
    problem = _hostile(value)
    if problem is None and any(ch.isspace() for ch in value):
        problem = "holds a space; a URL or path has none"
    if problem is None and ("?" in value or "#" in value or ":" in value):
        problem = f"{value!r} is neither an http(s):// URL nor a path inside the repository"
    if problem is None and (value.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", value)):
        problem = f"{value!r} leaves the repository; give a path inside it (no `..`, not absolute)"
    return problem


def _duration(value: str) -> str | None:
    from .grafana import PROMETHEUS_DURATION  # Grafana's module, loaded when a value is checked

    if PROMETHEUS_DURATION.match(value) and any(ch in "123456789" for ch in value):
        return None
    return f"{value!r} is not a duration such as 15s, 1m or 1m30s"


def _absolute_path(value: str) -> str | None:
    problem = _one_line(value)
    if problem is None and not value.startswith("/"):
        problem = f"{value!r} is not an absolute path (Grafana reads it inside its container)"
    return problem


def _json_object(value: str) -> str | None:
    try:
        parsed = json.loads(value)
    except ValueError as exc:
        return f"is not JSON: {exc}"
    return None if isinstance(parsed, dict) else "is not a JSON object"


CHECKS = {
    "datasource_uid": _uid,
    "datasource_name": _name,
    "prometheus_url": _url,
    "folder": _name,
    "scrape_interval": _duration,
    "dashboards_path": _absolute_path,
    "grafana_url": _root_url,
    "docs_url": _docs_url,
    "overrides": _json_object,
}


@dataclass(frozen=True)
class Paths:
    """Where sources are read and outputs written; tests point these at temporary trees."""

    root: Path = ROOT
    dashboards: Path = field(default=ROOT / "dashboards")
    libsonnet: Path = field(default=ROOT / "libsonnet")
    golden: Path = field(default=ROOT / "golden")
    provisioning: Path = field(default=ROOT / "provisioning")
    schemas: Path = field(default_factory=lambda: schema_dir())

    def show(self, path: Path) -> str:
        """`path` as a user names it: relative to the project root where it lies inside."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    @classmethod
    def under(cls, root: Path) -> Paths:
        """The standard layout below `root` (schemas stay where the environment keeps them)."""
        return cls(
            root=root,
            dashboards=root / "dashboards",
            libsonnet=root / "libsonnet",
            golden=root / "golden",
            provisioning=root / "provisioning",
            schemas=schema_dir(),
        )


def schema_dir() -> Path:
    """Grafana's published JSON schemas: $LEAKY_SCHEMA_DIR, else ../shared/schemas/grafana."""
    return Path(
        os.environ.get("LEAKY_SCHEMA_DIR", str(ROOT.parent / "shared" / "schemas" / "grafana"))
    )


def kubernetes_schema_dir(env: dict[str, str] | None = None) -> Path:
    """The Kubernetes CRDs (grafana-operator's, prometheus-operator's):
    $LEAKY_KUBERNETES_SCHEMA_DIR, else ../shared/schemas/kubernetes."""
    env = dict(os.environ) if env is None else env
    default = ROOT.parent / "shared" / "schemas" / "kubernetes"
    return Path(env.get("LEAKY_KUBERNETES_SCHEMA_DIR") or default)


def cache_dir(env: dict[str, str] | None = None) -> Path:
    """The user's cache directory for what is remembered by content (lint's schema pass, Jsonnet
    evaluations): $LEAKY_CACHE_DIR, else $XDG_CACHE_HOME/leaky-dashboards, else
    ~/.cache/leaky-dashboards. Keyed by content, it is right for any tree."""
    env = dict(os.environ) if env is None else env
    if env.get(CACHE_ENV):
        return Path(env[CACHE_ENV])
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "leaky-dashboards"


def default_engine() -> str:
    return os.environ.get(ENGINE_ENV, "go")
