"""Where an installation's manifests send the dashboards and rules (an environment file sets it):
what every `Project` carries, so its own small module (a build that renders nothing never loads
`kubernetes`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Placement:
    """How the manifests find their Grafana and Prometheus (an environment file sets them)."""

    # Labels of the `Grafana` resources the operator's objects are imported into.
    instance_selector: Mapping[str, str] = field(default_factory=lambda: {"dashboards": "grafana"})
    # The label (name, value) the dashboard sidecar watches, and the annotation it reads the
    # folder from (the charts' `sidecar.dashboards.label`, `labelValue`, `folderAnnotation`).
    sidecar_label: tuple[str, str] = ("grafana_dashboard", "1")
    folder_annotation: str = "grafana_folder"
    # Labels of the PrometheusRule, for the Prometheus' `ruleSelector` (kube-prometheus-stack
    # selects `release: <its release name>` unless ruleSelectorNilUsesHelmValues is false).
    rule_labels: Mapping[str, str] = field(default_factory=dict)
