"""`invoke drift`: dashboards as Grafana gives them back (JSON model, HTTP API, export), compared
with their golden copies by uid, with where in the Jsonnet sources each change belongs."""
