"""Alert rules linted as the monitoring mixins do (mixtool's alert rules).

Every alert: a CamelCase name, a `severity` label (warning, critical or info), a summary and a
description annotation, a `for` duration; no two alerts share a name and a severity. Given the
metrics catalog, every `{{ $labels.x }}` of the annotations must be a label the alert carries
(kept by its expression, or set by the rule): a page saying "on {{ $labels.application }}" of an
alert on `up`, which has no `application`, would name nothing.
"""

from __future__ import annotations

import re
from typing import Any

from .catalog import Catalog
from .lint.contract import Checker
from .promql import parse

CAMEL_CASE = re.compile(r"^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*$")
SEVERITIES = ("warning", "critical", "info")
TEMPLATE_LABEL = re.compile(r"\$labels\.(\w+)")


def lint(document: dict[str, Any], catalog: Catalog | None = None) -> list[str]:
    """Findings as '<alert> (<severity>): message'; empty when the rules follow the conventions."""
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for group in document.get("groups") or []:
        for rule in group.get("rules") or []:
            if "alert" not in rule:
                continue  # recording rules have their own conventions
            name = str(rule["alert"])
            severity = str((rule.get("labels") or {}).get("severity", ""))
            where = f"{name} ({severity or 'no severity'})"
            annotations = rule.get("annotations") or {}
            if not CAMEL_CASE.match(name):
                problems.append(f"{where}: alert name is not CamelCase")
            if severity not in SEVERITIES:
                problems.append(f"{where}: severity label must be one of {', '.join(SEVERITIES)}")
            for field in ("summary", "description"):
                if not str(annotations.get(field) or "").strip():
                    problems.append(f"{where}: no {field} annotation")
            if not rule.get("for"):
                problems.append(f"{where}: no `for` duration")
            if (name, severity) in seen:
                problems.append(f"{where}: another alert has the same name and severity")
            seen.add((name, severity))
            if catalog is not None:
                problems.extend(f"{where}: {m}" for m in _template_labels(rule, catalog))
    return problems


def _template_labels(rule: dict[str, Any], catalog: Catalog) -> list[str]:
    """Labels the annotations print that the alert does not carry."""
    texts = [str(v) for v in (rule.get("annotations") or {}).values()]
    used = sorted({label for text in texts for label in TEMPLATE_LABEL.findall(text)})
    if not used:
        return []
    query = parse(str(rule.get("expr") or ""))
    if query.ast is None:
        return [f"expression does not parse: {query.error}"]
    kept = Checker(catalog).labels(query.ast).names
    if kept is None:
        return []  # labels the checker cannot follow: nothing to say
    carried = kept | set(rule.get("labels") or {}) | {"alertname"}
    return [
        f"annotations print {{{{ $labels.{label} }}}}, a label the alert does not carry "
        f"(it carries: {', '.join(sorted(carried))})"
        for label in used
        if label not in carried
    ]
