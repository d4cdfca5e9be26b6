"""The lint model: a finding and where it is, panel waivers, and the report a run hands back.

A finding reads `dashboard › panel title › refId A › rule: message`; the parts that do not apply
are left out. Waivers live on panels in the Jsonnet source as `lintWaivers: {rule: reason}` (see
`libsonnet/lint.libsonnet`); the field is not Grafana's, so `model.strip_library_fields` removes
it, and the panels' library keys (`panelKey`), before the schema check and before any dashboard
JSON is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..errors import BuildError
from ..limits import TITLE_MAX, cut
from ..model import WAIVER_FIELD, Json, iter_panels
from .rule import Rule

SEP = " › "
ERROR, WARNING = "error", "warning"

WAIVER = Rule(
    "waiver",
    "waiver",
    "a waiver sits on one panel, names a known rule and gives a reason; an unused one is a warning",
)


@dataclass(frozen=True)
class Where:
    """A place in the tree: a dashboard (or source file), optionally a panel and a query."""

    dashboard: str
    panel: str | None = None
    ref: str | None = None
    panel_id: int | None = None

    def at(self, ref: str | None) -> Where:
        return Where(self.dashboard, self.panel, ref, self.panel_id)

    def __str__(self) -> str:
        parts = [self.dashboard]
        if self.panel is not None:
            parts.append(self.panel)
        if self.ref is not None:
            parts.append(self.ref)
        return SEP.join(parts)


@dataclass(frozen=True)
class Finding:
    where: Where
    rule: str
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        return f"{self.severity}: {self.where}{SEP}{self.rule}: {self.message}"


@dataclass(frozen=True)
class Waiver:
    where: Where
    rule: str
    reason: str

    def __str__(self) -> str:
        return f"waived: {self.where}{SEP}{self.rule}: {self.reason}"


class LintError(BuildError):
    """Lint found at least one error: the build stops before the golden diff, writing nothing."""


def panel_where(dashboard: str, panel: Json) -> Where:
    title = panel.get("title") or f"<untitled {panel.get('type', 'panel')} id {panel.get('id')}>"
    panel_id = panel.get("id")
    shown = cut(str(title), TITLE_MAX)  # a finding names a panel in one readable line
    return Where(dashboard, shown, None, panel_id if isinstance(panel_id, int) else None)


def read_waivers(
    name: str, model: Json, rules: Iterable[str]
) -> tuple[list[Waiver], list[Finding]]:
    """The panel waivers of one dashboard, and findings for malformed ones.

    A waiver must name a known rule and give a reason; waivers on the dashboard itself are refused
    because a rule may only be waived for one panel.
    """
    known = set(rules)
    waivers: list[Waiver] = []
    problems: list[Finding] = []
    if WAIVER_FIELD in model:
        problems.append(
            Finding(Where(name), WAIVER.name, "waivers belong on one panel, not on the dashboard")
        )
    for panel in iter_panels(model):
        given = panel.get(WAIVER_FIELD)
        if given is None:
            continue
        where = panel_where(name, panel)
        if not isinstance(given, dict):
            problems.append(Finding(where, WAIVER.name, f"{WAIVER_FIELD} must map rule → reason"))
            continue
        for rule, reason in sorted(given.items()):
            if rule not in known:
                problems.append(Finding(where, WAIVER.name, f"waives unknown rule {rule!r}"))
            elif not isinstance(reason, str) or not reason.strip():
                problems.append(Finding(where, WAIVER.name, f"waiver of {rule} gives no reason"))
            else:
                waivers.append(Waiver(where, rule, reason.strip()))
    return waivers, problems


@dataclass
class Report:
    """Everything one lint run found; `notes` are one-line remarks such as a skipped check."""

    findings: list[Finding] = field(default_factory=list)
    waived: list[tuple[Finding, Waiver]] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dashboards: int = 0
    seconds: float = 0.0

    def apply(self, findings: Iterable[Finding], waivers: list[Waiver]) -> None:
        """Keep each finding unless a waiver of its rule sits on its panel."""
        self.waivers.extend(waivers)
        by_place = {
            (w.where.dashboard, w.where.panel_id, w.where.panel, w.rule): w for w in waivers
        }
        for finding in findings:
            key = (
                finding.where.dashboard,
                finding.where.panel_id,
                finding.where.panel,
                finding.rule,
            )
            waiver = by_place.get(key) if finding.rule != WAIVER.name else None
            if waiver is not None:
                self.waived.append((finding, waiver))
            else:
                self.findings.append(finding)
        used = {id(w) for _, w in self.waived}
        for waiver in waivers:
            if id(waiver) not in used:
                message = f"waiver of {waiver.rule} is unused (nothing to waive): remove it"
                self.findings.append(Finding(waiver.where, WAIVER.name, message, WARNING))

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    def lines(self) -> Iterator[str]:
        """Notes, findings, waivers, then the per-rule summary."""
        yield from (f"note: {n}" for n in self.notes)
        yield from (str(f) for f in sorted(self.findings, key=_order))
        used = {id(w) for _, w in self.waived}
        yield from (str(w) for w in self.waivers if id(w) in used)
        yield from self.summary()

    def summary(self) -> list[str]:
        counts: Counter[tuple[str, str]] = Counter(
            (f.rule, f.severity) for f in self.findings
        ) + Counter((f.rule, "waived") for f, _ in self.waived)
        errors = sum(n for (_, s), n in counts.items() if s == ERROR)
        warnings = sum(n for (_, s), n in counts.items() if s == WARNING)
        waived = sum(n for (_, s), n in counts.items() if s == "waived")
        head = (
            f"lint: {self.dashboards} dashboards; {errors} error(s), {warnings} warning(s), "
            f"{waived} waived; {self.seconds:.2f} s"
        )
        rules = sorted({rule for rule, _ in counts})
        width = max((len(r) for r in rules), default=0)
        rows = []
        for rule in rules:
            parts = [
                f"{counts[rule, kind]} {kind}"
                for kind in (ERROR, WARNING, "waived")
                if counts[rule, kind]
            ]
            rows.append(f"  {rule:<{width}}  {', '.join(parts)}")
        return [head, *rows]


def _order(finding: Finding) -> tuple[str, int, str, str, str]:
    w = finding.where
    return (w.dashboard, w.panel_id or 0, w.panel or "", w.ref or "", finding.rule)
