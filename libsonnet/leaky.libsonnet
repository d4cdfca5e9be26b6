// The library's front door: `local lt = import 'leaky.libsonnet';`
{
  config: import 'config.libsonnet',
  metrics: import 'metrics.libsonnet',
  queries: import 'queries.libsonnet',
  panels: import 'panels.libsonnet',
  layout: import 'layout.libsonnet',
  variables: import 'variables.libsonnet',
  dashboard: import 'dashboard.libsonnet',
  platform: import 'platform.libsonnet',
}
