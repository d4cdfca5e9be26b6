// The Leaky Tokens panels: each is a query from queries.libsonnet put in a constructor from
// panels.libsonnet, written once here and listed by the dashboards that show it.
local config = import 'config.libsonnet';
local panels = import 'panels.libsonnet';
local q = import 'queries.libsonnet';

local sel = config.selectors;
local th = config.thresholds;
local target = panels.target;

local http = 'http_server_requests_seconds';
local consume = 'token_consume_total';
// Every consumption outcome except `attempt`, which counts each call a second time.
local decided = q.ne('outcome', 'attempt');
local outcome(value) = q.eq('outcome', value);
local allowed = outcome('allowed');
local failure = outcome('failure');
// HTTP requests of users: scrapes and health checks (/actuator) left out.
local userHttp = [sel.service, sel.userTraffic];

// The auth server's counters, one per flow; all have `outcome` and, on failures, `reason`.
local authFlows = [
  { name: 'login', metric: 'auth_login_total' },
  { name: 'register', metric: 'auth_register_total' },
  { name: 'API key create', metric: 'auth_api_key_create_total' },
  { name: 'API key validate', metric: 'auth_api_key_validate_total' },
];
local apiKeyFlows = [f for f in authFlows if std.startsWith(f.name, 'API key')];

// A number for prose: whole numbers by std.toString, the rest by %g (std.format is slow under
// go-jsonnet, ~0.7 ms a call, so it is kept off the common path).
local num(x) = if x == std.round(x) then std.toString(std.round(x)) else '%g' % x;

// A colour level described in words, from a row of config.thresholds.
local levelsText(t, scale=1, suffix='') =
  'Yellow above ' + num(t.warning * scale) + suffix + ', red above ' + num(t.critical * scale) + suffix + '.';

// ---- Reused panel patterns ----

// A key metric counting events per minute, with its sparkline; no events is 0.
local perMinuteStat(title, description, unit, metric, matchers, legend, thresholds=panels.thresholds.neutral, decimals=1) =
  panels.stat(
    title,
    description,
    unit,
    [target(q.orZero(q.sumRatePerMinute(metric, matchers), metric, matchers), legend)],
    thresholds,
    decimals=decimals,
  );

// A key metric counting events over the selected window ($time_range): one instant value.
local periodTotalStat(title, description, metric, matchers, legend) = panels.stat(
  title,
  description + ' Counted over the selected window ($time_range).',
  'short',
  [target(q.orZero(q.sumIncrease(metric, matchers), metric, matchers), legend)],
  decimals=0,
  instant=true,
);

// Events per minute, one line (or stacked band) per value of `label`.
local perMinuteByLabel(metric, matchers, label, legendPrefix='') =
  target(q.sumRatePerMinute(metric, matchers, [label]), legendPrefix + '{{' + label + '}}');

local outcomesPerMinute(title, description, metric, matchers=[], stack=true) = panels.timeSeries(
  title,
  description + ' Per minute, by outcome.',
  'opm',
  [perMinuteByLabel(metric, matchers, 'outcome')],
  stack=stack,
  decimals=1,
);

// A gauge of an instance's state, one series per instance (pools or data sources added up), so
// a sick replica is never averaged away by its siblings; `filtered` applies the service
// variable, for metrics every service exports.
local perInstance(metric, matchers=[], legendSuffix='', filtered=true) =
  target(q.sum(q.selector(metric, (if filtered then [sel.service] else []) + matchers), ['application', 'instance']),
         '{{application}} {{instance}}' + legendSuffix);

