"""Which code makes the report: the base's, always.

A pull request may change the comparer, the report or the renderer (every module of the
package, `sources.REVIEWING_CODE`), and a changed comparer could make any change read
"unchanged". So `invoke diff --base REF` makes its report with the code committed at REF:

- when the running code is REF's (CI runs the base's checkout: docs/review.md),
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
import sys
from pathlib import Path

from ..errors import BuildError
from .basecode import PROTOCOL_FILE, changed_files, code_on_disk, run_base, running_code

__all__ = ["PROTOCOL_FILE", "changed_files", "code_on_disk", "main", "run_base", "running_code"]


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
