"""Grafana provisioning files: the Prometheus datasource and the "Leaky Tokens" folder provider.

Written with PyYAML from plain data; no secret is ever put here. Grafana expands `$VAR` and
`${VAR}` in provisioning files at load time (so any credential stays in Grafana's environment),
and reads `$$` as a literal `$`: every `$` of an installation value is written as `$$`.
"""

from __future__ import annotations

from typing import Any

import yaml

from .outputs import DATASOURCE_FILE, PROVIDER_FILE
from .settings import Installation


def datasource(installation: Installation) -> dict[str, Any]:
    return {
        "apiVersion": 1,
        "datasources": [
            {
                "name": installation.datasource_name,
                "uid": installation.datasource_uid,
                "type": "prometheus",
                "access": "proxy",
                "url": installation.prometheus_url,
                "isDefault": True,
                "editable": False,
                "jsonData": {
                    "timeInterval": installation.scrape_interval,
                    "httpMethod": "POST",
                },
            }
        ],
    }


def dashboard_provider(installation: Installation) -> dict[str, Any]:
    return {
        "apiVersion": 1,
        "providers": [
            {
                "name": "leaky-tokens",
                "orgId": 1,
                "folder": installation.folder,
                "type": "file",
                "disableDeletion": False,
                "updateIntervalSeconds": 10,
                "allowUiUpdates": True,
                "options": {"path": installation.dashboards_path},
            }
        ],
    }


def escape(value: Any) -> Any:
    """Every string in `value` with `$` doubled, so Grafana does not expand it."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {k: escape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [escape(v) for v in value]
    return value


def dump(document: dict[str, Any]) -> bytes:
    text = yaml.safe_dump(
        escape(document), sort_keys=False, allow_unicode=True, default_flow_style=False
    )
    return text.encode("utf-8")


def render(installation: Installation) -> dict[str, bytes]:
    """Provisioning files by their path in golden/."""
    return {
        DATASOURCE_FILE: dump(datasource(installation)),
        PROVIDER_FILE: dump(dashboard_provider(installation)),
    }
