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
local patterns = import 'patterns.libsonnet';
local platform = import 'platform.libsonnet';
local q = import 'queries.libsonnet';
local recording = import 'rules.libsonnet';

local th = config.thresholds;
// What an alert is grouped by, and the installation's scope labels (config.scope: an alert says
// which cluster it fired in, as the series it read did).
local keep = config.scope.keep;
// Alerts look at a fixed window of at least four scrapes; dashboards follow the zoom instead.
local window = config.alerting.window;
// The HTTP alerts read the recorded series, recorded over the same window.
assert window == m.recorded.window : 'alerts: config.alerting.window must be config.recording.window';

// A level as people read it, in the row's unit.
local show(row, value) =
  if row.unit == 'percentunit' then patterns.percent(value)
  else if row.unit == 's' then (if value < 1 then '%dms' % (value * 1000) else '%gs' % value)
  else '%g %s' % [value, row.unit];

// The guard of the HTTP alerts: a service is judged only while it serves at least
// config.alerting.minUserRequestRate user requests per second, so an idle service (scrapes and
// health checks, a couple of errors) never pages.
local busy(expr) =
  q.when(expr, keep(['application']), m.http.recordedRequests.rate(keep(['application'])) + ' >= ' + config.alerting.minUserRequestRate);
local busyText = ', judged only while the service serves at least %g user requests per second' % config.alerting.minUserRequestRate;

// Where an alert's labels point, as its summary and description say it.
local on = {
  service: ' on {{ $labels.application }}',
  instance: ' on {{ $labels.application }} instance {{ $labels.instance }}',
  provider: ' for provider {{ $labels.provider }}',
  platform: '',
};

// The panel an alert links to: a dashboard (its file name without `leaky-tokens-`; the build
// refuses one dashboards/ does not hold) and a panel key of the platform.
local panel(name, key) =
  assert std.objectHas(platform, key) : 'alerts: no platform panel with key ' + key;
  { dashboard: name, key: key };

// What each alert measures: the expression, where it points, how to print its value, the panel.
local measures = {
  errorRate: {
    expr: busy(m.http.recordedErrorRatio([], keep(['application']))),
    where: on.service,
    value: '{{ $value | humanizePercentage }}',
    what: 'Share of user HTTP requests (/actuator left out) answered with a server error (outcome SERVER_ERROR)' + busyText,
    panel: panel('overview', 'errorRate'),
    service: 'application',
    checks: [
      'Service health (first row of the Executive Overview): is it this service alone, since when, and did it restart or lose an instance (Restarts, Up of Instances)?',
      'Its dependencies: a provider failing (💼 Business Metrics › ❌ Provider failures) reaches the gateway as 502s; a token-service or auth-server instance down (⚙️ System Health › Service status overview) as 5xx.',
      "The service's logs for the exception behind the 5xx, and what was deployed or changed when the rate rose.",
    ],
  },
  latencyP95: {
    expr: busy(m.http.recordedLatencyP95ByApplication()),
    where: on.service,
    value: '{{ $value | humanizeDuration }}',
    what: '95th percentile of user HTTP response time (/actuator left out), from the request histogram' + busyText,
    panel: panel('overview', 'latencyP95'),
    service: 'application',
    checks: [
      'Latency p95 by service (Executive Overview, first row): this service alone or every service behind the gateway, and since when?',
      'Its JVM on ⚙️ System Health (the link keeps the service): heap near its limit and GC time per minute (pauses are latency), threads, CPU and load.',
      'Its database pool (active near max means requests queue for a connection) and a slow provider behind the token service.',
    ],
  },
  heapUsage: {
    expr: m.jvm.heapUsage(labels=keep(['application', 'instance'])),
    where: on.instance,
    value: '{{ $value | humanizePercentage }}',
    what: 'Heap in use (every heap pool) as a share of the heap limit (pools reporting max = -1 left out of the limit)',
    panel: panel('system', 'heapUsageGauges'),
    service: 'application',
    checks: [
      'Service status overview (System Health, same service): this instance alone or its siblings too, and did it restart (a restart frees the heap for a while)?',
      'JVM heap memory by service and Garbage collection activity: does the heap fall back after each GC (load) or climb between them (a leak)? Rising GC time means users wait.',
      'Its traffic (Request rate by service) against its limit (-Xmx): more load than the heap was sized for, or a leak to take a heap dump of before restarting it.',
    ],
  },
  authFailures: {
    expr: m.auth.failuresPerMinute(window, keep([])),
    where: on.platform,
    value: '{{ $value | humanize }} per minute',
    what: 'Failed logins, registrations, API key creations and validations per minute',
    panel: panel('gateway', 'authFailuresByReason'),
    checks: [
      'Auth failures by reason: which flow (login, API key validation...) and which reason (invalid, expired, revoked, missing)?',
      'Many invalid logins or API keys at once is a brute force or a broken client: look for the source in the gateway and auth-server logs, then block it or rate-limit it.',
      'Expired or revoked keys after a key rotation or a release: ask who changed keys or the auth-server; auth-server errors on System Health.',
    ],
  },
  rateLimitBlocks: {
    expr: m.gateway.rateLimitBlocks.perMinute(keep([]), window),
    where: on.platform,
    value: '{{ $value | humanize }} per minute',
    what: 'Requests the API gateway blocked by rate limiting, per minute',
    panel: panel('gateway', 'rateLimitBlocks'),
    checks: [
      'Rate limiting activity: blocked against allowed; a burst from one client or every client growing?',
      'Top users and API key validation results: one API key or user behind the blocks (abuse, a retry loop) or many (the limit is too low for real traffic)?',
      'If users are blocked for real traffic, raise the limit; if one client misbehaves, contact or block it. Check the gateway is healthy on System Health.',
    ],
  },
  providerFailures: {
    expr: m.tokens.providerFailuresRecent([], keep(['provider'])),
    where: on.provider,
    value: '{{ $value | humanize }} in ' + th.providerFailures.window,
    what: 'Token consumptions that failed at the AI provider (outcome provider_failure)',
    panel: panel('business', 'providerFailures'),
    checks: [
      'Provider success rates (Business Metrics): one provider or all? All at once points at the token service or its network, one at the provider.',
      "The provider's status page and its stub service on System Health (openai-stub, qwen-stub, gemini-stub: up, errors).",
      'What users see: the gateway error rate (the gateway answers failed calls with 502) on the Executive Overview; route traffic to another provider if it lasts.',
    ],
  },
};

