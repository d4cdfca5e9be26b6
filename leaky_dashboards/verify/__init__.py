"""`invoke verify`: prove every panel shows data on a real Prometheus.

synthetic metrics from the catalog (catalog, shapes, synthetic, openmetrics) → promtool backfill,
cached (backfill) → a real `prometheus` process (server) → every variable resolved and every
panel target evaluated as Grafana would (grafana, promapi, variables, evaluate) → a report (report).
`run` wires them together.
"""
