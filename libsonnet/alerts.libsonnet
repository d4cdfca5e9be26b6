// Prometheus alerting rules in monitoring-mixin style (`prometheusAlerts`): from
// config.thresholds, the table that colours the panels, one warning and one critical alert per
// row; then the target-down alerts, which need no level. Each alert reads its measure from
// measures.libsonnet, the PromQL its panel reads, over the alerts' fixed window and grouped by
// what it points at; and names its panel by dashboard and key. Then the gateway's SLO
// burn-rate alerts. Every alert is built by `alertRule`, so what one carries all carry. The
// recording rules (rules.libsonnet) come first in the same document: the HTTP alerts read them.
local config = import 'config.libsonnet';
local dashboard = import 'dashboard.libsonnet';
local m = import 'measures.libsonnet';
local platform = import 'platform.libsonnet';
local q = import 'queries.libsonnet';
local recording = import 'rules.libsonnet';

local th = config.thresholds;
// Alerts look at a fixed window of at least four scrapes; dashboards follow the zoom instead.
local window = config.alerting.window;
// The HTTP alerts read the recorded series, recorded over the same window.
assert window == m.recorded.window : 'alerts: config.alerting.window must be config.recording.window';

// A level as people read it, in the row's unit.
local show(row, value) =
  if row.unit == 'percentunit' then '%g%%' % (value * 100)
  else if row.unit == 's' then (if value < 1 then '%dms' % (value * 1000) else '%gs' % value)
  else '%g %s' % [value, row.unit];

// The guard of the HTTP alerts: a service is judged only while it serves at least
// config.alerting.minUserRequestRate user requests per second, so an idle service (scrapes and
// health checks, a couple of errors) never pages.
local busy(expr) =
  q.when(expr, ['application'], m.http.recordedRequests.rate(['application']) + ' >= ' + config.alerting.minUserRequestRate);
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
    expr: busy(m.http.recordedErrorRatio([], ['application'])),
    where: on.service,
    value: '{{ $value | humanizePercentage }}',
    what: 'Share of user HTTP requests (/actuator left out) answered with a server error (outcome SERVER_ERROR)' + busyText,
    panel: panel('overview', 'errorRate'),
  },
  latencyP95: {
    expr: busy(m.http.recordedLatency(0.95, [], ['application'])),
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

// Every alert, whatever it watches: its name, severity, expression, hold and what it says.
local alertRule(name, severity, expr, holdFor, summary, description, link, labels={}) = {
  alert: name,
  expr: expr,
  'for': holdFor,
  labels: { severity: severity } + labels,
  annotations: {
    summary: summary,
    description: description,
    dashboard_url: link,
  },
};

local rule(key, severity, link) =
  local row = th[key];
  local it = measures[key];
  alertRule(
    name=alertName(key),
    severity=severity,
    expr='(%s) > %g' % [it.expr, row[severity]],
    holdFor=holdFor[severity],
    summary='%s above %s%s' % [row.name, show(row, row[severity]), it.where],
    description='%s%s: above the %s level (%s) for %s, now %s.'
                % [it.what, it.where, severity, show(row, row[severity]), holdFor[severity], it.value],
    link=link,
  );

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

local downRule(key, link) = alertRule(
  name=down[key].alert,
  severity=down[key].severity,
  expr=down[key].expr,
  holdFor=config.alerting.targetDownFor,
  summary=down[key].summary,
  description=down[key].description,
  link=link,
);

// The gateway's SLOs (config.slo): one alert per objective and severity, firing when the error
// budget burns too fast over both windows of one of its pairs (the SRE workbook's multiwindow,
// multi-burn-rate alerts). An alert's value is the long-window bad share of the pair that fired.
local slo = config.slo;
local sloKeys = m.slo.keys;
local severities = std.sort(std.objectFields(slo.burnRates), function(s) slo.burnRates[s].order);
local sloAlertName(sli) = 'LeakyTokensGateway%s%sBudgetBurn' % [std.asciiUpper(sli[0]), sli[1:]];
local sloPanel = panel('overview', 'sloBurnRate');
local percent(share) = show({ unit: 'percentunit' }, share);
local pairText(sli, pair) =
  '%gx over %s and %s (bad share above %s)' % [pair.factor, pair.long, pair.short, percent(pair.factor * m.slo.budget(sli))];
local sloRule(sli, severity, link) =
  local objective = slo.objectives[sli];
  local burn = slo.burnRates[severity];
  local over(pair, window) = m.slo.bad(sli, window) + ' > ' + ('%g' % (pair.factor * m.slo.budget(sli)));
  alertRule(
    name=sloAlertName(sli),
    severity=severity,
    expr=std.join('\nor\n', [
      '(\n  ' + over(pair, pair.long) + '\nand\n  ' + over(pair, pair.short) + '\n)'
      for pair in burn.pairs
    ]),
    holdFor=burn['for'],
    summary='Gateway %s error budget burning fast on {{ $labels.application }}' % std.asciiLower(objective.name),
    description="Users' requests to the gateway %s: objective %s over %s. The error budget burns at "
                % [objective.good, percent(objective.objective), slo.window]
                + std.join(' or ', [pairText(sli, pair) for pair in burn.pairs])
                + ' for %s; bad share over the long window that fired: {{ $value | humanizePercentage }}.' % burn['for'],
    link=link,
    labels={ slo: sli },
  );


{
  // The panel each alert links to, by dashboard and panel key; the build looks up the panel's id
  // in the compiled dashboard, so a removed panel fails the build instead of leaving a dead link.
  panels: {
    [key]: measures[key].panel { uid: dashboard.uid(measures[key].panel.dashboard) }
    for key in std.objectFields(measures)
  } + {
    [key]: downPanel { uid: dashboard.uid(downPanel.dashboard) }
    for key in std.objectFields(down)
  } + {
    slo: sloPanel { uid: dashboard.uid(sloPanel.dashboard) },
  },

  // links: alert key (a threshold row, a target-down alert, or `slo` for the burn-rate alerts)
  // → '/d/<uid>?viewPanel=<id>'.
  prometheusAlerts(links):: {
    groups: recording.groups + [{
      name: 'leaky-tokens',
      rules: [
        rule(key, severity, links[key])
        for key in std.objectFields(th)
        for severity in ['warning', 'critical']
      ] + [
        downRule(key, links[key])
        for key in ['instanceDown', 'serviceDown']
      ] + [
        sloRule(sli, severity, links.slo)
        for sli in sloKeys
        for severity in severities
      ],
    }],
  },
}
