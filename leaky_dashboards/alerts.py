"""Prometheus alerting rules from `libsonnet/alerts.libsonnet`, written by `invoke build`.

The rules come from the thresholds table that colours the panels. Each alert links to the panel
showing its measure (`/d/<uid>?viewPanel=<id>`): the library names the panel by dashboard and
panel key (its field name in the library, `panelKey` in the compiled model), and the id is looked
up here in the compiled dashboards, so it cannot drift; a missing panel is a build error. The
rules are linted (mixin conventions) before they are written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import yaml

from .alerts_lint import lint
from .errors import BuildError
from .library import Library
from .model import KEY_FIELD, iter_panels
from .outputs import RULES_FILE
from .render import Dashboard

ALERTS_LIBRARY = "alerts.libsonnet"
LINKS_VAR = "alertPanelLinks"
# Evaluated beside the library: hands the panel links to the hidden rules function, and makes the
# runbooks from the same rules (one evaluation for both). A library from before the runbooks (an
# older ref that `invoke diff --base` renders: no `runbooks`) has none; one from before
# `runbooksOf` makes them from the links.
_ENTRY = (
    f"local alerts = import '{ALERTS_LIBRARY}';\n"
    f"local links = std.parseJson(std.extVar('{LINKS_VAR}'));\n"
    "local rules = alerts.prometheusAlerts(links);\n"
    "{\n"
    "  rules: rules,\n"
    "  runbooks: if !std.objectHasAll(alerts, 'runbooks') then []\n"
    "            else if std.objectHasAll(alerts, 'runbooksOf') then alerts.runbooksOf(rules)\n"
    "            else alerts.runbooks(links),\n"
    "}\n"
)


def panel_links(
    panels: dict[str, dict[str, str]], dashboards: Sequence[Dashboard]
) -> dict[str, str]:
    """Alert key → '/d/<uid>?viewPanel=<id>' of the panel the library names (dashboard uid and
    panel key) for it."""
    by_uid = {d.uid: d for d in dashboards}
    links: dict[str, str] = {}
    for key, spec in sorted(panels.items()):
        dashboard = by_uid.get(spec["uid"])
        if dashboard is None:
            raise BuildError(
                f"libsonnet/{ALERTS_LIBRARY}: alert {key} links to dashboard {spec['uid']}, "
                "which was not compiled"
            )
        ids = [p.get("id") for p in iter_panels(dashboard.model) if p.get(KEY_FIELD) == spec["key"]]
        if len(ids) != 1 or not isinstance(ids[0], int):
            found = "no panel" if not ids else f"{len(ids)} panels"
            raise BuildError(
                f"libsonnet/{ALERTS_LIBRARY}: alert {key} links to panel key {spec['key']!r} of "
                f"{dashboard.title}, which has {found} with that key and an id"
            )
        links[key] = f"/d/{dashboard.uid}?viewPanel={ids[0]}"
    return links


def _evaluated(dashboards: Sequence[Dashboard], library: Library) -> dict[str, Any]:
    """The rules document and the runbooks, from one evaluation (`_ENTRY`), once per library and
    panel links (lint, the rules file and the docs all read them)."""
    links = json.dumps(panel_links(library.value(ALERTS_LIBRARY)["panels"], dashboards))
    if links not in library.alert_documents:
        # Evaluated from text: no temporary file to leave behind if the build is stopped here.
        library.alert_documents[links] = library.evaluate_text(
            "<alerts>", _ENTRY, {LINKS_VAR: links}
        )
    both: dict[str, Any] = library.alert_documents[links]
    return both


def rules(dashboards: Sequence[Dashboard], library: Library) -> dict[str, Any]:
    """The rules document (`groups: [...]`) as Prometheus loads it."""
    document: dict[str, Any] = _evaluated(dashboards, library)["rules"]
    problems = lint(document, library.queried_catalog())
    if problems:
        raise BuildError(f"libsonnet/{ALERTS_LIBRARY}: " + "; ".join(problems))
    return document


def runbooks(dashboards: Sequence[Dashboard], library: Library) -> list[dict[str, Any]]:
    """One runbook per alert name, as the library builds it beside each rule: `alert`,
    `anchor` (its docs section), `means`, `checks`, `panel` (dashboard and key), `link`,
    `levels` (severity, summary, for), `dashboard_url` and `runbook_url` as the rules carry them."""
    result: list[dict[str, Any]] = _evaluated(dashboards, library)["runbooks"]
    return result


# libyaml's emitter when PyYAML has it (ten times faster, the same bytes: a test compares them).
_SafeDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_SafeDumper):  # type: ignore[valid-type,misc]
    """Multi-line strings (PromQL) as literal blocks, so the rules file reads like PromQL."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


# Prometheus' own order of a rule's fields (Jsonnet sorts them alphabetically).
RULE_ORDER = ("alert", "record", "expr", "for", "labels", "annotations")


ANNOTATION_ORDER = ("summary", "description")


def _sorted(mapping: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    rank = {key: i for i, key in enumerate(order)}
    return dict(sorted(mapping.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))


def _ordered(rule: dict[str, Any]) -> dict[str, Any]:
    if isinstance(rule.get("annotations"), dict):
        rule = rule | {"annotations": _sorted(rule["annotations"], ANNOTATION_ORDER)}
    return _sorted(rule, RULE_ORDER)


def dump(document: dict[str, Any]) -> bytes:
    groups = [
        group | {"rules": [_ordered(rule) for rule in group.get("rules") or []]}
        for group in document.get("groups") or []
    ]
    text = yaml.dump(
        {"groups": groups}, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1 << 16
    )
    return text.encode("utf-8")


def files(dashboards: Sequence[Dashboard], library: Library) -> dict[str, bytes]:
    """The artifacts producer: the rules file by its golden-relative path."""
    if not dashboards:
        return {}
    return {RULES_FILE: dump(rules(dashboards, library))}
