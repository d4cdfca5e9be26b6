"""Invoke tasks: each wires a command line to one function of the leaky_dashboards package."""

from __future__ import annotations

from leaky_dashboards.signals import exit_on_stop

exit_on_stop()  # first of all: a command stopped at any moment from here exits 130

import shlex  # noqa: E402

from invoke.context import Context  # noqa: E402
from invoke.exceptions import Exit  # noqa: E402
from invoke.tasks import task  # noqa: E402

from leaky_dashboards import cli  # noqa: E402


def _exit(code: int) -> None:
    if code:
        raise Exit(code=code)


@task(
    help={
        "engine": "Jsonnet engine: go (default) or cpp; or set LEAKY_JSONNET_ENGINE",
        "env": "also render environment NAME (environments/NAME.yaml), or all, into build/env/",
    }
)
def build(c: Context, engine: str | None = None, env: str | None = None) -> None:
    """Compile, validate and golden-check the dashboards; write provisioning/ and
    build/kubernetes/ (and, with --env, build/env/NAME/)."""
    _exit(cli.build(engine, env=env))


@task(name="golden-update", help={"engine": "Jsonnet engine: go (default) or cpp"})
def golden_update(c: Context, engine: str | None = None) -> None:
    """Accept the current rendering as the reviewed golden copy, printing what changed."""
    _exit(cli.build(engine, update=True))


@task(
    help={
        "args": "extra pytest arguments, e.g. '-k golden -x'",
        "quick": "the loop while editing (under a minute): ruff, lint and the golden check, and "
        "the tests that start no Prometheus, browser or cluster tool",
    }
)
def test(c: Context, args: str = "", quick: bool = False) -> None:
    """ruff, mypy --strict and the whole test suite; --quick: ruff, build, the fast tests."""
    _exit(cli.test(args, quick=quick))


@task
def clean(c: Context) -> None:
    """Remove generated output and caches; golden/ is left alone."""
    _exit(cli.clean())


@task(
    help={
        "repeat": "runs per measurement (default 5)",
        "queries": "instead: each dashboard's Prometheus query time per 24 h load, on verify's "
        "busy day with the recording rules backfilled (Markdown table)",
        "users": "with --queries: the busy day's active users (default: verify's 1,000); with "
        "--growth: only this many users (default: 10, 1,000 and 10,000)",
        "growth": "instead: how build, evaluation, query time and memory grow with dashboards "
        "(1 to 1,000) and users (10 to 10,000), as Markdown tables",
        "preview": "instead: `invoke preview` with data, every dashboard and one changed one "
        "(Markdown table)",
    }
)
def bench(
    c: Context,
    repeat: int = 5,
    queries: bool = False,
    users: int = 0,
    growth: bool = False,
    preview: bool = False,
) -> None:
    """Time the build, evaluation per dashboard and engine, and 100 generated dashboards; or,
    with --queries, each dashboard's query time per 24 h load; with --growth, how both grow;
    with --preview, the preview with data."""
    _exit(cli.bench(repeat, queries=queries, users=users or None, growth=growth, preview=preview))


@task(
    help={
        "base": "git ref whose committed shipped files to compare with (default: golden/ "
        "against a fresh rendering)",
        "head": "with --base: the git ref to review (default: the working tree)",
        "no-fail": "exit 0 even when something changed",
        "output": "write the Markdown report to this file (and FILE-2.md... past GitHub's limit)",
        "engine": "Jsonnet engine: go (default) or cpp",
    }
)
def diff(
    c: Context,
    base: str | None = None,
    head: str | None = None,
    no_fail: bool = False,
    output: str | None = None,
    engine: str | None = None,
) -> None:
    """Markdown change report for a pull request: shipped files at two commits, or golden/."""
    _exit(cli.diff(base, head=head, fail=not no_fail, output=output, engine=engine))


@task(help={"engine": "Jsonnet engine: go (default) or cpp"})
def lint(c: Context, engine: str | None = None) -> None:
    """Validate: Grafana schema, PromQL, metrics contract, dashboard rules, jsonnetfmt."""
    _exit(cli.lint(engine))


@task
def readme(c: Context) -> None:
    """Rewrite the generated sections of README.md and docs/ (the lint rules) from the code."""
    _exit(cli.readme())


@task
def fmt(c: Context) -> None:
    """Rewrite every .jsonnet/.libsonnet with the pinned jsonnetfmt."""
    _exit(cli.fmt())


@task(
    help={
        "base": "git ref to draw side by side with the working tree (default: golden/)",
        "output": "output directory (default build/preview/)",
        "engine": "Jsonnet engine: go (default) or cpp",
        "all": "draw every dashboard, not only the changed ones",
    }
)
def preview(
    c: Context,
    base: str | None = None,
    output: str | None = None,
    engine: str | None = None,
    all: bool = False,
) -> None:
    """An HTML page and a PNG (headless Chromium) of each changed dashboard, changes marked."""
    _exit(cli.preview(base, output=output, engine=engine, all_dashboards=all))


@task(
    help={
        "engine": "Jsonnet engine: go (default) or cpp",
        "seed": "seed of the synthetic series (same seed, same data)",
        "scenario": "full (default: a busy day), quiet (no failure series yet), incidents "
        "(known answers: a full heap, a failing provider, a replica down...), idle or all",
    }
)
def verify(
    c: Context, engine: str | None = None, seed: int | None = None, scenario: str = "full"
) -> None:
    """Evaluate every panel and alert on a real Prometheus over synthetic Micrometer-shaped series,
    and check the known answers of the incident scenarios."""
    _exit(cli.verify(engine, seed=seed, scenario=scenario))


@task(
    help={
        "output": "where to write the Markdown (default build/docs/dashboards.md)",
        "engine": "Jsonnet engine: go (default) or cpp",
    }
)
def docs(c: Context, output: str | None = None, engine: str | None = None) -> None:
    """Generate the dashboards' documentation; the reviewed copy is golden/docs/dashboards.md."""
    _exit(cli.docs(output, engine=engine))


@task(
    iterable=["file"],
    help={
        "file": "a dashboard file as Grafana gives it (JSON model, HTTP API response or export), "
        "or a directory of them; repeat it for more (or list them after `--`)",
        "grafana": "instead: fetch the Leaky Tokens folder's dashboards from this Grafana "
        "(token in $LEAKY_GRAFANA_TOKEN)",
        "output": "write the Markdown report to this file instead of printing it",
        "engine": "Jsonnet engine: go (default) or cpp",
    },
)
def drift(
    c: Context,
    file: list[str] | None = None,
    grafana: str | None = None,
    output: str | None = None,
    engine: str | None = None,
) -> None:
    """What Grafana's UI changed in the dashboards against golden/, and where to change the code."""
    files = [*(file or []), *shlex.split(c.remainder)] if c.remainder else list(file or [])
    _exit(cli.drift(files, grafana=grafana, output=output, engine=engine))


@task(
    help={
        "key": "the panel's key: its field name in its domain's file (errorRate, heapUsageGauges)",
        "engine": "Jsonnet engine: go (default) or cpp",
    }
)
def explain(c: Context, key: str, engine: str | None = None) -> None:
    """One panel whole: its rendered queries, the catalog, measure and domain lines each part
    comes from, and the config.libsonnet line of its colour levels."""
    _exit(cli.explain(key, engine=engine))