// How long a level must hold before the alert fires.
local holdFor = { warning: '10m', critical: '5m' };

local alertName(key) = 'LeakyTokens%s%sHigh' % [std.asciiUpper(key[0]), key[1:]];

// An alert's section of the generated docs (golden/docs/dashboards.md): docs.py writes this
// anchor above it, so the link and the section cannot disagree.
local anchor(name) = 'runbook-' + std.asciiLower(name);

// Every alert rule is built here, so every alert carries what an on-call needs to act: a
// severity, a summary and a description, `runbook_url` (its section of the generated docs: what
// it means, the first three checks, the panel to open) and `dashboard_url` (absolute, from the
// installation's Grafana address: the panel with `viewPanel=`, and the alert's service selected
// when `service` names the label that carries it: `application`, or `job` on `up`).
// `link`: '/d/<uid>?viewPanel=<id>' of `runbook.panel` (the build looks it up by key).
local alertRule(name, severity, expr, hold, summary, description, link, runbook, service=null, labels={}) =
  assert std.length(runbook.checks) == 3 : 'alerts: ' + name + ' needs its first three checks';
  {
    alert: name,
    expr: expr,
    'for': hold,
    labels: { severity: severity } + labels,
    annotations: {
      summary: summary,
      description: description,
      runbook_url: config.alerting.docsUrl + '#' + anchor(name),
      dashboard_url: config.alerting.grafanaUrl + link
                     + (if service == null then '' else '&var-service={{ $labels.' + service + ' }}'),
    },
    // For the docs (runbooks below): hidden, never in the rules file.
    runbook:: runbook { alert: name, anchor: anchor(name), link: link },
  };

local rule(key, severity, link) =
  local row = th[key];
  local it = measures[key];
  alertRule(
    name=alertName(key),
    severity=severity,
    expr='(%s) > %g' % [it.expr, row[severity]],
    hold=holdFor[severity],
    summary='%s above %s%s' % [row.name, show(row, row[severity]), it.where],
    description='%s%s: above the %s level (%s) for %s, now %s.'
                % [it.what, it.where, severity, show(row, row[severity]), holdFor[severity], it.value],
    link=link,
    runbook={ means: it.what + '.', checks: it.checks, panel: it.panel },
    service=std.get(it, 'service', null),
  );

