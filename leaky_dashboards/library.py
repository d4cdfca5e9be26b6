"""The Jsonnet library's own data as Python reads it: config, metrics catalog, alert inputs.

One `Library` per project (`Project.library`) knows where libsonnet/ is, the installation values
and the engine, and evaluates each library file at most once; the producers, lint, docs and
verify all read through it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import Catalog
from .engine import evaluate_file, evaluate_snippet
from .settings import Installation

CONFIG_FILE = "config.libsonnet"
CATALOG_FILE = "metrics.libsonnet"
RULES_FILE = "rules.libsonnet"


@dataclass
class Library:
    root: Path
    installation: Installation
    engine: str
    # Where else imports may read (the dashboards' directory): see `sandbox`.
    sources: tuple[Path, ...] = ()
    _values: dict[str, Any] = field(default_factory=dict, repr=False)
    # The catalogs made from those values, once each (lint, docs and the alerts all read one).
    _catalogs: dict[str, Catalog] = field(default_factory=dict, repr=False)
    # The alert rules and runbooks by their panel links (see `alerts`), evaluated once each.
    alert_documents: dict[str, Any] = field(default_factory=dict, repr=False)

    def value(self, name: str) -> Any:
        """The evaluated value of libsonnet/`name`, cached."""
        if name not in self._values:
            self._values[name] = self.evaluate(self.root / name)
        return self._values[name]

    def evaluate(self, path: Path, extra_ext_vars: dict[str, str] | None = None) -> Any:
        """Evaluate any file against this library (not cached: extra variables vary)."""
        ext_vars = self.installation.ext_vars() | (extra_ext_vars or {})
        return json.loads(
            evaluate_file(
                path, library=self.root, ext_vars=ext_vars, engine=self.engine, roots=self.sources
            )
        )

    def evaluate_text(self, name: str, text: str, extra_ext_vars: dict[str, str]) -> Any:
        """Evaluate Jsonnet text against this library, without writing it to a file."""
        ext_vars = self.installation.ext_vars() | extra_ext_vars
        return json.loads(
            evaluate_snippet(
                name,
                text,
                library=self.root,
                ext_vars=ext_vars,
                engine=self.engine,
                roots=self.sources,
            )
        )

    def thresholds(self) -> dict[str, Any]:
        """The spec's alerting thresholds table (config.libsonnet `thresholds`), in its order."""
        table: dict[str, Any] = self.value(CONFIG_FILE)["thresholds"]
        return dict(sorted(table.items(), key=lambda item: (item[1].get("order", 0), item[0])))

    def scope_labels(self) -> frozenset[str]:
        """The labels every selector of this installation matches (config.libsonnet `scope`:
        an environment's `cluster`); none by default."""
        scope = self.value(CONFIG_FILE).get("scope") or {}
        return frozenset(str(label) for label in scope.get("labels") or ())

    def uid_prefix(self) -> str:
        """What every dashboard uid starts with; the rest is the dashboard's short name."""
        return str(self.value(CONFIG_FILE)["dashboard"]["uidPrefix"])

    def dashboard_rank(self, uid: str) -> tuple[int, str]:
        """Where a dashboard stands: its config `dashboards[].order`, else after every listed one,
        by uid (as libsonnet/dashboard.libsonnet orders the links)."""
        config = self.value(CONFIG_FILE)
        key = uid.removeprefix(self.uid_prefix())
        entry = config["dashboards"].get(key, {})
        return (int(entry.get("order", len(config["dashboards"]) + 1)), uid)

    def dashboard_names(self, uids: Iterable[str]) -> list[str]:
        """The short names (`overview`...) of the dashboards of `uids`, in the dashboards' order
        (`dashboard_rank`)."""
        prefix = self.uid_prefix()
        return [uid.removeprefix(prefix) for uid in sorted(uids, key=self.dashboard_rank)]

    def catalog(self) -> Catalog:
        """The series the platform exports (what verify generates)."""
        if "exported" not in self._catalogs:
            series = self.value(CATALOG_FILE).get("series")
            self._catalogs["exported"] = Catalog.from_series(series, self.root / CATALOG_FILE)
        return self._catalogs["exported"]

    def queried_catalog(self) -> Catalog:
        """Every series a query may read: the exported ones and those the recording rules record
        (`rules.libsonnet` `catalog`, type `recorded`): what lint, docs and the alerts' lint
        check queries against."""
        if "queried" not in self._catalogs:
            series = self.value(CATALOG_FILE).get("series") or {}
            recorded = self.value(RULES_FILE).get("catalog") or {}
            self._catalogs["queried"] = Catalog.from_series(
                series | recorded, self.root / CATALOG_FILE
            )
        return self._catalogs["queried"]
