"""Sizes the project accepts and shows: lint limits on text a person reads, the cut reports
apply to any long string so one huge value cannot swell a report (docs/validation.md), and what
one Jsonnet evaluation may use (docs/design.md: Outputs; docs/sandbox.md)."""

from __future__ import annotations

# Lint errors above these (characters): a dashboard or panel title, a dashboard or panel
# description. Grafana shows a title on one line and a description in a tooltip.
TITLE_MAX = 120
DESCRIPTION_MAX = 2000
# Reports (the golden diff of `invoke build`, `invoke diff`) show a value or a query up to this
# long whole; a longer one with the unchanged text away from each change elided (never cut before
# the change: `comparison.values.around_change`).
REPORT_VALUE_MAX = 500
REPORT_QUERY_MAX = 4000

# Jsonnet: no source or imported file is larger (bytes; the largest library file is ~17 KB);
# the engines' call depth (both engines' default, named so it is one documented value); and what
# one evaluation may take before it is stopped (exit 2): resident memory of the whole process
# (MB) and wall time (s), raised with $LEAKY_JSONNET_MAX_MB and $LEAKY_JSONNET_MAX_SECONDS.
SOURCE_MAX_BYTES = 4 * 1024 * 1024
MAX_STACK = 500
EVALUATION_MAX_MB = 4096
EVALUATION_MAX_SECONDS = 300


def cut(text: str, limit: int) -> str:
    """`text`, or its first `limit` characters and how many more there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"
