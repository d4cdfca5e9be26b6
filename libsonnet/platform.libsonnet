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

{
  // ---- HTTP traffic (every service) ----
  requestsPerMinute:: panels.stat(
    '🔥 Requests per minute',
    'HTTP requests served per minute across the selected services (all routes and statuses).',
    'reqpm',
    [target(q.sumRatePerMinute(http + '_count', [sel.service]), 'requests/min')],
    decimals=0,
  ),

  latencyP95:: panels.stat(
    '⏱️ Latency p95',
    '95th percentile of HTTP response time over the selected services, from the request histogram. '
    + 'Yellow above %gs, red above %gs.' % [th.latencyP95.warning, th.latencyP95.critical],
    's',
    [target(q.quantile(0.95, http, [sel.service]), 'p95')],
    panels.thresholds.levels(th.latencyP95),
    decimals=3,
  ),

  errorRate:: panels.stat(
    '❌ Error rate',
    'Share of HTTP requests that ended in a server error (outcome SERVER_ERROR, status 5xx). '
    + 'Yellow above %g%%, red above %g%%.' % [th.errorRate.warning * 100, th.errorRate.critical * 100],
    'percentunit',
    [target(q.ratio(
      q.sumRate(http + '_count', [sel.service, q.eq('outcome', 'SERVER_ERROR')]),
      q.sumRate(http + '_count', [sel.service]),
    ), 'error rate')],
    panels.thresholds.levels(th.errorRate),
    decimals=2,
  ),

  requestRateByService:: panels.timeSeries(
    'Request rate by service',
    'HTTP requests per second, one line per service.',
    'reqps',
    [target(q.sumRate(http + '_count', [sel.service], ['application']), '{{application}}')],
  ),

  latencyPercentiles:: panels.timeSeries(
    'Response latency percentiles',
    'p50, p95 and p99 HTTP response time over the selected services. The dashed levels are the '
    + 'p95 alert thresholds.',
    's',
    [
      target(q.quantile(quantile, http, [sel.service]), 'p%d' % (quantile * 100))
      for quantile in [0.5, 0.95, 0.99]
    ],
    thresholds=panels.thresholds.levels(th.latencyP95),
  ),

  latencyHeatmap(title, matchers):: panels.heatmap(
    title,
    'How many requests fell in each response-time bucket per interval; darker cells hold more '
    + 'requests. A band creeping upwards means the service is slowing down.',
    q.sum(q.increase(http + '_bucket', matchers, config.windows.rate), ['le']),
    's',
  ),

  topEndpoints:: panels.table(
    'Top API endpoints',
    'The ten busiest routes over the selected window ($time_range), by request count.',
    'short',
    [target(q.topk(10, q.sumIncrease(http + '_count', [sel.service], ['application', 'uri'])))],
    { application: 'Service', uri: 'Endpoint', Value: 'Requests' },
    'Requests',
  ),

  // ---- Tokens ----
  tokensPerMinute:: panels.stat(
    '💰 Tokens consumed per minute',
    'Allowed token consumptions per minute for the selected providers (outcome allowed only; '
    + 'attempts are not counted twice).',
    'opm',
    [target(q.sumRatePerMinute(consume, [sel.provider, q.eq('outcome', 'allowed')]), 'consumed/min')],
    decimals=1,
  ),

  activeUsers:: panels.stat(
    '👥 Active users',
    'Users with at least one allowed token consumption in the selected window ($time_range).',
    'short',
    [target('count(%s > 0)' % q.sumIncrease(consume, [sel.provider, q.eq('outcome', 'allowed')], ['userId']), 'active users')],
    decimals=0,
    instant=true,
  ),

  tokenDistribution:: panels.pie(
    'Token consumption distribution',
    'Allowed token consumptions per provider over the selected window ($time_range).',
    'short',
    [target(q.sumIncrease(consume, [sel.provider, q.eq('outcome', 'allowed')], ['provider']), '{{provider}}')],
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

  // ---- Gateway ----
  rateLimitBlocks:: panels.stat(
    '🚦 Rate limit blocks per minute',
    'Requests the API gateway blocked by rate limiting, per minute. Yellow above %d/min, red above %d/min.'
    % [th.rateLimitBlocks.warning, th.rateLimitBlocks.critical],
    'reqpm',
    [target(q.sumRatePerMinute('gateway_rate_limit_total', [q.eq('outcome', 'blocked')]), 'blocked/min')],
    panels.thresholds.levels(th.rateLimitBlocks),
    decimals=1,
  ),

  // ---- JVM ----
  heapGauges(title):: panels.gauge(
    title,
    'Heap in use as a share of the heap limit, per service: pools without a limit (max = -1) are '
    + 'left out of both sides. Yellow above %d%%, red above %d%%.'
      % [th.heapUsage.warning * 100, th.heapUsage.critical * 100],
    'percentunit',
    [target(q.heapUsage([sel.service]), '{{application}}')],
    panels.thresholds.levels(th.heapUsage),
    min=0,
    max=1,
    decimals=1,
  ),
}
