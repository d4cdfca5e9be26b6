"""Which code makes the report: the base's, always.

A pull request may change the comparer, the report or the renderer (every module of the
package, `sources.REVIEWING_CODE`), and a changed comparer could make any change read
"unchanged". So `invoke diff --base REF` makes its report with the code committed at REF:

- when the running code is REF's (CI runs the base's checkout: README, "Reviewing a change"),
  in this process, and the report says whether the change modifies the reviewing code;
- else, when REF's code has this module (`python -m leaky_dashboards.review.reviewer`, the
  protocol below), by running REF's code, extracted, in a child process, and its report is the
  report;
- else (a base older than this protocol), with the running code, under a loud warning.

Protocol (kept stable, a later base's code is run by an earlier head's and the reverse):
`python -m leaky_dashboards.review.reviewer --root ROOT --base COMMIT [--head COMMIT]
[--engine E] [--name REPORT.md] --output FILE` writes FILE as JSON `{"pages": [...],
"changed": bool}`; `--name` is the report file's name, which names its further parts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from ..errors import BuildError
from . import sources

PROTOCOL_FILE = "leaky_dashboards/review/reviewer.py"


def code_on_disk(root: Path) -> dict[str, str]:
    """The reviewing code under `root` as it is on disk: path → blob id."""
    return sources.code_at(root)


def running_code() -> dict[str, str]:
    """The reviewing code this process runs: the package it imported, and the tasks and pins
    beside it."""
    return code_on_disk(Path(__file__).resolve().parents[2])


def changed_files(old: dict[str, str], new: dict[str, str]) -> list[str]:
    return sorted(p for p in set(old) | set(new) if old.get(p) != new.get(p))


def run_base(
    base_tree: Path,
    root: Path,
    base: str,
    head: str | None,
    engine: str,
    scratch: Path,
    name: str | None = None,
) -> tuple[list[str], bool]:
    """The report as the base's code (extracted at `base_tree`) makes it."""
    output = scratch / "base-report.json"
    command = [
        sys.executable,
        "-m",
        "leaky_dashboards.review.reviewer",
        "--root",
        str(root),
        "--base",
        base,
        "--engine",
        engine,
        "--output",
        str(output),
    ]
    if head is not None:
        command += ["--head", head]
    if name is not None:
        command += ["--name", name]
    env = dict(os.environ, PYTHONPATH=str(base_tree), PYTHONSAFEPATH="1")
    try:
        done = subprocess.run(
            command, cwd=base_tree, env=env, capture_output=True, timeout=600, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildError(f"the base's reviewing code did not run: {exc}") from None
    if done.returncode != 0 or not output.is_file():
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BuildError(
            f"the base's reviewing code ({base[:12]}) failed: "
            + (message[-1] if message else f"exit {done.returncode}")
        )
    result = json.loads(output.read_text(encoding="utf-8"))
    return [str(p) for p in result["pages"]], bool(result["changed"])


def main(argv: list[str] | None = None) -> int:
    from ..project import Project
    from ..settings import Installation, Paths
    from . import diffing

    parser = argparse.ArgumentParser(prog="python -m leaky_dashboards.review.reviewer")
    parser.add_argument("--root", required=True)
    parser.add_argument("--base", required=True)
    parser.add_argument("--head")
    parser.add_argument("--engine", default="go")
    parser.add_argument("--output", required=True)
    parser.add_argument("--name")
    args = parser.parse_args(argv)
    project = Project(Paths.under(Path(args.root)), Installation(), args.engine)
    try:
        pages, changed = diffing.diff_pages(
            project,
            base=args.base,
            head=args.head,
            as_base=True,
            output_name=Path(args.name) if args.name else None,
        )
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    Path(args.output).write_text(json.dumps({"pages": pages, "changed": changed}), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
