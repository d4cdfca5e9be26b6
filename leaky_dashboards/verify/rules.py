"""The alert rules as one more "dashboard" for verify: each alert a panel, its measure the target.

An alert's expression is `measure > level`; with the comparison made `> bool`, it returns 0 or 1
for every series of the measure, so an empty answer means the measure itself has no data (a typo,
a label the services do not export), not merely that the alert is quiet.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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


def as_dashboard(document: dict[str, Any]) -> Dashboard:
    panels = [
        {
            "type": "alert",
            "title": f"{rule['alert']} ({(rule.get('labels') or {}).get('severity', '?')})",
            "gridPos": {"x": 0, "y": 0, "w": 24, "h": 1},
            "targets": [{"refId": "expr", "expr": measured(str(rule["expr"]))}],
        }
        for group in document.get("groups") or []
        for rule in group.get("rules") or []
        if "alert" in rule
    ]
    model = {"uid": "alert-rules", "title": TITLE, "panels": panels}
    return Dashboard("alert-rules", Path(RULES_FILE), model)
