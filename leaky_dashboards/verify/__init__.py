"""`invoke verify`: prove every panel shows data on a real Prometheus.

synthetic metrics from the catalog (catalog, shapes, synthetic, openmetrics; on the quiet platform
without the series Micrometer has not created yet: quiet) → promtool backfill, cached (backfill) →
a real `prometheus` process (server) → every variable resolved and every panel target evaluated as
Grafana would (grafana, promapi, variables, evaluate) → a report (report). `scenarios` names the
platforms (full, quiet) and what each requires of a panel; `run` wires them together.
"""
