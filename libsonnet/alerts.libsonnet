// Prometheus alerting rules from config.thresholds, the table that colours the panels: one
// warning and one critical alert per row, in monitoring-mixin style (`prometheusAlerts`).
// Queries follow the metrics contract as the panels do: decided token outcomes only, heap pools
// with a limit only, and a failure counter that has never fired counts as no failures.
local config = import 'config.libsonnet';
local q = import 'queries.libsonnet';

local th = config.thresholds;
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

// What each alert measures: the expression, its labels, how to print its value, the panel.
local measures = {
  errorRate: {
    expr: q.ratio(
      q.sumRate(http + '_count', [q.eq('outcome', 'SERVER_ERROR')], ['application'], window),
      q.sumRate(http + '_count', [], ['application'], window),
    ),
    perService: true,
    value: '{{ $value | humanizePercentage }}',
    what: 'Share of HTTP requests answered with a server error (outcome SERVER_ERROR)',
    panel: { dashboard: 'overview', title: '❌ Error rate' },
  },
  latencyP95: {
    expr: 'histogram_quantile(0.95, %s)' % q.sumRate(http + '_bucket', [], ['le', 'application'], window),
    perService: true,
    value: '{{ $value | humanizeDuration }}',
    what: '95th percentile of HTTP response time, from the request histogram',
    panel: { dashboard: 'overview', title: '⏱️ Latency p95' },
  },
  heapUsage: {
    expr: q.heapUsage([], ['application']),
    perService: true,
    value: '{{ $value | humanizePercentage }}',
    what: 'Heap in use as a share of the heap limit (pools reporting max = -1 left out)',
    panel: { dashboard: 'system', title: 'Heap usage gauges' },
  },
  authFailures: {
    expr: q.perMinute('(%s)' % std.join(' + ', [
      q.orZero(q.sumRate(counter, [failed], [], window))
      for counter in authCounters
    ])),
    perService: false,
    value: '{{ $value | humanize }} per minute',
    what: 'Failed logins, registrations, API key creations and validations per minute',
    panel: { dashboard: 'gateway', title: 'Auth failures by reason (per minute)' },
  },
  rateLimitBlocks: {
    expr: q.perMinute(q.sumRate('gateway_rate_limit_total', [q.eq('outcome', 'blocked')], [], window)),
    perService: false,
    value: '{{ $value | humanize }} per minute',
    what: 'Requests the API gateway blocked by rate limiting, per minute',
    panel: { dashboard: 'gateway', title: '🚦 Rate limit blocks per minute' },
  },
  providerFailures: {
    expr: q.sumIncrease('token_consume_total', [q.eq('outcome', 'provider_failure')], [], th.providerFailures.window),
    perService: false,
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
  local where = if m.perService then ' on {{ $labels.application }}' else '';
  {
    alert: alertName(key),
    expr: '(%s) > %g' % [m.expr, row[severity]],
    'for': holdFor[severity],
    labels: { severity: severity },
    annotations: {
      summary: '%s above %s%s' % [row.name, show(row, row[severity]), where],
      description: '%s%s: above the %s level (%s) for %s, now %s.'
                   % [m.what, where, severity, show(row, row[severity]), holdFor[severity], m.value],
      dashboard_url: link,
    },
  };

{
  // The panel each alert links to, by dashboard and title; the build looks up the panel's id in
  // the compiled dashboard, so a renamed or removed panel fails the build instead of drifting.
  panels: {
    [key]: measures[key].panel { uid: uid(measures[key].panel.dashboard) }
    for key in std.objectFields(measures)
  },

  // links: threshold key → '/d/<uid>?viewPanel=<id>'.
  prometheusAlerts(links):: {
    groups: [{
      name: 'leaky-tokens',
      rules: [
        rule(key, severity, links[key])
        for key in std.objectFields(th)
        for severity in ['warning', 'critical']
      ],
    }],
  },
}
