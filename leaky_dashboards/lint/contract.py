"""The metrics contract: queries may only use metrics, labels and label values the catalog lists.

The catalog is `series` of `libsonnet/metrics.libsonnet` (name → type, labels → known values or
null). The checker walks a parsed query and follows which labels each sub-expression carries, so
a `by (...)` or `on (...)` label is checked against the metrics it groups, and a label made by
`label_replace` is known downstream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..catalog import Catalog, Metric
from ..promql import MARKER, Node, Query, children, function, kind, metric_name, op_name
from .rule import Rule

# Functions whose input is meant to be a counter: everywhere else a raw counter is a mistake.
# `group` reads only which series exist (1 per group), never their values: whether a family is
# exported at all.
COUNTER_FUNCTIONS = frozenset(
    {"rate", "irate", "increase", "resets", "absent", "absent_over_time", "group"}
)
# A regex that is only literal alternatives, e.g. `success|failure`.
LITERAL_ALTERNATION = re.compile(r"^[\w\-./: ]+(\|[\w\-./: ]+)*$")
KEEP_LABELS = frozenset({"topk", "bottomk", "limitk", "limit_ratio"})

Problem = tuple[str, str]  # (rule, message)

METRIC_UNKNOWN = Rule("metric-unknown", "contract", "every metric is in the metrics catalog")
LABEL_UNKNOWN = Rule(
    "label-unknown",
    "contract",
    "every matched or grouped label (`by`, `without`, `on`, `ignoring`, `group_left`, a "
    "variable's `label_values`) is on the metric it refers to (`le` only on histogram buckets; "
    "labels made by `label_replace` count)",
)
LABEL_VALUE_UNKNOWN = Rule(
    "label-value-unknown",
    "contract",
    "literal values of `=`, `!=` and literal `a|b` regexes are values the catalog lists",
)
COUNTER_WITHOUT_RATE = Rule(
    "counter-without-rate",
    "contract",
    "a counter appears only inside `rate`/`increase`-style functions (or `group()`, which "
    "reads presence, never values)",
)
QUANTILE_WITHOUT_LE = Rule(
    "quantile-without-le", "contract", "`histogram_quantile`'s input keeps `le`"
)

RULES = (
    METRIC_UNKNOWN,
    LABEL_UNKNOWN,
    LABEL_VALUE_UNKNOWN,
    COUNTER_WITHOUT_RATE,
    QUANTILE_WITHOUT_LE,
)


@dataclass(frozen=True)
class Labels:
    """The label names an expression's result carries; None when unknown (checks then stop)."""

    names: frozenset[str] | None
    metrics: tuple[str, ...] = ()
    scalar: bool = False

    def describe(self) -> str:
        return ", ".join(self.metrics) or "its input"


UNKNOWN = Labels(None)
SCALAR = Labels(frozenset(), scalar=True)


