// PromQL builders: pure functions from metric names and matchers to expression strings.
// Matchers are strings such as 'outcome="allowed"'; selectors from config.libsonnet are matchers.
// Strings are joined with `+`, not `%`: std.format costs ~0.3 ms a call under go-jsonnet, and a
// dashboard builds hundreds of these (measured: 65 ms → see README's bench numbers).
local config = import 'config.libsonnet';

local join(matchers) = std.join(', ', matchers);
// The installation's own matchers (config.scope: `cluster="prod"`), first in every selector.
local scoped = config.scope.matchers;
local by(labels) = if std.length(labels) == 0 then '' else ' by (' + std.join(', ', labels) + ')';
// The matchers that choose whose series a query reads (the service: `application`, or `job` on
// Prometheus' own series), not which events (outcome, provider, uri...).
local scope(matchers) = [
  m
  for m in matchers
  if std.startsWith(m, 'application') || std.startsWith(m, 'job')
];

{
  eq(label, value):: label + '="' + value + '"',
  ne(label, value):: label + '!="' + value + '"',
  re(label, value):: label + '=~"' + value + '"',

  // Every series a query reads is chosen here: the installation's scope matchers come first.
  selector(metric, matchers=[])::
    local all = scoped + matchers;
    if std.length(all) == 0 then metric else metric + '{' + join(all) + '}',

  rate(metric, matchers=[], window=config.windows.rate)::
    'rate(' + self.selector(metric, matchers) + '[' + window + '])',
  increase(metric, matchers=[], window=config.windows.period)::
    'increase(' + self.selector(metric, matchers) + '[' + window + '])',

  aggregate(op, expr, labels=[]):: op + by(labels) + ' (' + expr + ')',
  sum(expr, labels=[]):: self.aggregate('sum', expr, labels),
  max(expr, labels=[]):: self.aggregate('max', expr, labels),
  min(expr, labels=[]):: self.aggregate('min', expr, labels),
  // 1 while the selected services export any series of `metrics` (a name or a list), whatever
  // its other labels. group() reads presence, not values: a counter needs no rate here.
  exported(metrics, matchers=[], labels=[])::
    local names = if std.isArray(metrics) then metrics else [metrics];
    local family = std.join(' or ', [self.selector(m, scope(matchers)) for m in names]);
    if labels == [] then 'group(' + family + ')' else self.aggregate('group', family, labels),

  // A count of events that did not happen is 0, not "no data": Micrometer creates a labelled
  // series only on its first event. But only where the family is exported ("exported, no events
  // yet" is 0): a service that does not export `metrics` at all shows "No data", not a confident
  // 0. `matchers` are the expression's; only its service matchers narrow the family. `labels`
  // are the expression's grouping labels (a 0 for each group exporting the family).
  orZero(expr, metrics, matchers=[], labels=[])::
    '(' + expr + ' or 0 * ' + self.exported(metrics, matchers, labels) + ')',
  // Rates are per second; panels titled "per minute" multiply by 60.
  perMinute(expr):: expr + ' * 60',

  sumRate(metric, matchers=[], labels=[], window=config.windows.rate)::
    self.sum(self.rate(metric, matchers, window), labels),
  sumRatePerMinute(metric, matchers=[], labels=[])::
    self.perMinute(self.sumRate(metric, matchers, labels)),
  sumIncrease(metric, matchers=[], labels=[], window=config.windows.period)::
    self.sum(self.increase(metric, matchers, window), labels),

  // A ratio whose numerator and denominator each name the outcomes they count. The denominator
  // must never be 0 (0/0 is NaN): `share` and `errorRatio` say what an empty one means.
  ratio(numerator, denominator):: numerator + '\n/\n' + denominator,

  // The share of `denominator` events (a matcher naming outcomes) that were `numerator` events,
  // from the rates of one counter. Ungrouped, no `numerator` events is a share of 0, not no data
  // (a success share with no failures is then 1). No `denominator` events at all (none exported,
  // or none in the window: 0/0) is "No data", never NaN: a share of nothing is undefined, and a
  // 0 would read as every call failing.
  share(metric, numerator, denominator, matchers=[], labels=[], window=config.windows.rate)::
    local top = self.sum(self.rate(metric, matchers + [numerator], window), labels);
    self.ratio(
      if labels == [] then self.orZero(top, metric, matchers) else top,
      '(' + self.sum(self.rate(metric, matchers + [denominator], window), labels) + ' > 0)',
    ),

  // Errors as a share of all requests. No requests in the window is an error rate of 0 (no
  // requests, no errors), never NaN; where no request series exists at all it stays "No data".
  errorRatio(errors, total):: self.ratio(errors, '(' + total + ' > 0)') + '\nor\n0 * ' + total,

  // `expr` kept only for the groups (`on` labels) where `condition` holds, e.g. enough traffic
  // to judge a ratio.
  when(expr, on, condition):: '(' + expr + ')\nand on (' + std.join(', ', on) + ')\n(' + condition + ')',

  // Quantile over a Micrometer histogram: always aggregate the buckets by `le`. With no request in
  // the window histogram_quantile gives NaN; `>= 0` (false for NaN, true for any latency) makes
  // that "No data".
  quantile(q, metric, matchers=[], labels=[], window=config.windows.rate)::
    self.quantileOf(q, self.sumRate(metric + '_bucket', matchers, ['le'] + labels, window)),
  // The same over bucket rates already summed by `le` (and any other labels kept).
  quantileOf(q, buckets):: '(histogram_quantile(' + ('%g' % q) + ', ' + buckets + ') >= 0)',
  // A fixed window's average of a recorded rate, or the recorded series itself when the window is
  // the one it was recorded over: sum_over_time(x[w]) / sum_over_time(y[w]) is the ratio of x
  // to y over w (every sample weighs the same).
  overWindow(selector, window, recorded):: if window == recorded then selector
  else 'sum_over_time(' + selector + '[' + window + '])',

  // The mean duration of a Micrometer timer's events (`_sum` over `_count` rates); no events in
  // the window is "No data", never NaN.
  meanDuration(timer, matchers=[], labels=[], window=config.windows.rate)::
    self.ratio(self.sumRate(timer + '_sum', matchers, labels, window),
               '(' + self.sumRate(timer + '_count', matchers, labels, window) + ' > 0)'),

  topk(k, expr):: 'topk(' + k + ', ' + expr + ')',
}
