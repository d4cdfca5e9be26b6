// The library's front door: `local lt = import 'leaky.libsonnet';`
{
  config: import 'config.libsonnet',
  metrics: import 'metrics.libsonnet',
  queries: import 'queries.libsonnet',
  // What the platform measures (PromQL), read by panels and alerts.
  measures: import 'measures.libsonnet',
  panels: import 'panels.libsonnet',
  patterns: import 'patterns.libsonnet',
  layout: import 'layout.libsonnet',
  variables: import 'variables.libsonnet',
  annotations: import 'annotations.libsonnet',
  dashboard: import 'dashboard.libsonnet',
  // Every panel by key; the same panels by domain below.
  platform: import 'platform.libsonnet',
  traffic: import 'traffic.libsonnet',
  tokens: import 'tokens.libsonnet',
  gateway: import 'gateway.libsonnet',
  system: import 'system.libsonnet',
  slo: import 'slo.libsonnet',
  // Recording rules (the series the overview and the HTTP alerts read), then the alert rules.
  rules: import 'rules.libsonnet',
  health: import 'health.libsonnet',
  // Drill-down links (links) and what explains each key number (drilldown).
  links: import 'links.libsonnet',
  drilldown: import 'drilldown.libsonnet',
  alerts: import 'alerts.libsonnet',
  lint: import 'lint.libsonnet',
}
