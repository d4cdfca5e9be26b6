// 💼 Business Metrics: token consumption, quotas and purchases for product and billing analysis.
local lt = import 'leaky.libsonnet';
local p = lt.platform;
local row = lt.layout.row;

lt.dashboard.new(
  'business',
  'Business-focused metrics for product managers and business analysts: product analytics, '
  + 'billing verification, user behavior analysis.',
  ['provider', 'time_range'],
  [
    row('Key metrics', [
      p.tokensConsumedTotal,
      p.successfulConsumptions,
      p.deniedRequests,
      p.rateLimitedRequests,
      p.providerFailures,
      p.sagaCompletions,
    ]),
    row('Consumption over time', [
      p.consumptionByProvider,
      p.consumptionOutcomesOverTime,
    ]),
    row('Providers and outcomes', [
      p.providerDistribution,
      p.outcomesBreakdown,
      p.providerSuccessRates,
    ]),
    row('Quotas and users', [
      p.quotaLookups,
      p.topUsers,
    ]),
    row('Purchases and daily pattern', [
      p.sagaActivity,
      p.hourlyConsumption,
    ]),
  ],
)
