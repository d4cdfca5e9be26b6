"""Every lint rule, once: the checkers name these objects, waivers are checked against them, and
docs/validation.md's rule list is generated from them (`markdown`, golden-checked by the tests).
"""

from __future__ import annotations

from . import contract, links, manifests, panels, queries, report, rules, schema, sourcefmt
from .rule import FAMILIES, Rule

PROMQL_SYNTAX = Rule(
    "promql-syntax",
    "promql",
    "every target and variable query parses with `promql-parser` once Grafana's macros and "
    "variables are replaced by placeholders; the message quotes the parser",
)

ALL: tuple[Rule, ...] = (
    *schema.RULES,
    PROMQL_SYNTAX,
    *contract.RULES,
    *rules.RULES,
    *queries.RULES,
    *panels.RULES,
    *links.RULES,
    *sourcefmt.RULES,
    *manifests.RULES,
    report.WAIVER,
)
NAMES = tuple(rule.name for rule in ALL)

DOCS_BEGIN = "<!-- lint rules: generated from leaky_dashboards/lint (invoke readme) -->"
DOCS_END = "<!-- end of lint rules -->"


def markdown() -> str:
    """The rule list of docs/validation.md: one table per family, each rule with what it checks."""
    lines: list[str] = []
    for family, (title, modules) in FAMILIES.items():
        chosen = [rule for rule in ALL if rule.family == family]
        where = ", ".join(f"`{m}`" for m in modules.split(", "))
        lines += ["", f"**{title}** ({where}):", "", "| rule | checks |", "|---|---|"]
        for rule in chosen:
            cell = rule.description.replace("|", "\\|")  # a table cell's pipes are escaped
            lines.append(f"| `{rule.name}` | {cell} |")
    return "\n".join(lines[1:]) + "\n"
