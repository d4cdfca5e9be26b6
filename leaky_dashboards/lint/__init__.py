"""Validation run by `invoke lint` and by every build: Grafana's schema, PromQL, the metrics
contract, the dashboard rules and the source format. See `runner.lint`."""

from .report import LintError, Report
from .runner import check, fmt, lint, run

__all__ = ["LintError", "Report", "check", "fmt", "lint", "run"]
