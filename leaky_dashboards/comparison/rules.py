"""What changed in a Prometheus rules file, rule by rule: alerts by name and severity, recording
rules by name; for each, its expression, `for`, labels and annotations before and after."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import Json
from .compare import TextChange
from .values import is_long_text, raw_changes, show


# A rule's fields a reviewer reads, in Prometheus' order; the expression is shown apart.
@dataclass(frozen=True)
class Rule:
    """One alerting or recording rule, with the group it is in."""

    name: str
    kind: str  # "alert" or "record"
    severity: str | None
    group: str
    model: Json

    @property
    def label(self) -> str:
        """`LeakyTokensHeapUsageHigh (warning)`, or a recording rule's name."""
        return f"{self.name} ({self.severity})" if self.severity else self.name

    @property
    def expr(self) -> str:
        return str(self.model.get("expr", ""))


@dataclass
class RuleChange:
    """A rule added (old None), removed (new None) or changed."""

    old: Rule | None
    new: Rule | None
    fields: list[tuple[str, str, str]] = field(default_factory=list)
    texts: list[TextChange] = field(default_factory=list)

    @property
    def rule(self) -> Rule:
        found = self.new or self.old
        assert found is not None
        return found

    @property
    def status(self) -> str:
        return "added" if self.old is None else "removed" if self.new is None else "changed"

    @property
    def expr_changed(self) -> bool:
        return self.old is not None and self.new is not None and self.old.expr != self.new.expr


def is_rules(document: Any) -> bool:
    """A Prometheus rules document: `groups`, each with `rules` of alerts or recordings."""
    if not isinstance(document, dict) or not isinstance(document.get("groups"), list):
        return False
    groups = document["groups"]
    return all(isinstance(g, dict) and isinstance(g.get("rules", []), list) for g in groups)


def rules_of(document: Any) -> dict[str, Rule]:
    """Every rule by its identity: `kind name severity`, numbered when repeated."""
    found: dict[str, Rule] = {}
    for group in document.get("groups") or []:
        for model in group.get("rules") or []:
            if not isinstance(model, dict):
                continue
            kind = "alert" if "alert" in model else "record"
            labels = model.get("labels") if isinstance(model.get("labels"), dict) else {}
            severity = labels.get("severity") if labels else None
            rule = Rule(
                str(model.get(kind, "?")),
                kind,
                None if severity is None else str(severity),
                str(group.get("name", "")),
                model,
            )
            identity, n = f"{kind} {rule.label}", 1
            while identity in found:
                n += 1
                identity = f"{kind} {rule.label} #{n}"
            found[identity] = rule
    return found


def compare_rules(old_document: Any, new_document: Any) -> list[RuleChange]:
    """Rules removed, added and changed, in the new file's order (removed ones first)."""
    before, after = rules_of(old_document), rules_of(new_document)
    changes = [RuleChange(rule, None) for key, rule in before.items() if key not in after]
    for key, rule in after.items():
        old = before.get(key)
        if old is None:
            changes.append(RuleChange(None, rule))
        elif old.model != rule.model or old.group != rule.group:
            changes.append(compare_rule(old, rule))
    return changes


def compare_rule(old: Rule, new: Rule) -> RuleChange:
    change = RuleChange(old, new)
    if old.group != new.group:
        change.fields.append(("group", show(old.group), show(new.group)))
    for path, a, b in raw_changes(_rest(old.model), _rest(new.model)):
        if is_long_text(a, b):
            change.texts.append(TextChange(path, a, b))
        else:
            change.fields.append((path, show(a), show(b)))
    return change


def _rest(model: Json) -> Json:
    return {k: v for k, v in model.items() if k not in ("alert", "record", "expr")}
