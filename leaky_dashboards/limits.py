"""Sizes the project accepts and shows: lint limits on text a person reads, and the cut reports
apply to any long string so one huge value cannot swell a report (README: Validation)."""

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


def cut(text: str, limit: int) -> str:
    """`text`, or its first `limit` characters and how many more there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"
