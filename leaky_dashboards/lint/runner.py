"""One lint run over compiled dashboards and their sources: every rule family, one report."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path

from ..errors import BuildError
from ..grafana import parse_duration, variable_query, variable_query_text
from ..model import Json, strip_library_fields, visible_panels
from ..project import Project
from ..promql import Query, parse
from ..render import Dashboard, source_files
from ..sandbox import check_sources
from ..settings import Paths
from . import links, panels, queries, rules, ruleset, schema, schema_cache, sourcefmt
from .ci import in_ci
from .context import Context
from .contract import Checker
from .report import (
    ERROR,
    WARNING,
    Finding,
    LintError,
    Report,
    Waiver,
    Where,
    panel_where,
    read_waivers,
)
from .ruleset import PROMQL_SYNTAX
from .schema import SCHEMA_DIR
from .sourcefmt import JSONNETFMT, JSONNETFMT_VERSION


def _schema_cache(directory: Path) -> schema_cache.Cache:
    """The schema pass's cache for `directory`: a file there that cannot be read (a directory
    named *.json, no permission) is an error naming it."""
    try:
        return schema_cache.Cache(directory)
    except OSError as exc:
        raise schema.SchemaDirError(
            f"{exc.filename or directory}: unreadable Grafana schema file: {exc.strerror}"
            f"{schema.WHERE_HINT}"
        ) from None


def lint(
    project: Project,
    dashboards: Sequence[Dashboard] | None = None,
    *,
    ci: bool | None = None,
    check_sources: bool = True,
) -> Report:
    """Run every check over `dashboards` (default: the project's) and the project's sources;
    the report holds findings (waived ones apart), notes and timing. The rate-window minimum is
    the project's installation's scrape interval."""
    started = time.perf_counter()
    paths = project.paths
    dashboards = project.dashboards if dashboards is None else dashboards
    ci = in_ci() if ci is None else ci
    report = Report(dashboards=len(dashboards))
    findings: list[Finding] = []
    schemas = _schema_cache(paths.schemas) if schema.present(paths.schemas) else None
    models = False
    if schemas is None:
        from . import sdk  # grafana-foundation-sdk's models: only without the schema directory

        models = sdk.available()
        missing = f"Grafana schema directory {paths.schemas} is absent (set LEAKY_SCHEMA_DIR)"
        instead = (
            f"checked against {sdk.DISTRIBUTION} {sdk.version()}'s models instead"
            if models
            else "schema checks skipped"
        )
        if ci:
            findings.append(Finding(Where(str(paths.schemas)), SCHEMA_DIR.name, missing))
        else:
            report.notes.append(f"{missing}; {instead}")
    # The installation's catalog: an environment's scope labels (`cluster`) are on its series.
    checker = Checker(project.library.queried_catalog())
    scoped = project.library.scope_labels()
    scrape = _duration(project.installation.scrape_interval)
    waivers: list[Waiver] = []
    for dashboard in dashboards:
        found, panel_waivers, problems = _dashboard(
            dashboard, schemas, models, checker, scrape, scoped
        )
        findings += found + problems
        waivers += panel_waivers
    findings += _links(project, dashboards)
    if schemas is not None:
        schemas.save()
    if check_sources:
        findings += _sources(paths, ci)
    report.apply(findings, waivers)
    report.seconds = time.perf_counter() - started
    return report


def check(
    project: Project,
    dashboards: Sequence[Dashboard] | None = None,
    *,
    echo: Callable[[str], None] = print,
) -> Report:
    """Lint, print every finding and the per-rule summary; any error raises LintError (exit 2)."""
    report = lint(project, dashboards)
    for line in report.lines():
        echo(line)
    if report.errors:
        raise LintError(f"lint found {len(report.errors)} error(s); nothing was written")
    return report


def run(project: Project, *, echo: Callable[[str], None] = print) -> Report:
    """`invoke lint`: compile every dashboard and check it and the sources."""
    return check(project, echo=echo)


def fmt(paths: Paths, *, echo: Callable[[str], None] = print) -> list[Path]:
    """`invoke fmt`: rewrite the Jsonnet sources with the pinned jsonnetfmt."""
    source_files(paths)  # no dashboards/ (or an empty one) is an error here too
    files = sourcefmt.sources(paths.dashboards, paths.libsonnet)
    check_sources(files, paths.show)
    try:
        changed = sourcefmt.rewrite(files)
    except (OSError, RuntimeError) as exc:
        raise BuildError(f"fmt: {exc}") from None
    for file in changed:
        echo(f"formatted {paths.show(file)}")
    echo(f"fmt: {len(files)} files, {len(changed)} rewritten")
    return changed


def _dashboard(
    dashboard: Dashboard,
    schemas: schema_cache.Cache | None,
    models: bool,
    checker: Checker,
    scrape: timedelta,
    scoped: frozenset[str] = frozenset(),
) -> tuple[list[Finding], list[Waiver], list[Finding]]:
    """Every finding of one dashboard: Grafana's JSON schema when the directory is there, else
    (`models`) grafana-foundation-sdk's models; then queries, variables and the rules."""
    name = dashboard.name
    waivers, problems = read_waivers(name, dashboard.model, ruleset.NAMES)
    model = strip_library_fields(dashboard.model)
    found: list[Finding] = []

    def where(panel: Json | None, ref: str | None) -> Where:
        return (panel_where(name, panel) if panel is not None else Where(name)).at(
            f"refId {ref}" if ref is not None else None
        )

    grafana = schemas.check(model) if schemas is not None else None
    if grafana is None and models:
        from . import sdk

        grafana = sdk.check(model)
    for panel, ref, found_rule, message in grafana or ():
        found.append(Finding(where(panel, ref), found_rule, message))
    targets = list(_targets(model))
    for panel, ref, query in targets:
        for problem_rule, message in _query_problems(query, checker, series_query=True):
            found.append(Finding(where(panel, ref), problem_rule, message))
    for variable in model.get("templating", {}).get("list", []):
        found += _variable(name, variable, checker)
    context = Context(name, model, targets, scrape, checker.catalog, scoped)
    for rule in (*rules.RULES, *queries.RULES, *panels.RULES):
        assert rule.check is not None  # every dashboard rule has its check
        for panel, ref, message in rule.check(context):
            found.append(Finding(where(panel, ref), rule.name, message))
    return found, waivers, problems


def _links(project: Project, dashboards: Sequence[Dashboard]) -> list[Finding]:
    """Links across dashboards, and the alerts' links to dashboards and runbooks."""
    from .. import alerts  # the alert rules import lint's contract checker

    models = [strip_library_fields(d.model) for d in dashboards]
    known = links.targets(models)
    found: list[Finding] = []
    for dashboard, model in zip(dashboards, models, strict=True):
        found += links.dashboard_findings(dashboard.name, model, known)
    if not dashboards:
        return found
    library = project.reviewed.library
    try:
        document = alerts.rules(dashboards, library)
        anchors = {str(book.get("anchor")) for book in alerts.runbooks(dashboards, library)}
    except BuildError:
        return found  # the build names what is wrong with the alert rules themselves
    return found + links.alert_findings(document, known, anchors)


def _targets(model: Json) -> Iterator[tuple[Json, str, Query]]:
    for panel in visible_panels(model):
        for target in panel.get("targets", []):
            yield panel, str(target.get("refId", "?")), parse(str(target.get("expr") or ""))


def _query_problems(query: Query, checker: Checker, *, series_query: bool) -> list[tuple[str, str]]:
    if not query.text.strip():
        return [(PROMQL_SYNTAX.name, "empty expression")]
    if query.error is not None:
        return [(PROMQL_SYNTAX.name, f"{query.error} in: {query.text}")]
    return checker.check(query, series_query=series_query)


def _variable(name: str, variable: Json, checker: Checker) -> list[Finding]:
    if variable.get("type") != "query":
        return []
    where = Where(name, f"variable {variable.get('name')}")
    asked = variable_query(variable_query_text(variable))
    if asked.expr is None:
        return []
    query = parse(asked.expr)
    problems = _query_problems(query, checker, series_query=False)
    if not problems and asked.label is not None:
        problems = checker.check_label(query, asked.label)
    return [Finding(where, rule, message) for rule, message in problems]


def _sources(paths: Paths, ci: bool) -> list[Finding]:
    files = sourcefmt.sources(paths.dashboards, paths.libsonnet)
    contents = check_sources(files, paths.show)
    result = sourcefmt.check(files, contents)
    findings: list[Finding] = []
    if result.missing:
        severity = ERROR if ci else WARNING
        findings.append(
            Finding(Where(sourcefmt.JSONNETFMT_COMMAND), JSONNETFMT.name, result.missing, severity)
        )
    if result.version_note:
        findings.append(
            Finding(
                Where(sourcefmt.JSONNETFMT_COMMAND),
                JSONNETFMT_VERSION.name,
                result.version_note,
                WARNING,
            )
        )
    for file in result.unformatted:
        findings.append(
            Finding(Where(paths.show(file)), JSONNETFMT.name, "not formatted; run `invoke fmt`")
        )
    for file, message in result.failed:
        findings.append(Finding(Where(paths.show(file)), JSONNETFMT.name, message))
    return findings


def _duration(text: str) -> timedelta:
    return timedelta(seconds=parse_duration(text))
