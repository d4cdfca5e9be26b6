// 🛡️ Gateway & Security: API key validation, caching, rate limiting and authentication.
local lt = import 'leaky.libsonnet';
local p = lt.platform;
local row = lt.layout.row;

lt.dashboard.new(
  'gateway',
  'API Gateway, authentication, and security monitoring: security monitoring, API key '
  + 'management, rate limiting analysis.',
  ['auth_outcome', 'time_range'],
  [
    row('Key metrics', [
      p.apiKeyValidationsPerMinute,
      p.validationSuccessRate,
      p.cacheHitRate,
      p.rateLimitBlocks,
      p.authRegistrations,
      p.authLogins,
    ]),
    row('Gateway', [
      p.apiKeyValidationResults,
      p.cachePerformance,
      p.rateLimitingActivity,
      p.gatewayLatencyHeatmap,
    ]),
    row('Authentication', [
      p.authActivityBreakdown,
      p.authFailuresByReason,
      p.apiKeyOperations,
    ]),
  ],
)
