"""Leaky Tokens dashboards as code: Jsonnet sources rendered to golden-checked Grafana JSON."""
