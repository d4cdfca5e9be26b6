"""Alert rules linted as the monitoring mixins do (mixtool's alert rules).

Every alert: a CamelCase name, a `severity` label (warning, critical or info), a summary and a
description annotation, a `for` duration; no two alerts share a name and a severity.
"""

from __future__ import annotations

import re
from typing import Any

CAMEL_CASE = re.compile(r"^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*$")
SEVERITIES = ("warning", "critical", "info")


def lint(document: dict[str, Any]) -> list[str]:
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
    return problems
