// 🚀 Executive Overview: the platform's health at a glance for daily checks and reporting.
local lt = import 'leaky.libsonnet';
local p = lt.platform;
local row = lt.layout.row;

lt.dashboard.new(
  'overview',
  'High-level overview of the entire platform for executives and managers: daily health checks, '
  + 'executive reporting, capacity planning.',
  ['service', 'provider', 'time_range'],
  [
    row('Services at a glance', [
      p.serviceHealth,
      p.errorRateByService,
      p.latencyP95ByService,
    ]),
    row('Key metrics', [
      p.requestsPerMinute,
      p.tokensPerMinute,
      p.latencyP95,
      p.errorRate,
      p.rateLimitBlocks,
      p.activeUsers,
    ]),
    row('Gateway SLOs', [
      p.sloAvailability,
      p.sloLatency,
      p.sloAvailabilityBudget,
      p.sloLatencyBudget,
      p.sloBurnRate,
    ]),
    row('Traffic and latency', [
      p.requestRateByService,
      p.latencyPercentiles,
    ]),
    row('Tokens and memory', [
      p.tokenDistribution,
      p.consumptionOutcomes,
      p.jvmHeapUsage,
    ]),
    row('Latency and endpoints', [
      p.latencyHeatmap,
      p.topEndpoints,
    ]),
  ],
)
