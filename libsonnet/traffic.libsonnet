// Traffic: users' HTTP requests to the selected services (volume, errors, latency, routes).
// Every panel reads measures.http, which leaves Prometheus scrapes and health checks out. The
// overview's key metrics, traffic and latency panels read the recorded series (rules.libsonnet):
// users' traffic per application over the recording window (5m), whatever the zoom, instead of
// every bucket of every route at $__rate_interval (the cost of the overview's load).
local config = import 'config.libsonnet';
local m = import 'measures.libsonnet';
local panels = import 'panels.libsonnet';
local patterns = import 'patterns.libsonnet';
local q = import 'queries.libsonnet';

local sel = config.selectors;
local th = config.thresholds;
local target = panels.target;
local levelsText = patterns.levelsText;
local http = m.http;
// User requests of the selected services.
local requests = http.requests.scoped([sel.service]);
local recorded = http.recordedRequests.scoped([sel.service]);
local recordedText = 'Over the last ' + config.recording.window + ' (a recorded rate, see README: recording rules)';
// A graph of a recorded rate draws a point per window: closer points would be overlapping windows.
local recordedStep = config.recording.window;

// Requests per second in each response-time bucket of the services `scope` picks.
local latencyHeatmap(title, scope) = panels.heatmap(
  title=title,
  description='User requests per second in each response-time bucket over time (/actuator '
              + 'scrapes and health checks left out); darker cells hold more requests. A band '
              + 'creeping upwards means the service is slowing down. ' + recordedText + '.',
  bucketsExpr=http.recordedBuckets(scope),
  yUnit='s',
  unit='reqps',
  interval=recordedStep,
);

panels.keyed({
  requestsPerMinute: patterns.perMinuteStat(
    title='🔥 Requests per minute',
    description='User HTTP requests served per minute across the selected services (all routes '
                + 'and statuses; Prometheus scrapes and health checks on /actuator left out). '
                + recordedText + '.',
    unit='reqpm',
    events=recorded,
    legend='requests/min',
    decimals=0,
  ),

  latencyP95: panels.stat(
    title='⏱️ Latency p95',
    description='95th percentile of user HTTP response time over the selected services, from the '
                + 'request histogram (/actuator scrapes and health checks left out; No data '
                + 'without requests). ' + recordedText + '. ' + levelsText(th.latencyP95, suffix='s'),
    unit='s',
    targets=[target(http.recordedLatency(0.95, [sel.service]), 'p95')],
    thresholds=panels.thresholds.levels(th.latencyP95),
    decimals=1,
  ),

  errorRate: panels.stat(
    title='❌ Error rate',
    description='Share of user HTTP requests that ended in a server error (outcome SERVER_ERROR, '
                + 'status 5xx); /actuator scrapes and health checks left out. No requests in the '
                + 'window is 0%. ' + recordedText + '. ' + levelsText(th.errorRate, 100, '%'),
    unit='percentunit',
    targets=[target(http.recordedErrorRatio([sel.service]), 'error rate')],
    thresholds=panels.thresholds.levels(th.errorRate),
    decimals=2,
  ),

  requestRateByService: panels.timeSeries(
    title='Request rate by service',
    description='User HTTP requests per minute, one line per service (its instances added up; '
                + '/actuator scrapes and health checks left out). ' + recordedText + '.',
    unit='reqpm',
    targets=[target(recorded.perMinute(['application']), '{{application}}')],
    decimals=1,
    interval=recordedStep,
  ),

  errorRateByService: panels.timeSeries(
    title='Error rate by service',
    description='Share of user HTTP requests that ended in a server error (outcome SERVER_ERROR, status 5xx), '
                + 'one line per service (its instances added up; /actuator left out; 0 without requests). '
                + recordedText + '. The threshold lines are the alert levels: ' + levelsText(th.errorRate, 100, '%'),
    unit='percentunit',
    targets=[target(http.recordedErrorRatio([sel.service], ['application']), '{{application}}')],
    thresholds=panels.thresholds.levels(th.errorRate),
    decimals=2,
    interval=recordedStep,
  ),

  latencyP95ByService: panels.timeSeries(
    title='Latency p95 by service',
    description='95th percentile of user HTTP response time, one line per service, from its request '
                + 'histogram (/actuator left out; gaps where it had no requests). ' + recordedText
                + '. The threshold lines are the alert levels: ' + levelsText(th.latencyP95, suffix='s'),
    unit='s',
    targets=[target(http.recordedLatencyP95ByApplication([sel.service]), '{{application}}')],
    thresholds=panels.thresholds.levels(th.latencyP95),
    decimals=1,
    interval=recordedStep,
  ),

  latencyPercentiles: panels.timeSeries(
    title='Response latency percentiles',
    description='p50, p95 and p99 user HTTP response time over the selected services (/actuator '
                + 'left out; gaps where there were no requests). The threshold lines are the p95 '
                + 'alert levels: ' + levelsText(th.latencyP95, suffix='s') + ' ' + recordedText + '.',
    unit='s',
    targets=[
      target(http.recordedLatency(quantile / 100, [sel.service]), 'p' + quantile)
      for quantile in [50, 95, 99]
    ],
    thresholds=panels.thresholds.levels(th.latencyP95),
    decimals=1,
    interval=recordedStep,
  ),

  latencyHeatmap: latencyHeatmap('Latency heatmap', [sel.service]),

  gatewayLatencyHeatmap: latencyHeatmap('Gateway latency heatmap', [sel.gateway]),

  topEndpoints: panels.table(
    title='Top API endpoints',
    description='The ten busiest user routes over the selected window ($time_range), by request '
                + 'count (/actuator scrapes and health checks left out).',
    unit='short',
    targets=[target(q.topk(10, requests.increase(['application', 'uri'])))],
    columns={ application: 'Service', uri: 'Endpoint', Value: 'Requests' },
    sortBy='Requests',
  ),
})
