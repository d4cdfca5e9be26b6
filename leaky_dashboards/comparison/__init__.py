"""The one comparer of two renderings (golden files, dashboards panel by panel, alert rules,
thresholds): data only, read by `invoke build`'s change lines (`changes.py`) and by the review
commands' report and preview (`review/`)."""
