// Tokens: consumption, its outcomes, quotas, users and SAGA purchases (the token service).
// Every panel reads measures.tokens, which counts decided outcomes only (never `attempt` twice).
local config = import 'config.libsonnet';
local m = import 'measures.libsonnet';
local panels = import 'panels.libsonnet';
local patterns = import 'patterns.libsonnet';
local q = import 'queries.libsonnet';

local sel = config.selectors;
local th = config.thresholds;
local target = panels.target;
local tokens = m.tokens;
// The token service's events for the selected providers.
local forProviders(events) = events.scoped([sel.provider]);
local consumed = forProviders(tokens.consumed);
local decided = forProviders(tokens.decided);

// Each provider's share of allowed consumptions over the selected window.
local distribution(title, donut) = panels.pie(
  title=title,
  description='Allowed token consumptions per provider over the selected window ($time_range): each '
              + 'provider’s share of consumption.',
  unit='short',
  targets=[target(consumed.increase(['provider']), '{{provider}}')],
  donut=donut,
  decimals=0,
);

// Decisions by outcome over the selected window, one bar each.
local outcomes(title) = panels.barGauge(
  title=title,
  description='Token consumption decisions by outcome over the selected window ($time_range). The '
              + '`attempt` outcome is left out: it counts every call again before the decision.',
  unit='short',
  targets=[target(decided.increase(['outcome']), '{{outcome}}')],
  decimals=0,
);

panels.keyed({
  tokensPerMinute: patterns.perMinuteStat(
    title='💰 Tokens consumed per minute',
    description='Allowed token consumptions per minute for the selected providers (outcome allowed only; '
                + 'attempts are not counted twice).',
    unit='opm',
    events=consumed,
    legend='consumed/min',
  ),

  activeUsers: panels.stat(
    title='👥 Active users',
    description='Users with at least one allowed token consumption in the selected window ($time_range), '
                + 'counted in whole hours (the hourly per-user series the recording rules keep).',
    unit='short',
    // count() of nothing is nothing: with no consumption yet (a fresh platform, a provider
    // nobody used in the window) the number of active users is 0, not "No data"; where the
    // token service exports no consumption counter at all it stays "No data".
    targets=[target(tokens.consumptions.orZero('count(' + tokens.perUser([sel.provider]) + ' > 0)'),
                    'active users')],
    decimals=0,
    instant=true,
  ),

  tokensConsumedTotal: patterns.periodTotalStat(
    title='💰 Total tokens consumed ($time_range)',
    description='Allowed token consumptions for the selected providers (outcome allowed; attempts are not '
                + 'counted twice).',
    events=consumed,
    legend='consumed',
  ),

  successfulConsumptions: panels.stat(
    title='✅ Successful consumptions (% of attempts)',
    description='Share of consumption attempts that were allowed (allowed ÷ attempt) for the selected '
                + 'providers over the selected window ($time_range). The rest were denied for quota, rate '
                + 'limited or failed at the provider.',
    unit='percentunit',
    targets=[target(tokens.allowedShare([sel.provider], window=config.windows.period), 'allowed share')],
    decimals=1,
    instant=true,
  ),

  deniedRequests: patterns.periodTotalStat(
    title='🚫 Denied requests (quota insufficient)',
    description='Consumption calls refused because the user’s quota was insufficient (outcome '
                + 'quota_insufficient), for the selected providers.',
    events=forProviders(tokens.denied),
    legend='denied',
  ),

  rateLimitedRequests: patterns.periodTotalStat(
    title='🚦 Rate limited requests',
    description='Consumption calls refused by the token service’s rate limiter (outcome rate_limited), for '
                + 'the selected providers.',
    events=forProviders(tokens.rateLimited),
    legend='rate limited',
  ),

  providerFailures: panels.stat(
    title='❌ Provider failures (last ' + th.providerFailures.window + ')',
    description='Consumption calls that failed at the AI provider (outcome provider_failure) in the last '
                + th.providerFailures.window + ', for the selected providers. '
                + patterns.levelsText(th.providerFailures, suffix=' per 5 min'),
    unit='short',
    targets=[target(tokens.consumptions.orZero(tokens.providerFailuresRecent([sel.provider])), 'failures')],
    thresholds=panels.thresholds.levels(th.providerFailures),
    decimals=0,
  ),

  sagaCompletions: patterns.periodTotalStat(
    title='💵 SAGA purchase completions',
    description='Token purchases whose SAGA completed (all steps committed).',
    events=tokens.saga('completed'),
    legend='completed',
  ),

  consumptionByProvider: panels.timeSeries(
    title='Token consumption by provider',
    description='Allowed token consumptions per minute, one line per provider.',
    unit='opm',
    targets=[patterns.perMinuteByLabel(consumed, 'provider')],
    decimals=1,
  ),

  consumptionOutcomesOverTime: panels.timeSeries(
    title='Consumption outcomes over time',
    description='Consumption decisions per minute, stacked by outcome: the top of the stack is all decided '
                + 'calls. The `attempt` outcome is left out: it counts every call again before the decision.',
    unit='opm',
    targets=[patterns.perMinuteByLabel(decided, 'outcome')],
    stack=true,
    decimals=1,
  ),

  tokenDistribution: distribution('Token consumption distribution', donut=true),

  providerDistribution: distribution('Provider distribution', donut=false),

  consumptionOutcomes: outcomes('Consumption outcomes'),

  outcomesBreakdown: outcomes('Outcomes breakdown'),

  quotaLookups: patterns.outcomesPerMinute(
    title='Quota lookup activity',
    description='Quota look-ups of the token service for the selected providers: found, not_found and '
                + 'invalid (invalid look-ups carry provider "unknown"). Stacked: the top is all look-ups.',
    events=forProviders(tokens.quotaLookups),
  ),

  topUsers: panels.table(
    title='Top users by consumption',
    description='The ten users with the most allowed token consumptions over the selected window '
                + '($time_range, in whole hours: the hourly per-user series the recording rules keep), for '
                + 'the selected providers.',
    unit='short',
    targets=[target(q.topk(10, tokens.perUser([sel.provider])))],
    columns={ userId: 'User', Value: 'Allowed consumptions' },
    sortBy='Allowed consumptions',
  ),

  sagaActivity: panels.timeSeries(
    title='SAGA purchase activity',
    description='Token purchase SAGAs per minute: started, completed, failed and compensated (rolled back '
                + 'after a failed step). Started well above completed, or any compensations, means purchases '
                + 'are failing.',
    unit='opm',
    targets=[target(tokens.saga(step).perMinute(), step) for step in tokens.sagaSteps],
    decimals=2,
  ),

  providerSuccessRates: panels.timeSeries(
    title='Provider success rates',
    description='Per provider, the share of consumption attempts that were allowed (allowed ÷ attempt). '
                + 'A provider falling behind the others is refusing or failing more calls.',
    unit='percentunit',
    targets=[target(tokens.allowedShare([sel.provider], ['provider']), '{{provider}}')],
    decimals=1,
    max=1,
    width=8,
  ),

  hourlyConsumption: panels.timeSeries(
    title='Hourly consumption patterns',
    description='Allowed token consumptions per hour, stacked by provider: one bar per hour shows the '
                + 'daily pattern (use a time range of a day or more).',
    unit='short',
    targets=[target(consumed.increase(['provider'], config.windows.hourly), '{{provider}}')],
    stack=true,
    bars=true,
    decimals=0,
    interval=config.windows.hourly,
  ),
})