// Targets Prometheus cannot scrape (`up` has only job and instance). One instance down while its
// siblings run is a warning; every instance of a job down is critical (the service is gone).
local downChecks = [
  'Service status overview (the link selects the service): which instances are DOWN, since when, and did they restart just before (Uptime, Restarts)?',
  "The instance's container or host: is the process running (out of memory, crash loop), and can Prometheus reach its /actuator/prometheus (network, port)?",
  'Its dependencies at start-up (config-server, service-discovery, its database) and its last logs; a service down makes its users fail: see the gateway error rate.',
];
local down = {
  instanceDown: {
    alert: 'LeakyTokensInstanceDown',
    severity: 'warning',
    expr: m.targets.instanceDown,
    summary: 'Instance {{ $labels.instance }} of {{ $labels.job }} is down',
    description: 'Prometheus has failed to scrape {{ $labels.instance }} ({{ $labels.job }}) for %s; '
                 % config.alerting.targetDownFor
                 + 'its other instances, if any, still serve.',
    means: 'Prometheus cannot scrape one instance of a service (up == 0 for %s); its other instances, if any, still serve.'
           % config.alerting.targetDownFor,
  },
  serviceDown: {
    alert: 'LeakyTokensServiceDown',
    severity: 'critical',
    expr: m.targets.serviceDown(keep(['job'])),
    summary: 'Every instance of {{ $labels.job }} is down',
    description: 'Prometheus has failed to scrape every instance of {{ $labels.job }} for %s: '
                 % config.alerting.targetDownFor
                 + 'the service is unavailable.',
    means: 'Prometheus cannot scrape any instance of a service for %s: the service is unavailable.'
           % config.alerting.targetDownFor,
  },
};
local downPanel = panel('system', 'serviceStatus');

local downRule(key, link) = alertRule(
  name=down[key].alert,
  severity=down[key].severity,
  expr=down[key].expr,
  hold=config.alerting.targetDownFor,
  summary=down[key].summary,
  description=down[key].description,
  link=link,
  runbook={ means: down[key].means, checks: downChecks, panel: downPanel },
  service='job',
);

// The gateway's SLOs (config.slo): one alert per objective and severity, firing when the error
// budget burns too fast over both windows of one of its pairs (the SRE workbook's multiwindow,
// multi-burn-rate alerts). An alert's value is the long-window bad share of the pair that fired.
local slo = config.slo;
local sloKeys = m.slo.keys;
local severities = std.sort(std.objectFields(slo.burnRates), function(s) slo.burnRates[s].order);
local sloAlertName(sli) = 'LeakyTokensGateway%s%sBudgetBurn' % [std.asciiUpper(sli[0]), sli[1:]];
local sloPanel = panel('overview', 'sloBurnRate');
// What an on-call checks first when a gateway budget burns, per SLI.
local sloRowCheck = 'Gateway SLOs row of the Executive Overview: which burn rate is high, and since when (the page fires on the short and the long window together).';
local sloChecks = {
  availability: [
    sloRowCheck,
    "Service health (first row of the Executive Overview): api-gateway's 5xx share, and a provider failing (💼 Business Metrics › ❌ Provider failures) or a token-service/auth-server instance down behind it.",
    "The gateway's logs for the 5xx it returns (502 = an upstream failed), and what was deployed or changed when the burn began.",
  ],
  latency: [
    sloRowCheck,
    "Latency p95 by service on the Executive Overview: is the gateway slow alone, or a service behind it (token-service, a provider's answers)?",
    "The gateway's instances (⚙️ System Health): heap near its limit, GC pauses, CPU or Hikari waits on the instance that is slow; recent deployments.",
  ],
};
local percent = patterns.percent;
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
    hold=burn['for'],
    summary='Gateway %s error budget burning fast on {{ $labels.application }}' % std.asciiLower(objective.name),
    description="Users' requests to the gateway %s: objective %s over %s. The error budget burns at "
                % [objective.good, percent(objective.objective), slo.window]
                + std.join(' or ', [pairText(sli, pair) for pair in burn.pairs])
                + ' for %s; bad share over the long window that fired: {{ $value | humanizePercentage }}.' % burn['for'],
    link=link,
    runbook={
      means: "Users' requests to the gateway %s less often than the objective allows: at this pace "
             % objective.good + 'the %s error budget runs out early' % slo.window,
      checks: sloChecks[sli],
      panel: sloPanel,
    },
    service='application',
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

  // One runbook per alert name (its severities together), from every alert of every group, in
  // the rules' order: what docs.py writes under each anchor.
  runbooks(links):: self.runbooksOf(self.prometheusAlerts(links)),

  // The runbooks of a `prometheusAlerts` document (the build evaluates both from one).
  runbooksOf(document)::
    local alerting = [
      r
      for g in document.groups
      for r in g.rules
      if std.objectHas(r, 'alert')
    ];
    local names = std.foldl(function(seen, r) if std.member(seen, r.alert) then seen else seen + [r.alert], alerting, []);
    [
      local same = [r for r in alerting if r.alert == name];
      same[0].runbook {
        levels: [{ severity: r.labels.severity, summary: r.annotations.summary, 'for': r['for'] } for r in same],
        dashboard_url: same[0].annotations.dashboard_url,
        runbook_url: same[0].annotations.runbook_url,
      }
      for name in names
    ],
}
