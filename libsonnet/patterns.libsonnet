// Panel patterns the domains share (traffic, tokens, gateway, system), and the prose helpers
// their descriptions use. Each pattern takes named arguments and a counter of measures.libsonnet
// (`events`), never a metric name: what is counted is decided there, once.
local config = import 'config.libsonnet';
local panels = import 'panels.libsonnet';
local q = import 'queries.libsonnet';

local target = panels.target;

// A number for prose: whole numbers by std.toString, the rest by %g (std.format is slow under
// go-jsonnet, ~0.7 ms a call, so it is kept off the common path).
local num(x) = if x == std.round(x) then std.toString(std.round(x)) else '%g' % x;

// Events per minute, one line (or stacked band) per value of `label`.
local perMinuteByLabel(events, label, legendPrefix='') =
  target(events.perMinute([label]), legendPrefix + '{{' + label + '}}');

{
  num:: num,
  // A share for prose: 0.998 → '99.8%' (at most three decimals of a percent).
  percent(share):: num(std.round(share * 100000) / 1000) + '%',

  // A colour level described in words, from a row of config.thresholds.
  levelsText(t, scale=1, suffix='')::
    'Yellow above ' + num(t.warning * scale) + suffix + ', red above ' + num(t.critical * scale) + suffix + '.',

  perMinuteByLabel:: perMinuteByLabel,

  // A key metric counting events per minute, with its sparkline; no events is 0.
  perMinuteStat(title, description, unit, events, legend, thresholds=panels.thresholds.neutral, decimals=1)::
    panels.stat(
      title=title,
      description=description,
      unit=unit,
      targets=[target(events.orZero(events.perMinute()), legend)],
      thresholds=thresholds,
      decimals=decimals,
    ),

  // A key metric counting events over the selected window ($time_range): one instant value.
  periodTotalStat(title, description, events, legend):: panels.stat(
    title=title,
    description=description + ' Counted over the selected window ($time_range).',
    unit='short',
    targets=[target(events.orZero(events.increase()), legend)],
    decimals=0,
    instant=true,
  ),

  // Events per minute by outcome, stacked: the top of the stack is every event.
  outcomesPerMinute(title, description, events, stack=true):: panels.timeSeries(
    title=title,
    description=description + ' Per minute, by outcome.',
    unit='opm',
    targets=[perMinuteByLabel(events, 'outcome')],
    stack=stack,
    decimals=1,
  ),

  // A gauge of an instance's state, one series per instance (pools or data sources added up), so
  // a sick replica is never averaged away by its siblings; `scope` picks the services (none:
  // every service exporting the metric).
  perInstance(metric, scope=[config.selectors.service], matchers=[], legendSuffix='')::
    target(q.sum(q.selector(metric, scope + matchers), ['application', 'instance']),
           '{{application}} {{instance}}' + legendSuffix),
}