{
  // ---- HTTP traffic (every service) ----
  requestsPerMinute:: perMinuteStat(
    '🔥 Requests per minute',
    'User HTTP requests served per minute across the selected services (all routes and statuses; '
    + 'Prometheus scrapes and health checks on /actuator left out).',
    'reqpm',
    http + '_count',
    userHttp,
    'requests/min',
    decimals=0,
  ),

  latencyP95:: panels.stat(
    '⏱️ Latency p95',
    '95th percentile of user HTTP response time over the selected services, from the request '
    + 'histogram (/actuator scrapes and health checks left out; No data without requests). '
    + levelsText(th.latencyP95, suffix='s'),
    's',
    [target(q.quantile(0.95, http, userHttp), 'p95')],
    panels.thresholds.levels(th.latencyP95),
    decimals=3,
  ),

  errorRate:: panels.stat(
    '❌ Error rate',
    'Share of user HTTP requests that ended in a server error (outcome SERVER_ERROR, status 5xx); '
    + '/actuator scrapes and health checks left out. No requests in the window is 0%. '
    + levelsText(th.errorRate, 100, '%'),
    'percentunit',
    [target(q.errorRatio(
      q.sumRate(http + '_count', userHttp + [outcome('SERVER_ERROR')]),
      q.sumRate(http + '_count', userHttp),
    ), 'error rate')],
    panels.thresholds.levels(th.errorRate),
    decimals=2,
  ),

  requestRateByService:: panels.timeSeries(
    'Request rate by service',
    'User HTTP requests per minute, one line per service (its instances added up; /actuator '
    + 'scrapes and health checks left out).',
    'reqpm',
    [target(q.sumRatePerMinute(http + '_count', userHttp, ['application']), '{{application}}')],
    decimals=1,
  ),

  latencyPercentiles:: panels.timeSeries(
    'Response latency percentiles',
    'p50, p95 and p99 user HTTP response time over the selected services (/actuator left out; '
    + 'gaps where there were no requests). The threshold lines are the p95 alert levels: '
    + levelsText(th.latencyP95, suffix='s'),
    's',
    [
      target(q.quantile(quantile / 100, http, userHttp), 'p' + quantile)
      for quantile in [50, 95, 99]
    ],
    thresholds=panels.thresholds.levels(th.latencyP95),
    decimals=3,
  ),

  latencyHeatmap(title, matchers):: panels.heatmap(
    title,
    'User requests per second in each response-time bucket over time (/actuator scrapes and '
    + 'health checks left out); darker cells hold more requests. A band creeping upwards means '
    + 'the service is slowing down.',
    q.sumRate(http + '_bucket', matchers + [sel.userTraffic], ['le']),
    's',
    'reqps',
  ),

  topEndpoints:: panels.table(
    'Top API endpoints',
    'The ten busiest user routes over the selected window ($time_range), by request count '
    + '(/actuator scrapes and health checks left out).',
    'short',
    [target(q.topk(10, q.sumIncrease(http + '_count', userHttp, ['application', 'uri'])))],
    { application: 'Service', uri: 'Endpoint', Value: 'Requests' },
    'Requests',
  ),

  // ---- Tokens ----
  tokensPerMinute:: perMinuteStat(
    '💰 Tokens consumed per minute',
    'Allowed token consumptions per minute for the selected providers (outcome allowed only; '
    + 'attempts are not counted twice).',
    'opm',
    consume,
    [sel.provider, allowed],
    'consumed/min',
  ),

  activeUsers:: panels.stat(
    '👥 Active users',
    'Users with at least one allowed token consumption in the selected window ($time_range).',
    'short',
    // count() of nothing is nothing: with no consumption yet (a fresh platform, a provider
    // nobody used in the window) the number of active users is 0, not "No data"; where the
    // token service exports no consumption counter at all it stays "No data".
    [target(q.orZero('count(' + q.sumIncrease(consume, [sel.provider, allowed], ['userId']) + ' > 0)', consume),
            'active users')],
    decimals=0,
    instant=true,
  ),

  tokensConsumedTotal:: periodTotalStat(
    '💰 Total tokens consumed ($time_range)',
    'Allowed token consumptions for the selected providers (outcome allowed; attempts are not '
    + 'counted twice).',
    consume,
    [sel.provider, allowed],
    'consumed',
  ),

  successfulConsumptions:: panels.stat(
    '✅ Successful consumptions (% of attempts)',
    'Share of consumption attempts that were allowed (allowed ÷ attempt) for the selected '
    + 'providers over the selected window ($time_range). The rest were denied for quota, rate '
    + 'limited or failed at the provider.',
    'percentunit',
    [target(q.share(consume, allowed, outcome('attempt'), [sel.provider], window=config.windows.period),
            'allowed share')],
    decimals=1,
    instant=true,
  ),

  deniedRequests:: periodTotalStat(
    '🚫 Denied requests (quota insufficient)',
    'Consumption calls refused because the user’s quota was insufficient (outcome '
    + 'quota_insufficient), for the selected providers.',
    consume,
    [sel.provider, outcome('quota_insufficient')],
    'denied',
  ),

  rateLimitedRequests:: periodTotalStat(
    '🚦 Rate limited requests',
    'Consumption calls refused by the token service’s rate limiter (outcome rate_limited), for '
    + 'the selected providers.',
    consume,
    [sel.provider, outcome('rate_limited')],
    'rate limited',
  ),

  providerFailures:: panels.stat(
    '❌ Provider failures (last %s)' % th.providerFailures.window,
    'Consumption calls that failed at the AI provider (outcome provider_failure) in the last %s, '
    % th.providerFailures.window
    + 'for the selected providers. ' + levelsText(th.providerFailures, suffix=' per 5 min'),
    'short',
    [target(q.orZero(q.sumIncrease(consume, [sel.provider, outcome('provider_failure')], window=th.providerFailures.window), consume),
            'failures')],
    panels.thresholds.levels(th.providerFailures),
    decimals=0,
  ),

  sagaCompletions:: periodTotalStat(
    '💵 SAGA purchase completions',
    'Token purchases whose SAGA completed (all steps committed).',
    'token_purchase_saga_completed_total',
    [],
    'completed',
  ),

  consumptionByProvider:: panels.timeSeries(
    'Token consumption by provider',
    'Allowed token consumptions per minute, one line per provider.',
    'opm',
    [perMinuteByLabel(consume, [sel.provider, allowed], 'provider')],
    decimals=1,
  ),

  consumptionOutcomesOverTime:: panels.timeSeries(
    'Consumption outcomes over time',
    'Consumption decisions per minute, stacked by outcome: the top of the stack is all decided '
    + 'calls. The `attempt` outcome is left out: it counts every call again before the decision.',
    'opm',
    [perMinuteByLabel(consume, [sel.provider, decided], 'outcome')],
    stack=true,
    decimals=1,
  ),

  tokenDistribution(title, donut=true):: panels.pie(
    title,
    'Allowed token consumptions per provider over the selected window ($time_range): each '
    + 'provider’s share of consumption.',
    'short',
    [target(q.sumIncrease(consume, [sel.provider, allowed], ['provider']), '{{provider}}')],
    donut=donut,
    decimals=0,
  ),

  consumptionOutcomes(title):: panels.barGauge(
    title,
    'Token consumption decisions by outcome over the selected window ($time_range). The '
    + '`attempt` outcome is left out: it counts every call again before the decision.',
    'short',
    [target(q.sumIncrease(consume, [sel.provider, decided], ['outcome']), '{{outcome}}')],
    decimals=0,
  ),

  quotaLookups:: outcomesPerMinute(
    'Quota lookup activity',
    'Quota look-ups of the token service for the selected providers: found, not_found and '
    + 'invalid (invalid look-ups carry provider "unknown"). Stacked: the top is all look-ups.',
    'token_quota_lookup_total',
    [sel.provider],
  ),

  topUsers:: panels.table(
    'Top users by consumption',
    'The ten users with the most allowed token consumptions over the selected window '
    + '($time_range), for the selected providers.',
    'short',
    [target(q.topk(10, q.sumIncrease(consume, [sel.provider, allowed], ['userId'])))],
    { userId: 'User', Value: 'Allowed consumptions' },
    'Allowed consumptions',
  ),

  sagaActivity:: panels.timeSeries(
    'SAGA purchase activity',
    'Token purchase SAGAs per minute: started, completed, failed and compensated (rolled back '
    + 'after a failed step). Started well above completed, or any compensations, means purchases '
    + 'are failing.',
    'opm',
    [
      target(q.sumRatePerMinute('token_purchase_saga_' + step + '_total'), step)
      for step in ['started', 'completed', 'failed', 'compensated']
    ],
    decimals=2,
  ),

  providerSuccessRates:: panels.timeSeries(
    'Provider success rates',
    'Per provider, the share of consumption attempts that were allowed (allowed ÷ attempt). '
    + 'A provider falling behind the others is refusing or failing more calls.',
    'percentunit',
    [target(q.share(consume, allowed, outcome('attempt'), [sel.provider], ['provider']), '{{provider}}')],
    decimals=1,
    max=1,
    width=8,
  ),

  hourlyConsumption:: panels.timeSeries(
    'Hourly consumption patterns',
    'Allowed token consumptions per hour, stacked by provider: one bar per hour shows the '
    + 'daily pattern (use a time range of a day or more).',
    'short',
    [target(q.sumIncrease(consume, [sel.provider, allowed], ['provider'], config.windows.hourly),
            '{{provider}}')],
    stack=true,
    bars=true,
    decimals=0,
    interval=config.windows.hourly,
  ),

  // ---- Gateway ----
  rateLimitBlocks:: perMinuteStat(
    '🚦 Rate limit blocks per minute',
    'Requests the API gateway blocked by rate limiting, per minute. '
    + levelsText(th.rateLimitBlocks, suffix='/min'),
    'reqpm',
    'gateway_rate_limit_total',
    [outcome('blocked')],
    'blocked/min',
    panels.thresholds.levels(th.rateLimitBlocks),
  ),

  apiKeyValidationsPerMinute:: perMinuteStat(
    '🔑 API key validations per minute',
    'API keys the gateway validated per minute, successful or not.',
    'opm',
    'gateway_api_key_validation_total',
    [],
    'validations/min',
  ),

  validationSuccessRate:: panels.stat(
    '✅ Validation success rate',
    'Share of the gateway’s API key validations that succeeded (success ÷ success + failure). '
    + 'Red below ' + num((1 - th.errorRate.critical) * 100) + '%, yellow below '
    + num((1 - th.errorRate.warning) * 100) + '% (the error-rate levels seen from the other side).',
    'percentunit',
    [target(q.share('gateway_api_key_validation_total', outcome('success'), q.re('outcome', 'success|failure')),
            'success rate')],
    panels.thresholds.success(th.errorRate),
    decimals=2,
  ),

  cacheHitRate:: panels.stat(
    '💾 Cache hit rate',
    'Share of API key look-ups the gateway answered from its cache (hit ÷ hit + miss). Lower '
    + 'means more validations reach the auth server.',
    'percentunit',
    [target(q.share('gateway_api_key_cache_total', outcome('hit'), q.re('outcome', 'hit|miss')), 'hit rate')],
    decimals=1,
  ),

  authRegistrations:: perMinuteStat(
    '🚪 Auth registrations per minute',
    'User registrations at the auth server per minute, with the selected auth outcomes.',
    'opm',
    'auth_register_total',
    [sel.authOutcome],
    'registrations/min',
  ),

  authLogins:: perMinuteStat(
    '🔐 Auth logins per minute',
    'Logins at the auth server per minute, with the selected auth outcomes.',
    'opm',
    'auth_login_total',
    [sel.authOutcome],
    'logins/min',
  ),

  apiKeyValidationResults:: outcomesPerMinute(
    'API key validation results',
    'API key validations at the gateway, success and failure, stacked: the top is all validations.',
    'gateway_api_key_validation_total',
  ),

  cachePerformance:: outcomesPerMinute(
    'Cache performance',
    'API key cache look-ups at the gateway, hits and misses, stacked: the top is all look-ups.',
    'gateway_api_key_cache_total',
  ),

  rateLimitingActivity:: outcomesPerMinute(
    'Rate limiting activity',
    'Requests the gateway’s rate limiter allowed and blocked, stacked: the top is all requests '
    + 'it checked.',
    'gateway_rate_limit_total',
  ),

  authActivityBreakdown:: panels.pie(
    'Auth activity breakdown',
    'Auth server operations over the selected window ($time_range) by kind (login, register, '
    + 'API key create and validate) and outcome, for the selected auth outcomes.',
    'short',
    [
      target(q.sumIncrease(flow.metric, [sel.authOutcome], ['outcome']), flow.name + ' {{outcome}}')
      for flow in authFlows
    ],
    decimals=0,
  ),

  authFailuresByReason:: panels.timeSeries(
    'Auth failures by reason (per minute)',
    'Failed auth operations per minute by operation and reason, stacked: the top of the stack '
    + 'is all auth failures, compared with the alert levels drawn as lines. '
    + levelsText(th.authFailures, suffix='/min'),
    'opm',
    [perMinuteByLabel(flow.metric, [failure], 'reason', flow.name + ': ') for flow in authFlows],
    stack=true,
    thresholds=panels.thresholds.levels(th.authFailures),
    decimals=1,
    width=8,
  ),

  apiKeyOperations:: panels.timeSeries(
    'API key operations',
    'API keys created and validated at the auth server per minute, by outcome (the selected '
    + 'auth outcomes).',
    'opm',
    [perMinuteByLabel(flow.metric, [sel.authOutcome], 'outcome', flow.name + ' ') for flow in apiKeyFlows],
    decimals=1,
    width=8,
  ),

  // ---- JVM and system ----
  heapGauges(title, width=8):: panels.gauge(
    title,
    'Heap in use as a share of the heap limit (-Xmx), per service: its worst instance, so one '
    + 'replica near its limit shows. In use counts every heap pool (G1 Eden, Survivor and Old '
    + 'Gen); the limit is the pools that have one (max = -1 left out). '
    + levelsText(th.heapUsage, 100, '%'),
    'percentunit',
    [target(q.worstHeapUsage([sel.service], ['application']), '{{application}}')],
    panels.thresholds.levels(th.heapUsage),
    min=0,
    max=1,
    decimals=1,
    width=width,
  ),

  servicesUp:: panels.stat(
    '🖥️ Services up',
    'Selected services whose every instance Prometheus reached on its last scrape ("fully up"), '
    + 'beside the number of selected services: one replica down while its siblings run makes '
    + 'the first number smaller. The status table below names the instance that is down.',
    'short',
    [
      target(q.orZero('count(' + q.min(q.selector('up', [sel.serviceJob]), ['job']) + ' == 1)', 'up', [sel.serviceJob]),
             'fully up'),
      target('count(' + q.max(q.selector('up', [sel.serviceJob]), ['job']) + ')', 'services'),
    ],
    decimals=0,
  ),

  heapUsageWorst:: panels.stat(
    '💾 Heap memory usage (worst service)',
    'Heap in use as a share of the heap limit (-Xmx) on the instance closest to its limit, among '
    + 'every instance of the selected services. In use counts every heap pool (G1 Eden, Survivor '
    + 'and Old Gen); the limit is the pools that have one (max = -1 left out). '
    + levelsText(th.heapUsage, 100, '%'),
    'percentunit',
    [target(q.worstHeapUsage([sel.service]), 'heap used')],
    panels.thresholds.levels(th.heapUsage),
    decimals=1,
  ),

  // Only services with a database export jdbc metrics, so the service variable is not applied:
  // selecting config-server would leave these panels empty rather than narrower.
  databaseConnections:: panels.stat(
    '🗄️ Database connections (active)',
    'JDBC connections in use right now, summed over the services with a database (auth-server, '
    + 'token-service, analytics-service).',
    'short',
    [target(q.sum(q.selector('jdbc_connections_active')), 'active')],
    decimals=0,
  ),

  threadCount:: panels.stat(
    '🧵 Thread count (live)',
    'Live JVM threads of the busiest instance among the selected services: a thread leak on one '
    + 'replica shows instead of being added to the others.',
    'short',
    [target(q.max(q.selector('jvm_threads_live_threads', [sel.service])), 'live threads')],
    decimals=0,
  ),

  gcTimePerMinute:: panels.stat(
    '🗑️ GC time per minute',
    'Time the selected services spent paused in garbage collection, per minute of wall time '
    + '(summed over services).',
    's',
    [target(q.sumRatePerMinute('jvm_gc_pause_seconds_sum', [sel.service]), 'GC pause/min')],
    decimals=2,
  ),

  cpuLoad:: panels.stat(
    '⚡ CPU load (busiest host)',
    'CPU usage (0–100%) of the busiest host running one of the selected services, as the JVM '
    + 'reports it (system_cpu_usage).',
    'percentunit',
    [target(q.max(q.selector('system_cpu_usage', [sel.service])), 'CPU')],
    decimals=1,
  ),

  heapMemoryByService:: panels.timeSeries(
    'JVM heap memory by service',
    'Heap bytes in use per instance (every heap pool added up), one line per service and '
    + 'instance, so a replica that fills its heap shows on its own.',
    'bytes',
    [perInstance('jvm_memory_used_bytes', [q.eq('area', 'heap')])],
  ),

  databaseConnectionPool:: panels.timeSeries(
    'Database connection pool (active/idle/max)',
    'JDBC connection pool per instance of the services with a database: connections in use '
    + '(active), open but unused (idle) and the pool limit (max). Active close to max means '
    + 'requests wait for a connection on that instance.',
    'short',
    [perInstance('jdbc_connections_' + state, legendSuffix=' ' + state, filtered=false) for state in ['active', 'idle', 'max']],
    decimals=0,
  ),

  jvmThreads:: panels.timeSeries(
    'JVM threads (live/peak)',
    'Live JVM threads per instance and the peak since that JVM started, one line per service '
    + 'and instance.',
    'short',
    [perInstance('jvm_threads_' + kind + '_threads', [], ' ' + kind) for kind in ['live', 'peak']],
    decimals=0,
  ),

  gcActivity:: panels.timeSeries(
    'Garbage collection activity',
    'Time each service spent paused in garbage collection per minute of wall time; spikes are '
    + 'stop-the-world pauses users feel as latency.',
    's',
    [target(q.sumRatePerMinute('jvm_gc_pause_seconds_sum', [sel.service], ['application']), '{{application}}')],
    decimals=3,
  ),

  classesLoaded:: panels.timeSeries(
    'JVM classes loaded',
    'Classes currently loaded per instance. Steady growth after start-up can mean a class leak.',
    'short',
    [perInstance('jvm_classes_loaded_classes')],
    decimals=0,
  ),

  loadAverage:: panels.timeSeries(
    'System load average (1m)',
    'One-minute load average of the host of each selected service (Micrometer exports only the '
    + '1-minute average), with the host’s CPU cores for scale: load above the core count means '
    + 'work is queueing.',
    'short',
    [
      target(q.max(q.selector('system_load_average_1m', [sel.service]), ['application']), '{{application}}'),
      target(q.max(q.selector('system_cpu_count', [sel.service])), 'CPU cores'),
    ],
    decimals=2,
  ),

  serviceStatus:: panels.table(
    'Service status overview',
    'One row per scrape target of the selected services: whether Prometheus reaches it (UP/DOWN), '
    + 'how long it has run, how often it restarted in the dashboard time range (a new process '
    + 'start time), its heap usage (every heap pool over the limit) and its live threads. '
    + 'Sorted with DOWN first.',
    'short',
    [
      target(q.sum(q.selector('up', [sel.serviceJob]), ['job', 'instance'])),
      target(q.sum(q.selector('process_uptime_seconds', [sel.service]), ['job', 'instance'])),
      target(q.sum('changes(' + q.selector('process_start_time_seconds', [sel.service]) + '[$__range])', ['job', 'instance'])),
      target(q.heapUsage([sel.service], ['job', 'instance'])),
      target(q.sum(q.selector('jvm_threads_live_threads', [sel.service]), ['job', 'instance'])),
    ],
    {
      job: 'Service',
      instance: 'Instance',
      'Value #A': 'Status',
      'Value #B': 'Uptime',
      'Value #C': 'Restarts',
      'Value #D': 'Heap used',
      'Value #E': 'Live threads',
    },
    'Status',
    width=24,
    sortDesc=false,
    columnProperties={
      Status: panels.column.upDown,
      Uptime: panels.column.unit('s') + panels.column.decimals(0),
      Restarts: panels.column.decimals(0),
      'Heap used': panels.column.unit('percentunit') + panels.column.decimals(1),
      'Live threads': panels.column.decimals(0),
    },
  ),
}
