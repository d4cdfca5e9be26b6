// What explains each key number: a click on a stat (or a gauge's dial) opens the panel or the
// dashboard that breaks it down, keeping the time range and the variables. Keyed by panel key;
// platform.libsonnet adds these data links to its panels and checks every key exists, and a
// test that every stat of every dashboard has one.
local links = import 'links.libsonnet';

local panel = links.panel;
// A series' service (its `application` label) opened on System Health.
local systemOfSeries = links.service('system', '${__field.labels.application}', 'System Health of ${__field.labels.application}');

{
  // 🚀 Executive Overview
  requestsPerMinute: [panel('overview', 'requestRateByService', 'Requests per service')],
  tokensPerMinute: [panel('business', 'consumptionOutcomesOverTime', 'Consumption outcomes over time')],
  latencyP95: [panel('overview', 'latencyP95ByService', 'Latency p95 per service')],
  errorRate: [panel('overview', 'errorRateByService', 'Error rate per service')],
  rateLimitBlocks: [panel('gateway', 'rateLimitingActivity', 'Rate limiting activity')],
  activeUsers: [panel('business', 'topUsers', 'Top users')],
  jvmHeapUsage: [systemOfSeries],
  // The gateway's SLOs: an SLI opens what fails or slows the gateway, a budget its burn rate.
  sloAvailability: [panel('overview', 'errorRateByService', 'Error rate per service')],
  sloLatency: [panel('overview', 'latencyP95ByService', 'Latency p95 per service')],
  sloAvailabilityBudget: [panel('overview', 'sloBurnRate', 'Error budget burn rate')],
  sloLatencyBudget: [panel('overview', 'sloBurnRate', 'Error budget burn rate')],
  // 💼 Business Metrics
  tokensConsumedTotal: [panel('business', 'consumptionByProvider', 'Consumption by provider')],
  successfulConsumptions: [panel('business', 'outcomesBreakdown', 'Outcomes breakdown')],
  deniedRequests: [panel('business', 'consumptionOutcomesOverTime', 'Consumption outcomes over time')],
  rateLimitedRequests: [panel('business', 'consumptionOutcomesOverTime', 'Consumption outcomes over time')],
  providerFailures: [panel('business', 'providerSuccessRates', 'Provider success rates')],
  sagaCompletions: [panel('business', 'sagaActivity', 'SAGA activity')],
  // 🛡️ Gateway & Security
  apiKeyValidationsPerMinute: [panel('gateway', 'apiKeyValidationResults', 'API key validation results')],
  validationSuccessRate: [panel('gateway', 'apiKeyValidationResults', 'API key validation results')],
  cacheHitRate: [panel('gateway', 'cachePerformance', 'Cache performance')],
  authRegistrations: [panel('gateway', 'authActivityBreakdown', 'Auth activity breakdown')],
  authLogins: [panel('gateway', 'authFailuresByReason', 'Auth failures by reason')],
  // ⚙️ System Health
  servicesUp: [panel('system', 'serviceStatus', 'Service status per instance')],
  heapUsageWorst: [panel('system', 'heapUsageGauges', 'Heap usage per service')],
  heapUsageGauges: [systemOfSeries],
  databaseConnections: [panel('system', 'databaseConnectionPool', 'Connection pool per instance')],
  threadCount: [panel('system', 'jvmThreads', 'JVM threads per instance')],
  gcTimePerMinute: [panel('system', 'gcActivity', 'GC activity per service')],
  cpuLoad: [panel('system', 'loadAverage', 'Load average per service')],
}
