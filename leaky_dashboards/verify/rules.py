"""The alert rules as one more "dashboard" for verify: each alert a panel, its measure the target.

An alert's expression is `measure > level`; with the comparison made `> bool`, it returns 0 or 1
for every series of the measure, so an empty answer means the measure itself has no data (a typo,
a label the services do not export), not merely that the alert is quiet. An alert joining several
comparisons with `and`/`or` (the SLO burn-rate alerts: two windows, two pairs) is one target per
comparison, so each window's series is checked to exist.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import promql_parser

from ..outputs import RULES_FILE
from ..render import Dashboard

TITLE = "Alert rules"
_COMPARISON = re.compile(
    r"^(?P<measure>.*\S)\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<level>[-+]?[0-9.eE+-]+)\s*$", re.S
)


def measured(expr: str) -> str:
    match = _COMPARISON.match(expr)
    if not match:
        return expr
    return f"{match['measure']} {match['op']} bool {match['level']}"


_SET_OPERATORS = ("and", "or", "unless")


def comparisons(expr: str) -> list[str]:
    """The expression's parts joined by `and`/`or`/`unless` at its top, each as written; the
    expression itself when it has no such join (or does not parse)."""
    try:
        tree = promql_parser.parse(expr)
    except ValueError:
        return [expr]
    parts: list[str] = []

    def walk(node: Any) -> None:
        while type(node).__name__ == "ParenExpr":
            node = node.expr
        if type(node).__name__ == "BinaryExpr" and str(node.op) in _SET_OPERATORS:
            walk(node.lhs)
            walk(node.rhs)
        else:
            parts.append(node.prettify())

    walk(tree)
    return parts if len(parts) > 1 else [expr]


def as_dashboard(document: dict[str, Any]) -> Dashboard:
    panels = [
        {
            "type": "alert",
            "title": f"{rule['alert']} ({(rule.get('labels') or {}).get('severity', '?')})",
            "gridPos": {"x": 0, "y": 0, "w": 24, "h": 1},
            "targets": [
                {"refId": "expr" if len(parts) == 1 else f"expr{n}", "expr": measured(part)}
                for n, part in enumerate(parts, 1)
            ],
        }
        for group in document.get("groups") or []
        for rule in group.get("rules") or []
        if "alert" in rule
        for parts in [comparisons(str(rule["expr"]))]
    ]
    model = {"uid": "alert-rules", "title": TITLE, "panels": panels}
    return Dashboard("alert-rules", Path(RULES_FILE), model)
