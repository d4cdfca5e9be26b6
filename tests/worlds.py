"""The synthetic worlds the slow tests read, built ahead in a process of their own.

A cold busy day (1,000 users, every bucket of every replica) is minutes of promtool, and verify's
cache builds it when a test first asks. Started as the session begins (tests/conftest.py), this
process builds the worlds the chosen tests need, in the order they will need them, while the
tests that read none run (they run first); a test asking meanwhile waits for the entry being
built (verify's cache lets one process build a key, backfill.building) or builds another one
itself. The blocks are the same either way: made by the same code into the same content-keyed
cache, so a test reads what `invoke verify` would load. If this process fails, the tests build
the worlds themselves and report the error.

    python -m tests.worlds full incidents ...
"""

from __future__ import annotations

import sys
import time

from leaky_dashboards.signals import exit_on_stop

exit_on_stop()  # stopped while starting: exit 130 at once (nothing built yet)

from leaky_dashboards import cli  # noqa: E402
from leaky_dashboards.project import Project  # noqa: E402
from leaky_dashboards.settings import Paths  # noqa: E402
from leaky_dashboards.verify import loaded, scenarios  # noqa: E402


def build(names: list[str]) -> None:
    """Each scenario's raw blocks and its recording rules' blocks, as `invoke verify` loads them
    (review/data.py's preview reads the same cache)."""
    project = Project()
    rules = loaded.compiled_subject(project).rules
    for name in names:
        started = time.perf_counter()
        loaded.prepare(project, scenarios.SCENARIOS[name], rules, cache=loaded.cache_root(Paths()))
        print(f"worlds: {name} ready after {time.perf_counter() - started:.1f} s", flush=True)


def main(argv: list[str]) -> int:
    unknown = [name for name in argv if name not in scenarios.SCENARIOS]
    if unknown:
        print(f"worlds: unknown scenario(s) {', '.join(unknown)}", file=sys.stderr)
        return 2
    return cli.guarded(lambda: build(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
