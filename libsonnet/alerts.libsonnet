// Prometheus alerting rules in monitoring-mixin style (`prometheusAlerts`): from
// config.thresholds, the table that colours the panels, one warning and one critical alert per
// row; then the target-down alerts, which need no level. Each alert reads its measure from
// measures.libsonnet, the PromQL its panel reads, over the alerts' fixed window and grouped by
// what it points at; and names its panel by dashboard and key.
local config = import 'config.libsonnet';
local dashboard = import 'dashboard.libsonnet';
local m = import 'measures.libsonnet';
local platform = import 'platform.libsonnet';
local q = import 'queries.libsonnet';

local th = config.thresholds;
// Alerts look at a fixed window of at least four scrapes; dashboards follow the zoom instead.
local window = config.alerting.window;

// A level as people read it, in the row's unit.
local show(row, value) =
  if row.unit == 'percentunit' then '%g%%' % (value * 100)
  else if row.unit == 's' then (if value < 1 then '%dms' % (value * 1000) else '%gs' % value)
  else '%g %s' % [value, row.unit];

// The guard of the HTTP alerts: a service is judged only while it serves at least
// config.alerting.minUserRequestRate user requests per second, so an idle service (scrapes and
// health checks, a couple of errors) never pages.
local busy(expr) =
  q.when(expr, ['application'], m.http.requests.rate(['application'], window) + ' >= ' + config.alerting.minUserRequestRate);
local busyText = ', judged only while the service serves at least %g user requests per second' % config.alerting.minUserRequestRate;

// Where an alert's labels point, as its summary and description say it.
local on = {
  service: ' on {{ $labels.application }}',
  instance: ' on {{ $labels.application }} instance {{ $labels.instance }}',
  provider: ' for provider {{ $labels.provider }}',
  platform: '',
};

// The panel an alert links to: a dashboard of config.dashboards and a panel key of the platform.
local panel(name, key) =
  assert std.objectHas(config.dashboards, name) : 'alerts: no dashboard ' + name;
  assert std.objectHas(platform, key) : 'alerts: no platform panel with key ' + key;
  { dashboard: name, key: key };

// What each alert measures: the expression, where it points, how to print its value, the panel.
local measures = {
  errorRate: {
    expr: busy(m.http.errorRatio([], ['application'], window)),
    where: on.service,
    value: '{{ $value | humanizePercentage }}',
    what: 'Share of user HTTP requests (/actuator left out) answered with a server error (outcome SERVER_ERROR)' + busyText,
    panel: panel('overview', 'errorRate'),
  },
  latencyP95: {
    expr: busy(m.http.latency(0.95, [], ['application'], window)),
    where: on.service,
    value: '{{ $value | humanizeDuration }}',
    what: '95th percentile of user HTTP response time (/actuator left out), from the request histogram' + busyText,
    panel: panel('overview', 'latencyP95'),
  },
  heapUsage: {
    expr: m.jvm.heapUsage(),
    where: on.instance,
    value: '{{ $value | humanizePercentage }}',
    what: 'Heap in use (every heap pool) as a share of the heap limit (pools reporting max = -1 left out of the limit)',
    panel: panel('system', 'heapUsageGauges'),
  },
  authFailures: {
    expr: m.auth.failuresPerMinute(window),
    where: on.platform,
    value: '{{ $value | humanize }} per minute',
    what: 'Failed logins, registrations, API key creations and validations per minute',
    panel: panel('gateway', 'authFailuresByReason'),
  },
  rateLimitBlocks: {
    expr: m.gateway.rateLimitBlocks.perMinute([], window),
    where: on.platform,
    value: '{{ $value | humanize }} per minute',
    what: 'Requests the API gateway blocked by rate limiting, per minute',
    panel: panel('gateway', 'rateLimitBlocks'),
  },
  providerFailures: {
    expr: m.tokens.providerFailuresRecent([], ['provider']),
    where: on.provider,
    value: '{{ $value | humanize }} in 5 minutes',
    what: 'Token consumptions that failed at the AI provider (outcome provider_failure)',
    panel: panel('business', 'providerFailures'),
  },
};

// How long a level must hold before the alert fires.
local holdFor = { warning: '10m', critical: '5m' };

local alertName(key) = 'LeakyTokens%s%sHigh' % [std.asciiUpper(key[0]), key[1:]];

local rule(key, severity, link) =
  local row = th[key];
  local it = measures[key];
  {
    alert: alertName(key),
    expr: '(%s) > %g' % [it.expr, row[severity]],
    'for': holdFor[severity],
    labels: { severity: severity },
    annotations: {
      summary: '%s above %s%s' % [row.name, show(row, row[severity]), it.where],
      description: '%s%s: above the %s level (%s) for %s, now %s.'
                   % [it.what, it.where, severity, show(row, row[severity]), holdFor[severity], it.value],
      dashboard_url: link,
    },
  };

// Targets Prometheus cannot scrape (`up` has only job and instance). One instance down while its
// siblings run is a warning; every instance of a job down is critical (the service is gone).
local down = {
  instanceDown: {
    alert: 'LeakyTokensInstanceDown',
    severity: 'warning',
    expr: m.targets.instanceDown,
    summary: 'Instance {{ $labels.instance }} of {{ $labels.job }} is down',
    description: 'Prometheus has failed to scrape {{ $labels.instance }} ({{ $labels.job }}) for %s; '
                 % config.alerting.targetDownFor
                 + 'its other instances, if any, still serve.',
  },
  serviceDown: {
    alert: 'LeakyTokensServiceDown',
    severity: 'critical',
    expr: m.targets.serviceDown,
    summary: 'Every instance of {{ $labels.job }} is down',
    description: 'Prometheus has failed to scrape every instance of {{ $labels.job }} for %s: '
                 % config.alerting.targetDownFor
                 + 'the service is unavailable.',
  },
};
local downPanel = panel('system', 'serviceStatus');

local downRule(key, link) = {
  alert: down[key].alert,
  expr: down[key].expr,
  'for': config.alerting.targetDownFor,
  labels: { severity: down[key].severity },
  annotations: {
    summary: down[key].summary,
    description: down[key].description,
    dashboard_url: link,
  },
};

{
  // The panel each alert links to, by dashboard and panel key; the build looks up the panel's id
  // in the compiled dashboard, so a removed panel fails the build instead of leaving a dead link.
  panels: {
    [key]: measures[key].panel { uid: dashboard.uid(measures[key].panel.dashboard) }
    for key in std.objectFields(measures)
  } + {
    [key]: downPanel { uid: dashboard.uid(downPanel.dashboard) }
    for key in std.objectFields(down)
  },

  // links: alert key (a threshold row, or a target-down alert) → '/d/<uid>?viewPanel=<id>'.
  prometheusAlerts(links):: {
    groups: [{
      name: 'leaky-tokens',
      rules: [
        rule(key, severity, links[key])
        for key in std.objectFields(th)
        for severity in ['warning', 'critical']
      ] + [
        downRule(key, links[key])
        for key in ['instanceDown', 'serviceDown']
      ],
    }],
  },
}
