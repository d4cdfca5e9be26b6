// Prometheus alerting rules in monitoring-mixin style (`prometheusAlerts`): from
// config.thresholds, the table that colours the panels, one warning and one critical alert per
// row; then the target-down alerts, which need no level. Queries follow the metrics contract as
// the panels do: decided token outcomes only, heap over every heap pool per instance, users'
// HTTP traffic only (no /actuator), and a failure counter that has never fired counts as none.
local config = import 'config.libsonnet';
local q = import 'queries.libsonnet';

local th = config.thresholds;
local sel = config.selectors;
local http = 'http_server_requests_seconds';
// Alerts look at a fixed window of at least four scrapes; dashboards follow the zoom instead.
local window = '5m';
local failed = q.eq('outcome', 'failure');
local authCounters = ['auth_login_total', 'auth_register_total', 'auth_api_key_create_total', 'auth_api_key_validate_total'];
local uid(name) = config.dashboard.uidPrefix + name;

// A level as people read it, in the row's unit.
local show(row, value) =
  if row.unit == 'percentunit' then '%g%%' % (value * 100)
  else if row.unit == 's' then (if value < 1 then '%dms' % (value * 1000) else '%gs' % value)
  else '%g %s' % [value, row.unit];

// Users' HTTP requests per service, and the guard of the HTTP alerts: a service is judged only
// while it serves at least config.alerting.minUserRequestRate of them per second, so an idle
// service (scrapes and health checks, a couple of errors) never pages.
local users = [sel.userTraffic];
local userRequests = q.sumRate(http + '_count', users, ['application'], window);
local busy(expr) =
  q.when(expr, ['application'], userRequests + ' >= ' + config.alerting.minUserRequestRate);
local busyText = ', judged only while the service serves at least %g user requests per second' % config.alerting.minUserRequestRate;

// Where an alert's labels point, as its summary and description say it.
local on = {
  service: ' on {{ $labels.application }}',
  instance: ' on {{ $labels.application }} instance {{ $labels.instance }}',
  provider: ' for provider {{ $labels.provider }}',
  platform: '',
};

// What each alert measures: the expression, where it points, how to print its value, the panel.
local measures = {
  errorRate: {
    expr: busy(q.errorRatio(
      q.sumRate(http + '_count', users + [q.eq('outcome', 'SERVER_ERROR')], ['application'], window),
      userRequests,
    )),
    where: on.service,
    value: '{{ $value | humanizePercentage }}',
    what: 'Share of user HTTP requests (/actuator left out) answered with a server error (outcome SERVER_ERROR)' + busyText,
    panel: { dashboard: 'overview', title: '❌ Error rate' },
  },
  latencyP95: {
    expr: busy(q.quantile(0.95, http, users, ['application'], window)),
    where: on.service,
    value: '{{ $value | humanizeDuration }}',
    what: '95th percentile of user HTTP response time (/actuator left out), from the request histogram' + busyText,
    panel: { dashboard: 'overview', title: '⏱️ Latency p95' },
  },
  heapUsage: {
    expr: q.heapUsage(),
    where: on.instance,
    value: '{{ $value | humanizePercentage }}',
    what: 'Heap in use (every heap pool) as a share of the heap limit (pools reporting max = -1 left out of the limit)',
    panel: { dashboard: 'system', title: 'Heap usage gauges' },
  },
  authFailures: {
    expr: q.perMinute('(%s)' % std.join(' + ', [
      q.orZero(q.sumRate(counter, [failed], [], window), authCounters)
      for counter in authCounters
    ])),
    where: on.platform,
    value: '{{ $value | humanize }} per minute',
    what: 'Failed logins, registrations, API key creations and validations per minute',
    panel: { dashboard: 'gateway', title: 'Auth failures by reason (per minute)' },
  },
  rateLimitBlocks: {
    expr: q.perMinute(q.sumRate('gateway_rate_limit_total', [q.eq('outcome', 'blocked')], [], window)),
    where: on.platform,
    value: '{{ $value | humanize }} per minute',
    what: 'Requests the API gateway blocked by rate limiting, per minute',
    panel: { dashboard: 'gateway', title: '🚦 Rate limit blocks per minute' },
  },
  providerFailures: {
    expr: q.sumIncrease('token_consume_total', [q.eq('outcome', 'provider_failure')], ['provider'], th.providerFailures.window),
    where: on.provider,
    value: '{{ $value | humanize }} in 5 minutes',
    what: 'Token consumptions that failed at the AI provider (outcome provider_failure)',
    panel: { dashboard: 'business', title: '❌ Provider failures (last 5m)' },
  },
};

// How long a level must hold before the alert fires.
local holdFor = { warning: '10m', critical: '5m' };

local alertName(key) = 'LeakyTokens%s%sHigh' % [std.asciiUpper(key[0]), key[1:]];

local rule(key, severity, link) =
  local row = th[key];
  local m = measures[key];
  {
    alert: alertName(key),
    expr: '(%s) > %g' % [m.expr, row[severity]],
    'for': holdFor[severity],
    labels: { severity: severity },
    annotations: {
      summary: '%s above %s%s' % [row.name, show(row, row[severity]), m.where],
      description: '%s%s: above the %s level (%s) for %s, now %s.'
                   % [m.what, m.where, severity, show(row, row[severity]), holdFor[severity], m.value],
      dashboard_url: link,
    },
  };

// Targets Prometheus cannot scrape (`up` has only job and instance). One instance down while its
// siblings run is a warning; every instance of a job down is critical (the service is gone).
local down = {
  instanceDown: {
    alert: 'LeakyTokensInstanceDown',
    severity: 'warning',
    expr: q.selector('up') + ' == 0',
    summary: 'Instance {{ $labels.instance }} of {{ $labels.job }} is down',
    description: 'Prometheus has failed to scrape {{ $labels.instance }} ({{ $labels.job }}) for %s; '
                 % config.alerting.targetDownFor
                 + 'its other instances, if any, still serve.',
  },
  serviceDown: {
    alert: 'LeakyTokensServiceDown',
    severity: 'critical',
    expr: q.max(q.selector('up'), ['job']) + ' == 0',
    summary: 'Every instance of {{ $labels.job }} is down',
    description: 'Prometheus has failed to scrape every instance of {{ $labels.job }} for %s: '
                 % config.alerting.targetDownFor
                 + 'the service is unavailable.',
  },
};
local downPanel = { dashboard: 'system', title: 'Service status overview' };

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
  // The panel each alert links to, by dashboard and title; the build looks up the panel's id in
  // the compiled dashboard, so a renamed or removed panel fails the build instead of drifting.
  panels: {
    [key]: measures[key].panel { uid: uid(measures[key].panel.dashboard) }
    for key in std.objectFields(measures)
  } + {
    [key]: downPanel { uid: uid(downPanel.dashboard) }
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
