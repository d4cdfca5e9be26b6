// The one configuration object: installation values, selectors and every threshold.
// Installation values arrive as Jsonnet external variables (the build passes them with defaults).

// The range a dashboard opens with: the time picker's default AND the `time_range` variable's,
// so a window total ("over the selected window") and the graphs beside it cover the same hours
// when a dashboard opens. One value, read by both (tests hold them equal).
local defaultRange = '6h';
// Mixin-style overrides of an environment (environments/NAME.yaml, `overrides`): threshold levels
// merged into `thresholds` (`{heapUsage: {warning: 0.8}}`) and the environment's own `selectors`
// (`{cluster: 'prod'}`, see `scope`); `{}` for the default installation.
local overrides = std.parseJson(std.extVar('overrides'));
// label → value: the series of this environment among every one its Prometheus holds.
local fixed = std.get(overrides, 'selectors', {});

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
    time: { from: 'now-' + defaultRange, to: 'now' },
  },

  // Every dashboard by short name; links and uids are derived from this list. Jsonnet sorts
  // object fields, so `order` keeps the spec's order (links, docs).
  dashboards: {
    overview: { order: 1, title: '🚀 Executive Overview', tags: ['overview', 'executive'] },
    business: { order: 2, title: '💼 Business Metrics', tags: ['business', 'tokens'] },
    gateway: { order: 3, title: '🛡️ Gateway & Security', tags: ['gateway', 'security'] },
    system: { order: 4, title: '⚙️ System Health', tags: ['system', 'jvm'] },
  },

  // Event markers every dashboard draws on its graphs (annotations.libsonnet), each one a toggle
  // at the top of the dashboard: `enable` is whether it is on when the dashboard opens.
  annotations: {
    // A process start (restart or deploy) of the dashboard's selected services and instances.
    restarts: { order: 1, name: '🔄 Restarts', enable: true, iconColor: 'orange' },
    // Prometheus alerts while they fire, one region per alert and label set.
    firingAlerts: { order: 2, name: '🚨 Firing alerts', enable: true, iconColor: 'red' },
  },

  // Whose series this installation reads, kubernetes-mixin's `clusterLabel` made general: an
  // environment's `overrides.selectors` (label → value, such as `cluster: prod`) where one
  // Prometheus (Thanos, Mimir) holds several clusters' series. `matchers` come first in every
  // selector a dashboard, recording rule or alert builds (queries.libsonnet `selector`), and
  // every rule's aggregation keeps `labels` (`keep`), so recorded series and alerts still carry
  // them and a query reading a recorded series filters it as it filters a raw one. Empty by
  // default: the default installation's queries are the reviewed ones.
  scope: {
    values: fixed,
    labels: std.objectFields(fixed),
    matchers: [label + '="' + fixed[label] + '"' for label in self.labels],
    // The scope labels as the metrics catalog lists a series' labels (label → its values).
    catalogLabels: { [label]: [fixed[label]] for label in self.labels },
    // `labels` and then every scope label `labels` lacks: a rule's `by (...)`.
    keep(labels):: labels + [label for label in self.labels if !std.member(labels, label)],
  },

  // Label matchers shared by queries; `$service` etc. are the template variables.
  selectors: {
    service: 'application=~"$service"',
    // The JVM instances of the system dashboard (chained to `service`).
    instance: 'instance=~"$instance"',
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

  // Windows: short ones follow Grafana's rate interval, "over a period" ones the time_range variable,
  // whose default is the time picker's (`defaultRange`).
  windows: {
    rate: '$__rate_interval',
    period: '$time_range',
    periodChoices: ['1h', '6h', '24h', '7d'],
    periodDefault: defaultRange,
    hourly: '1h',
  },

  // The spec's "Recommended Alerting Thresholds", in the units the panels and rules use.
  // This table is the single source of panel colours and of the generated alert rules.
  thresholds: std.mergePatch({
    errorRate: { order: 1, name: 'Error Rate', warning: 0.01, critical: 0.05, unit: 'percentunit' },
    latencyP95: { order: 2, name: 'P95 Latency', warning: 0.5, critical: 1, unit: 's' },
    heapUsage: { order: 3, name: 'Heap Usage', warning: 0.70, critical: 0.85, unit: 'percentunit' },
    authFailures: { order: 4, name: 'Auth Failures', warning: 10, critical: 50, unit: 'per minute' },
    rateLimitBlocks: { order: 5, name: 'Rate Limit Blocks', warning: 20, critical: 100, unit: 'per minute' },
    providerFailures: { order: 6, name: 'Provider Failures', warning: 5, critical: 20, window: '5m', unit: 'per ' + self.window },
  }, std.get(overrides, 'thresholds', {})),

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

  // Recording rules (rules.libsonnet): users' HTTP traffic per application over one fixed window,
  // recorded every evaluation. The overview and the HTTP alerts read them instead of every bucket
  // of every route; a panel reading them shows that window, whatever the zoom.
  recording: {
    window: '5m',
    // How often the rules are evaluated: a 5-minute rate sampled every minute loses nothing, and
    // its series holds a quarter of the samples a 15 s evaluation would (what a 24 h panel reads).
    interval: '1m',
    // Token consumption without `userId` (one series per instance, provider and outcome, where
    // the raw counter has one per user): a counter the panels rate over any window, so it is
    // recorded at the scrape interval.
    tokensInterval: '15s',
    // Each user's allowed consumptions per hour, recorded hourly: what `Active users` and `Top
    // users` read (one sample an hour per user and provider, never every user's every scrape).
    users: { window: '1h', interval: '1h' },
  },

  // Service level objectives of the gateway edge: users' requests to api-gateway (/actuator left
  // out). `objective` is the share of good requests over `window`; the error budget is the rest.
  // A healthy gateway fails about 0.1 % of requests and answers about 1.2 % slower than 500 ms
  // (measured on verify's busy day): the objectives leave it burning half its budget, so a
  // normal day never pages or opens a ticket, while an outage failing one request in six pages
  // within minutes.
  slo: {
    application: 'api-gateway',
    selector: 'application="' + self.application + '"',
    window: '30d',
    objectives: {
      availability: {
        order: 1,
        name: 'Availability',
        objective: 0.998,
        good: 'answered without a server error (not 5xx)',
      },
      latency: {
        order: 2,
        name: 'Latency',
        objective: 0.98,
        // The contract's SLO bucket: `le="0.5"` exists on every service.
        le: '0.5',
        good: 'answered within 500 ms',
      },
    },
    // Multiwindow, multi-burn-rate alerts (the SRE workbook, "Alerting on SLOs"): an alert of
    // `severity` fires when, for one of its pairs, the error budget burns `factor` times faster
    // than the objective allows over both the long and the short window.
    burnRates: {
      critical: {
        order: 1,
        'for': '2m',
        pairs: [{ factor: 14.4, long: '1h', short: '5m' }, { factor: 6, long: '6h', short: '30m' }],
      },
      warning: {
        order: 2,
        'for': '15m',
        pairs: [{ factor: 3, long: '1d', short: '2h' }, { factor: 1, long: '3d', short: '6h' }],
      },
    },
  },
}
