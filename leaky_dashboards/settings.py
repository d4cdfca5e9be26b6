"""Per-installation values and project paths, with defaults and environment overrides.

The defaults here are the single source: they are passed to Jsonnet as external variables and
used for the provisioning YAML, so dashboards and datasource always agree on the datasource uid.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Environment variable that selects the Jsonnet engine ("go" or "cpp").
ENGINE_ENV = "LEAKY_JSONNET_ENGINE"


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

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Installation:
        env = dict(os.environ) if env is None else env
        overrides = {
            f.name: env[f"LEAKY_{f.name.upper()}"]
            for f in fields(cls)
            if f"LEAKY_{f.name.upper()}" in env
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


def default_engine() -> str:
    return os.environ.get(ENGINE_ENV, "go")