@dataclass
class Checker:
    catalog: Catalog
    problems: list[Problem] = field(default_factory=list)

    def check(self, query: Query, *, series_query: bool = True) -> list[Problem]:
        """Problems of one parsed query; `series_query` false for variable queries (no rate)."""
        self.problems = []
        if query.ast is not None:
            self.labels(query.ast)
            if series_query:
                self._counters(query.ast, ())
        return self.problems

    def check_label(self, query: Query, label: str) -> list[Problem]:
        """A variable's `label_values(metric, label)`: the label must exist on the metric."""
        self.problems = []
        if query.ast is not None:
            self._need(self.labels(query.ast), [label], "label_values")
        return self.problems

    # ---- labels carried by each sub-expression ----

    def labels(self, node: Node) -> Labels:
        k = kind(node)
        if k == "VectorSelector":
            return self._selector(node)
        if k in ("MatrixSelector",):
            return self.labels(node.vector_selector)
        if k in ("ParenExpr", "UnaryExpr", "SubqueryExpr"):
            return self.labels(node.expr)
        if k in ("NumberLiteral", "StringLiteral"):
            return SCALAR
        if k == "AggregateExpr":
            return self._aggregate(node)
        if k == "BinaryExpr":
            return self._binary(node)
        if k == "Call":
            return self._call(node)
        return UNKNOWN

    def _selector(self, node: Node) -> Labels:
        name = metric_name(node)
        series = self.catalog.metrics.get(name) if name else None
        if name is None:
            return UNKNOWN
        if series is None:
            self.problems.append((METRIC_UNKNOWN.name, f"{name} is not in the metrics catalog"))
            return UNKNOWN
        for matcher in node.matchers.matchers:
            self._matcher(name, series, matcher)
        return Labels(frozenset(series.labels), (name,))

    def _matcher(self, metric: str, series: Metric, matcher: Node) -> None:
        label, op, value = str(matcher.name), op_name(matcher.op), str(matcher.value)
        if label == "__name__":
            return
        if label not in series.labels:
            self.problems.append(
                (LABEL_UNKNOWN.name, f"{metric} has no label {label!r}{_known(series)}")
            )
            return
        allowed = series.labels[label]
        if allowed is None or MARKER in value or value == "":
            return
        if op in ("=", "!="):
            values = [value]
        elif LITERAL_ALTERNATION.match(value):
            values = value.split("|")
        else:
            return
        for v in values:
            if v not in allowed:
                self.problems.append(
                    (
                        LABEL_VALUE_UNKNOWN.name,
                        f'{metric}{{{label}{op}"{value}"}}: "{v}" is not a known {label} '
                        f"(known: {', '.join(allowed)})",
                    )
                )

    def _aggregate(self, node: Node) -> Labels:
        inner = self.labels(node.expr)
        if node.param is not None:
            self.labels(node.param)
        op = str(node.op)
        modifier = node.modifier
        grouping = list(modifier.labels) if modifier is not None else []
        self._need(inner, grouping, f"{op} {_modifier_word(modifier)}")
        names = inner.names
        if op in KEEP_LABELS:
            return inner
        if modifier is None:
            result: frozenset[str] | None = frozenset()
        elif str(modifier.type).endswith("Without"):
            result = None if names is None else names - set(grouping)
        else:
            result = frozenset(grouping)
        if op == "count_values" and result is not None and kind(node.param) == "StringLiteral":
            result = result | {str(node.param.val)}
        return Labels(result, inner.metrics)

    def _binary(self, node: Node) -> Labels:
        lhs, rhs = self.labels(node.lhs), self.labels(node.rhs)
        if lhs.scalar and rhs.scalar:
            return SCALAR
        if lhs.scalar:
            return rhs
        if rhs.scalar:
            return lhs
        modifier = node.modifier
        matching = modifier.matching if modifier is not None else None
        op = str(node.op)
        if matching is not None:
            word = "on" if str(matching.type).endswith("Include") else "ignoring"
            self._need(lhs, list(matching.labels), f"{word} (left side)")
            self._need(rhs, list(matching.labels), f"{word} (right side)")
        card = str(modifier.card) if modifier is not None else ""
        group = list(modifier.group_labels or []) if modifier is not None else []
        if card.endswith("ManyToOne"):
            self._need(rhs, group, "group_left")
            return _union(lhs, group)
        if card.endswith("OneToMany"):
            self._need(lhs, group, "group_right")
            return _union(rhs, group)
        if op == "or":
            if lhs.names is None or rhs.names is None:
                return UNKNOWN
            return Labels(lhs.names | rhs.names, lhs.metrics + rhs.metrics)
        if matching is not None and op not in ("and", "unless") and lhs.names is not None:
            on = str(matching.type).endswith("Include")
            kept = lhs.names & set(matching.labels) if on else lhs.names - set(matching.labels)
            return Labels(kept, lhs.metrics)
        return lhs

    def _call(self, node: Node) -> Labels:
        name = function(node)
        args = list(node.args)
        labels = [self.labels(a) for a in args]
        # Functions keep the labels of their vector argument; numbers and strings are parameters.
        vectors = [lab for lab in labels if not lab.scalar]
        if name == "histogram_quantile" and len(args) == 2:
            if labels[1].names is not None and "le" not in labels[1].names:
                self.problems.append(
                    (
                        QUANTILE_WITHOUT_LE.name,
                        "histogram_quantile input must keep `le` "
                        f"(aggregate the buckets by le); it carries "
                        f"{', '.join(sorted(labels[1].names)) or 'no labels'}",
                    )
                )
            return _without(labels[1], "le")
        if (
            name in ("label_replace", "label_join")
            and len(args) >= 3
            and labels[0].names is not None
        ):
            strings = [str(a.val) for a in args[1:] if kind(a) == "StringLiteral"]
            dst, sources = strings[0], strings[2:] if name == "label_join" else strings[2:3]
            self._need(labels[0], sources, name)
            return _union(labels[0], [dst])
        if name in ("vector", "time", "scalar", "pi"):
            return SCALAR if name != "vector" else Labels(frozenset())
        if name in ("absent", "absent_over_time"):
            return UNKNOWN
        return vectors[0] if vectors else SCALAR

    def _need(self, have: Labels, wanted: list[str], context: str) -> None:
        if have.names is None:
            return
        for label in wanted:
            if label not in have.names:
                self.problems.append(
                    (
                        LABEL_UNKNOWN.name,
                        f"{context}: label {label!r} is not on {have.describe()} "
                        f"(labels: {', '.join(sorted(have.names)) or 'none'})",
                    )
                )

    # ---- counters only inside rate-style functions ----

    def _counters(self, node: Node, ancestors: tuple[Node, ...]) -> None:
        if kind(node) == "VectorSelector":
            name = metric_name(node)
            series = self.catalog.metrics.get(name) if name else None
            if series is not None and series.type == "counter":
                enclosing = _enclosing_call(ancestors)
                if enclosing not in COUNTER_FUNCTIONS:
                    where = f"inside {enclosing}()" if enclosing else "on its own"
                    self.problems.append(
                        (
                            COUNTER_WITHOUT_RATE.name,
                            f"{name} is a counter used {where}: wrap it in rate() or increase()",
                        )
                    )
        for child in children(node):
            self._counters(child, (*ancestors, node))


def _enclosing_call(ancestors: tuple[Node, ...]) -> str | None:
    for parent in reversed(ancestors):
        # `or` passes its sides' samples through unchanged: look further out.
        if kind(parent) in ("MatrixSelector", "ParenExpr") or _is_or(parent):
            continue
        return function(parent) or (str(parent.op) if kind(parent) == "AggregateExpr" else None)
    return None


def _is_or(node: Node) -> bool:
    return kind(node) == "BinaryExpr" and str(node.op) == "or"


def _union(labels: Labels, extra: list[str]) -> Labels:
    if labels.names is None:
        return labels
    return Labels(labels.names | set(extra), labels.metrics)


def _without(labels: Labels, name: str) -> Labels:
    if labels.names is None:
        return labels
    return Labels(labels.names - {name}, labels.metrics)


def _modifier_word(modifier: Node) -> str:
    if modifier is None:
        return ""
    return "without" if str(modifier.type).endswith("Without") else "by"


def _known(series: Metric) -> str:
    return f" (labels: {', '.join(sorted(series.labels))})"
