"""References that cannot dangle: every link a reader or an alert follows opens something.

A dashboard link, panel link or data link to `/d/<uid>` (relative, or on any host) must name a
dashboard of this tree, and its `viewPanel=<id>` a panel of that dashboard; an alert's
`dashboard_url` alike; its `runbook_url` must name the generated docs and an anchor they hold
(one per runbook). Removing the panel a drill-down opens is then a lint error naming the panel
and the link, not a link that opens nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ..model import Json, iter_panels
from ..outputs import DOCS_FILE, GOLDEN_PREFIX
from .report import Finding, Where, panel_where
from .rule import Rule

LINK_TARGET = Rule(
    "link-target",
    "links",
    "every dashboard, panel and data link to `/d/<uid>` names a dashboard of this tree, and its "
    "`viewPanel=` a panel of it",
)
ALERT_LINK_TARGET = Rule(
    "alert-link-target",
    "links",
    "every alert's `dashboard_url` opens a dashboard and panel of this tree, and its "
    "`runbook_url` an anchor of the generated docs",
)
RULES = (LINK_TARGET, ALERT_LINK_TARGET)

# uid → the ids of its panels (rows included: a row can be opened too)
Targets = Mapping[str, set[int]]


def targets(models: Sequence[Json]) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for model in models:
        ids = {p["id"] for p in iter_panels(model) if isinstance(p.get("id"), int)}
        found[str(model.get("uid"))] = ids
    return found


def dangling(url: str, known: Targets) -> str | None:
    """Why `url` opens nothing here, or None (a link elsewhere is not this tree's to check)."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2 or segments[0] != "d":
        return None
    uid = unquote(segments[1])
    if "$" in uid:
        return None  # chosen at run time by a variable
    if uid not in known:
        return f"no dashboard has uid {uid!r}"
    for value in parse_qs(parts.query, keep_blank_values=True).get("viewPanel", []):
        if "$" in value:
            continue
        try:
            panel = int(value.removeprefix("panel-"))
        except ValueError:
            return f"viewPanel={value!r} is not a panel id"
        if panel not in known[uid]:
            return f"dashboard {uid!r} has no panel {panel}"
    return None


def _links(panel: Json) -> Iterator[Json]:
    """A panel's links: its own, its data links and those its overrides set."""
    yield from _list(panel.get("links"))
    field_config = panel.get("fieldConfig")
    if not isinstance(field_config, dict):
        return
    defaults = field_config.get("defaults")
    if isinstance(defaults, dict):
        yield from _list(defaults.get("links"))
    for override in _list(field_config.get("overrides")):
        for prop in _list(override.get("properties")):
            if prop.get("id") == "links":
                yield from _list(prop.get("value"))


def _list(value: Any) -> list[Json]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def dashboard_findings(name: str, model: Json, known: Targets) -> list[Finding]:
    """Every link of one dashboard (its own, its panels') that opens nothing."""
    found: list[Finding] = []
    for link in _list(model.get("links")):
        why = dangling(str(link.get("url") or ""), known)
        if why is not None:
            where = Where(name, f"dashboard link “{link.get('title')}”")
            found.append(Finding(where, LINK_TARGET.name, f"{link.get('url')}: {why}"))
    for panel in iter_panels(model):
        for link in _links(panel):
            why = dangling(str(link.get("url") or ""), known)
            if why is not None:
                message = f"link “{link.get('title')}” opens {link.get('url')}: {why}"
                found.append(Finding(panel_where(name, panel), LINK_TARGET.name, message))
    return found


def alert_findings(document: Any, known: Targets, anchors: set[str]) -> list[Finding]:
    """Every alert's `dashboard_url` and `runbook_url` that opens nothing."""
    found: list[Finding] = []
    groups = document.get("groups") if isinstance(document, dict) else None
    for group in _list(groups):
        for rule in _list(group.get("rules")):
            if "alert" not in rule:
                continue
            labels = rule.get("labels") if isinstance(rule.get("labels"), dict) else {}
            where = Where(f"alert {rule['alert']} ({(labels or {}).get('severity', '?')})")
            annotations = rule.get("annotations")
            if not isinstance(annotations, dict):
                continue
            url = annotations.get("dashboard_url")
            why = None if url is None else dangling(str(url), known)
            if why is not None:
                message = f"dashboard_url {url}: {why}"
                found.append(Finding(where, ALERT_LINK_TARGET.name, message))
            book = annotations.get("runbook_url")
            why = None if book is None else _missing_anchor(str(book), anchors)
            if why is not None:
                message = f"runbook_url {book}: {why}"
                found.append(Finding(where, ALERT_LINK_TARGET.name, message))
    return found


def _missing_anchor(url: str, anchors: set[str]) -> str | None:
    path, _, anchor = url.partition("#")
    if "://" in path:
        return None  # a runbook elsewhere is not this tree's to check
    if path.removeprefix("./") != GOLDEN_PREFIX + DOCS_FILE:
        return f"names {path!r}, not the generated docs {GOLDEN_PREFIX + DOCS_FILE}"
    if anchor and anchor not in anchors:
        return f"the docs have no section {anchor!r}"
    return None
