"""PromQL as Grafana writes it: replace macros and variables by placeholders, then parse.

Grafana expands `$__rate_interval`, `${datasource}`, `$service` ... before Prometheus sees the
query, so a real parser only accepts the text once each is replaced by something of the right
kind: a duration inside `[...]` or after `offset`, a marker inside a quoted string, a number
elsewhere. The placeholders are remembered so the rules can tell a variable window from a literal.
Which text is a variable is `grafana`'s knowledge; this module holds the PromQL side: parsing and
walking the syntax tree (lint, docs, the alert rules' lint).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from .grafana import VARIABLE, reference_name

# Inside a quoted label value the variable becomes this marker (valid in strings and regexes).
MARKER = "__grafana_var__"
# Windows are replaced by distinct, unlikely durations; 7d plus n seconds maps back to the name.
_BASE = 7 * 24 * 3600 + 1

Node = Any  # a promql_parser expression node (the package ships no type hints)


@dataclass
class Query:
    """One PromQL text from a dashboard, parsed; `error` holds the parser's message instead."""

    text: str
    ast: Node | None = None
    error: str | None = None
    windows: dict[timedelta, str] = field(default_factory=dict)

    def window(self, duration: timedelta) -> str | None:
        """The variable a placeholder window stands for, or None for a literal window."""
        return self.windows.get(duration)


def substitute(text: str) -> tuple[str, dict[timedelta, str]]:
    """Replace Grafana variables by placeholders a PromQL parser accepts."""
    windows: dict[str, timedelta] = {}
    out: list[str] = []
    quote: str | None = None
    bracket = False
    i = 0
    while i < len(text):
        ch = text[i]
        match = VARIABLE.match(text, i) if ch in "$[" else None
        if match and not (ch == "[" and match["old"] is None):
            name = reference_name(match)
            if quote:
                out.append(MARKER)
            elif bracket or re.search(r"\boffset\s*$", "".join(out[-12:])):
                seconds = windows.setdefault(name, timedelta(seconds=_BASE + len(windows)))
                out.append(f"{int(seconds.total_seconds())}s")
            else:
                out.append("1")
            i = match.end()
            continue
        if quote:
            if ch == "\\" and i + 1 < len(text):
                out.append(text[i : i + 2])
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'`":
            quote = ch
        elif ch == "[":
            bracket = True
        elif ch == "]":
            bracket = False
        out.append(ch)
        i += 1
    return "".join(out), {d: n for n, d in windows.items()}


@lru_cache(maxsize=8192)
def parse(text: str) -> Query:
    """`text` parsed (lint, docs and the alert rules' lint read the same queries: each is parsed
    once per process; a `Query` is never changed after parsing)."""
    import promql_parser  # lazy: the parser is only needed once a query is checked

    prepared, windows = substitute(text)
    query = Query(text, windows=windows)
    try:
        query.ast = promql_parser.parse(prepared)
    except ValueError as exc:
        query.error = str(exc) or "unparseable expression"
    return query


# ---- walking the AST ----


def kind(node: Node) -> str:
    return type(node).__name__


def children(node: Node) -> list[Node]:
    k = kind(node)
    if k == "BinaryExpr":
        return [node.lhs, node.rhs]
    if k in ("AggregateExpr",):
        return [node.expr] + ([node.param] if node.param is not None else [])
    if k == "Call":
        return list(node.args)
    if k in ("ParenExpr", "UnaryExpr", "SubqueryExpr"):
        return [node.expr]
    if k == "MatrixSelector":
        return [node.vector_selector]
    return []


def walk(node: Node, visit: Callable[[Node, tuple[Node, ...]], None]) -> None:
    """Depth first; `visit(node, ancestors)` gets the chain of enclosing nodes, outermost first."""

    def go(n: Node, ancestors: tuple[Node, ...]) -> None:
        visit(n, ancestors)
        for child in children(n):
            go(child, (*ancestors, n))

    go(node, ())


def selectors(node: Node) -> Iterator[Node]:
    """Every vector selector below `node`."""
    found: list[Node] = []
    walk(node, lambda n, _: found.append(n) if kind(n) == "VectorSelector" else None)
    yield from found


def metric_name(selector: Node) -> str | None:
    if selector.name:
        return str(selector.name)
    for matcher in selector.matchers.matchers:
        if matcher.name == "__name__" and str(matcher.op) == "MatchOp.Equal":
            return str(matcher.value)
    return None


def op_name(op: Any) -> str:
    """`MatchOp.Equal` → `=` and so on."""
    return {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}.get(
        str(op).rsplit(".", 1)[-1], str(op)
    )


def function(node: Node) -> str | None:
    return str(node.func.name) if kind(node) == "Call" else None
