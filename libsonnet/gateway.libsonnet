// Gateway and auth: the API gateway's key validation, its cache and rate limiter, and the auth
// server's logins, registrations and API keys. Every panel reads measures.gateway or .auth.
local config = import 'config.libsonnet';
local m = import 'measures.libsonnet';
local panels = import 'panels.libsonnet';
local patterns = import 'patterns.libsonnet';

local sel = config.selectors;
local th = config.thresholds;
local target = panels.target;
local num = patterns.num;
local levelsText = patterns.levelsText;
local gateway = m.gateway;
local auth = m.auth;
// The auth server's events with the selected auth outcomes.
local authOutcomes(events) = events.scoped([sel.authOutcome]);

panels.keyed({
  // ---- Gateway ----
  rateLimitBlocks: patterns.perMinuteStat(
    title='🚦 Rate limit blocks per minute',
    description='Requests the API gateway blocked by rate limiting, per minute. '
                + levelsText(th.rateLimitBlocks, suffix='/min'),
    unit='reqpm',
    events=gateway.rateLimitBlocks,
    legend='blocked/min',
    thresholds=panels.thresholds.levels(th.rateLimitBlocks),
  ),

  apiKeyValidationsPerMinute: patterns.perMinuteStat(
    title='🔑 API key validations per minute',
    description='API keys the gateway validated per minute, successful or not.',
    unit='opm',
    events=gateway.apiKeyValidations,
    legend='validations/min',
  ),

  validationSuccessRate: panels.stat(
    title='✅ Validation success rate',
    description='Share of the gateway’s API key validations that succeeded (success ÷ success + failure). '
                + 'Red below ' + num((1 - th.errorRate.critical) * 100) + '%, yellow below '
                + num((1 - th.errorRate.warning) * 100) + '% (the error-rate levels seen from the other side).',
    unit='percentunit',
    targets=[target(gateway.validationSuccess(), 'success rate')],
    thresholds=panels.thresholds.success(th.errorRate),
    decimals=2,
  ),

  cacheHitRate: panels.stat(
    title='💾 Cache hit rate',
    description='Share of API key look-ups the gateway answered from its cache (hit ÷ hit + miss). Lower '
                + 'means more validations reach the auth server.',
    unit='percentunit',
    targets=[target(gateway.cacheHits(), 'hit rate')],
    decimals=1,
  ),

  apiKeyValidationResults: patterns.outcomesPerMinute(
    title='API key validation results',
    description='API key validations at the gateway, success and failure, stacked: the top is all validations.',
    events=gateway.apiKeyValidations,
  ),

  cachePerformance: patterns.outcomesPerMinute(
    title='Cache performance',
    description='API key cache look-ups at the gateway, hits and misses, stacked: the top is all look-ups.',
    events=gateway.apiKeyCache,
  ),

  rateLimitingActivity: patterns.outcomesPerMinute(
    title='Rate limiting activity',
    description='Requests the gateway’s rate limiter allowed and blocked, stacked: the top is all requests '
                + 'it checked.',
    events=gateway.rateLimit,
  ),

  // ---- Auth server ----
  authRegistrations: patterns.perMinuteStat(
    title='🚪 Auth registrations per minute',
    description='User registrations at the auth server per minute, with the selected auth outcomes.',
    unit='opm',
    events=authOutcomes(auth.flow('register').events),
    legend='registrations/min',
  ),

  authLogins: patterns.perMinuteStat(
    title='🔐 Auth logins per minute',
    description='Logins at the auth server per minute, with the selected auth outcomes.',
    unit='opm',
    events=authOutcomes(auth.flow('login').events),
    legend='logins/min',
  ),

  authActivityBreakdown: panels.pie(
    title='Auth activity breakdown',
    description='Auth server operations over the selected window ($time_range) by kind (login, register, '
                + 'API key create and validate) and outcome, for the selected auth outcomes.',
    unit='short',
    targets=[
      target(authOutcomes(flow.events).increase(['outcome']), flow.name + ' {{outcome}}')
      for flow in auth.flows
    ],
    decimals=0,
  ),

  authFailuresByReason: panels.timeSeries(
    title='Auth failures by reason (per minute)',
    description='Failed auth operations per minute by operation and reason, stacked: the top of the stack '
                + 'is all auth failures, compared with the alert levels drawn as lines. '
                + levelsText(th.authFailures, suffix='/min'),
    unit='opm',
    targets=[
      patterns.perMinuteByLabel(flow.events.where([auth.failed]), 'reason', flow.name + ': ')
      for flow in auth.flows
    ],
    stack=true,
    thresholds=panels.thresholds.levels(th.authFailures),
    decimals=1,
    width=8,
  ),

  apiKeyOperations: panels.timeSeries(
    title='API key operations',
    description='API keys created and validated at the auth server per minute, by outcome (the selected '
                + 'auth outcomes).',
    unit='opm',
    targets=[
      patterns.perMinuteByLabel(authOutcomes(flow.events), 'outcome', flow.name + ' ')
      for flow in auth.apiKeyFlows
    ],
    decimals=1,
    width=8,
  ),
})
