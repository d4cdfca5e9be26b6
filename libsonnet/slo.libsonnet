// Service level objectives of the gateway edge (config.slo): users' requests to api-gateway.
// Every panel reads the recorded SLI series (rules.libsonnet), one series each, so the row costs
// next to nothing however long the window.
local config = import 'config.libsonnet';
local m = import 'measures.libsonnet';
local panels = import 'panels.libsonnet';
local patterns = import 'patterns.libsonnet';

local slo = config.slo;
local target = panels.target;
local num = patterns.num;
local objectives = m.slo.keys;
local short = config.recording.window;
local burnWindow = slo.burnRates.critical.pairs[0].long;
local percent = patterns.percent;
local capitalized(key) = std.asciiUpper(key[0]) + key[1:];
// The burn-rate pairs of a severity, in words: '14.4× (over 1h and 5m) and 6× (over 6h and 30m)'.
local pairsText(severity) = std.join(' and ', [
  num(p.factor) + '× (over ' + p.long + ' and ' + p.short + ')'
  for p in slo.burnRates[severity].pairs
]);

// The SLI over the recording window: green at or above its objective, red below.
local sliStat(key) =
  local objective = slo.objectives[key];
  panels.stat(
    title='🎯 Gateway ' + std.asciiLower(objective.name) + ' SLI (' + short + ')',
    description="Share of users' requests to the gateway (/actuator left out) "
                + objective.good + ', over the last ' + short + ' (recorded series). '
                + 'Objective ' + percent(objective.objective) + ' over ' + slo.window
                + ': green at or above it, red below. No data without requests.',
    unit='percentunit',
    targets=[target(m.slo.sli(key, short), std.asciiLower(objective.name))],
    thresholds=panels.thresholds.objective(objective.objective),
    decimals=2,
  );

// What is left of the SLO window's error budget.
local budgetStat(key) =
  local objective = slo.objectives[key];
  panels.stat(
    title='💰 ' + objective.name + ' error budget left (' + slo.window + ')',
    description='Share of the gateway ' + std.asciiLower(objective.name) + ' error budget ('
                + percent(m.slo.budget(key)) + ' of requests over ' + slo.window
                + ') not yet spent: 1 − bad share ÷ budget over the SLO window (recorded; over '
                + 'the history there is when Prometheus holds less). 0% once spent: the burn rate '
                + 'says by how much.',
    unit='percentunit',
    targets=[target(m.slo.budgetLeft(key), 'budget left')],
    decimals=1,
  );

panels.keyed({
  ['slo' + capitalized(key)]: sliStat(key)
  for key in objectives
} + {
  ['slo' + capitalized(key) + 'Budget']: budgetStat(key)
  for key in objectives
} + {
  sloBurnRate: panels.timeSeries(
    title='🔥 Gateway error budget burn rate (' + burnWindow + ')',
    description='How many times faster than its objective allows each gateway SLO spends its '
                + 'error budget, over the last ' + burnWindow + ' (recorded): 1 spends it in exactly '
                + slo.window + '. The burn-rate alerts page at ' + pairsText('critical')
                + ', and open a ticket at ' + pairsText('warning') + '.',
    unit='short',
    targets=[
      target(m.slo.burnRate(key, burnWindow), std.asciiLower(slo.objectives[key].name))
      for key in objectives
    ],
    decimals=1,
    width=8,
  ),
})
