// Service health: one row per service (`application`) with what an on-call looks at first, each
// measure read from measures.libsonnet (users' traffic only, `up` under its job's name, each
// instance's heap), each row linking to System Health for that service.
local config = import 'config.libsonnet';
local links = import 'links.libsonnet';
local m = import 'measures.libsonnet';
local panels = import 'panels.libsonnet';
local patterns = import 'patterns.libsonnet';
local q = import 'queries.libsonnet';

local sel = config.selectors;
local th = config.thresholds;
local target = panels.target;
local column = panels.column;
local levelsText = patterns.levelsText;
local byService = ['application'];
local scope = [sel.service];

panels.keyed({
  serviceHealth: panels.table(
    title='Service health',
    description='One row per service: user HTTP requests per minute and the share that failed with a server '
                + 'error (5xx), p95 response time (over the last ' + config.recording.window + ', recorded rates; '
                + '/actuator scrapes and health checks left out; empty without requests), instances Prometheus reached on its last scrape beside all its '
                + 'instances, restarts in the dashboard time range, and the heap usage of its fullest '
                + 'instance. Errors: ' + levelsText(th.errorRate, 100, '%') + ' p95: '
                + levelsText(th.latencyP95, suffix='s') + ' Heap: ' + levelsText(th.heapUsage, 100, '%')
                + ' Click a row for System Health of that service.',
    unit='short',
    targets=[
      target(m.http.recordedRequests.scoped(scope).perMinute(byService)),
      target(m.http.recordedErrorRatio(scope, byService)),
      target(m.http.recordedLatencyP95ByApplication(scope)),
      target(m.targets.instancesUp([sel.serviceJob])),
      target(m.targets.instances([sel.serviceJob])),
      target(q.sum(m.process.restarts(scope), byService)),
      target(m.jvm.worstHeapUsage(scope, byService)),
    ],
    columns={
      application: 'Service',
      'Value #A': 'Requests/min',
      'Value #B': 'Errors (5xx)',
      'Value #C': 'P95',
      'Value #D': 'Up',
      'Value #E': 'Instances',
      'Value #F': 'Restarts',
      'Value #G': 'Worst heap',
    },
    sortBy='Service',
    sortDesc=false,
    width=24,
    height=11,
    columnProperties={
      'Requests/min': column.unit('reqpm') + column.decimals(1),
      'Errors (5xx)': column.unit('percentunit') + column.decimals(2) + column.levels(th.errorRate),
      P95: column.unit('s') + column.decimals(1) + column.levels(th.latencyP95),
      Up: column.decimals(0),
      Instances: column.decimals(0),
      Restarts: column.decimals(0),
      'Worst heap': column.unit('percentunit') + column.decimals(1) + column.levels(th.heapUsage),
    },
  ) + panels.withDataLinks([
    links.service('system', '${__data.fields.application}', 'System Health of ${__data.fields.application}'),
  ]),
})
