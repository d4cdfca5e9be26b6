// The one configuration object: installation values, selectors and every threshold.
// Installation values arrive as Jsonnet external variables (the build passes them with defaults).
{
  datasource: {
    uid: std.extVar('datasourceUid'),
    name: std.extVar('datasourceName'),
  },
  scrapeInterval: std.extVar('scrapeInterval'),

  dashboard: {
    uidPrefix: 'leaky-tokens-',
    tags: ['leaky-tokens'],
    refresh: '10s',
    timezone: 'browser',
    schemaVersion: 41,
    time: { from: 'now-6h', to: 'now' },
  },

  // Every dashboard by short name; links and uids are derived from this list. Jsonnet sorts
  // object fields, so `order` keeps the spec's order (links, docs).
  dashboards: {
    overview: { order: 1, title: '🚀 Executive Overview', tags: ['overview', 'executive'] },
    business: { order: 2, title: '💼 Business Metrics', tags: ['business', 'tokens'] },
    gateway: { order: 3, title: '🛡️ Gateway & Security', tags: ['gateway', 'security'] },
    system: { order: 4, title: '⚙️ System Health', tags: ['system', 'jvm'] },
  },

  // Label matchers shared by queries; `$service` etc. are the template variables.
  selectors: {
    service: 'application=~"$service"',
    // `up` is made by Prometheus and has no `application`: its service name is `job`.
    serviceJob: 'job=~"$service"',
    provider: 'provider=~"$provider"',
    authOutcome: 'outcome=~"$auth_outcome"',
    gateway: 'application="api-gateway"',
    // Users' HTTP traffic: Prometheus scrapes /actuator/prometheus every 15 s and health checks hit
    // /actuator/health on every service; on a quiet service that is most of its traffic. Request
    // rates, error ratios, latencies and top endpoints meant for users leave it out.
    userTraffic: 'uri!~"/actuator.*"',
  },

  // Windows: short ones follow Grafana's rate interval, "over a period" ones the time_range variable.
  windows: {
    rate: '$__rate_interval',
    period: '$time_range',
    periodChoices: ['1h', '6h', '24h', '7d'],
    periodDefault: '24h',
    hourly: '1h',
  },

  // The spec's "Recommended Alerting Thresholds", in the units the panels and rules use.
  // This table is the single source of panel colours and of the generated alert rules.
  thresholds: {
    errorRate: { order: 1, name: 'Error Rate', warning: 0.01, critical: 0.05, unit: 'percentunit' },
    latencyP95: { order: 2, name: 'P95 Latency', warning: 0.5, critical: 1, unit: 's' },
    heapUsage: { order: 3, name: 'Heap Usage', warning: 0.70, critical: 0.85, unit: 'percentunit' },
    authFailures: { order: 4, name: 'Auth Failures', warning: 10, critical: 50, unit: 'per minute' },
    rateLimitBlocks: { order: 5, name: 'Rate Limit Blocks', warning: 20, critical: 100, unit: 'per minute' },
    providerFailures: { order: 6, name: 'Provider Failures', warning: 5, critical: 20, unit: 'per 5 minutes', window: '5m' },
  },

  // Alerting beyond the spec's levels (alerts.libsonnet).
  alerting: {
    // The window alerts look at: a fixed one of at least four scrapes (dashboards follow the zoom).
    window: '5m',
    // The error-rate and p95 latency alerts judge a service only while it serves at least this
    // many user requests per second (actuator left out) over their window: 0.5/s is 150 requests
    // in 5 minutes. Below it a ratio is noise (two HTTP 500 among a handful of calls read as a
    // high error rate), and an idle service with only scrapes and health checks never pages.
    minUserRequestRate: 0.5,
    // How long Prometheus must fail to scrape a target before the target-down alerts fire.
    targetDownFor: '2m',
    // Installation values: Grafana's address (every dashboard_url starts with it, no trailing
    // slash) and where the generated docs are read (every runbook_url, its section's anchor added).
    grafanaUrl: std.extVar('grafanaUrl'),
    docsUrl: std.extVar('docsUrl'),
  },
}
