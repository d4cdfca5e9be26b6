"""Invoke tasks: each wires a command line to one function of the leaky_dashboards package."""

from __future__ import annotations

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from leaky_dashboards import cli


def _exit(code: int) -> None:
    if code:
        raise Exit(code=code)


@task(help={"engine": "Jsonnet engine: go (default) or cpp; or set LEAKY_JSONNET_ENGINE"})
def build(c: Context, engine: str | None = None) -> None:
    """Compile, validate and golden-check the dashboards; write provisioning/."""
    _exit(cli.build(engine))


@task(name="golden-update", help={"engine": "Jsonnet engine: go (default) or cpp"})
def golden_update(c: Context, engine: str | None = None) -> None:
    """Accept the current rendering as the reviewed golden copy, printing what changed."""
    _exit(cli.build(engine, update=True))


@task(help={"args": "extra pytest arguments, e.g. '-k golden -x'"})
def test(c: Context, args: str = "") -> None:
    """Run the test suite."""
    _exit(cli.test(args))


@task
def clean(c: Context) -> None:
    """Remove generated output and caches; golden/ is left alone."""
    _exit(cli.clean())


@task(help={"repeat": "runs per measurement (default 5)"})
def bench(c: Context, repeat: int = 5) -> None:
    """Time the build, evaluation per dashboard and engine, and 100 generated dashboards."""
    _exit(cli.bench(repeat))
