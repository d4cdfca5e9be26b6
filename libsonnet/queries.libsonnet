// PromQL builders: pure functions from metric names and matchers to expression strings.
// Matchers are strings such as 'outcome="allowed"'; selectors from config.libsonnet are matchers.
// Strings are joined with `+`, not `%`: std.format costs ~0.3 ms a call under go-jsonnet, and a
// dashboard builds hundreds of these (measured: 65 ms → see README's bench numbers).
local config = import 'config.libsonnet';

local join(matchers) = std.join(', ', matchers);
local by(labels) = if std.length(labels) == 0 then '' else ' by (' + std.join(', ', labels) + ')';

{
  eq(label, value):: label + '="' + value + '"',
  ne(label, value):: label + '!="' + value + '"',
  re(label, value):: label + '=~"' + value + '"',

  selector(metric, matchers=[])::
    if std.length(matchers) == 0 then metric else metric + '{' + join(matchers) + '}',

  rate(metric, matchers=[], window=config.windows.rate)::
    'rate(' + self.selector(metric, matchers) + '[' + window + '])',
  increase(metric, matchers=[], window=config.windows.period)::
    'increase(' + self.selector(metric, matchers) + '[' + window + '])',

  aggregate(op, expr, labels=[]):: op + by(labels) + ' (' + expr + ')',
  sum(expr, labels=[]):: self.aggregate('sum', expr, labels),
  max(expr, labels=[]):: self.aggregate('max', expr, labels),
  // A count of events that did not happen is 0, not "no data": Micrometer creates a labelled
  // series only on its first event. Only for expressions without grouping labels.
  orZero(expr):: '(' + expr + ' or vector(0))',
  // Rates are per second; panels titled "per minute" multiply by 60.
  perMinute(expr):: expr + ' * 60',

  sumRate(metric, matchers=[], labels=[], window=config.windows.rate)::
    self.sum(self.rate(metric, matchers, window), labels),
  sumRatePerMinute(metric, matchers=[], labels=[])::
    self.perMinute(self.sumRate(metric, matchers, labels)),
  sumIncrease(metric, matchers=[], labels=[], window=config.windows.period)::
    self.sum(self.increase(metric, matchers, window), labels),

  // A ratio whose numerator and denominator each name the outcomes they count.
  ratio(numerator, denominator):: numerator + '\n/\n' + denominator,

  // The share of `denominator` events (a matcher naming outcomes) that were `numerator` events,
  // from the rates of one counter. Ungrouped, no `numerator` events is a share of 0, not no data
  // (a success share with no failures is then 1). No `denominator` events at all stays empty,
  // "No data": a share of nothing is undefined, and a 0 would read as every call failing.
  share(metric, numerator, denominator, matchers=[], labels=[], window=config.windows.rate)::
    local top = self.sum(self.rate(metric, matchers + [numerator], window), labels);
    self.ratio(
      if labels == [] then self.orZero(top) else top,
      self.sum(self.rate(metric, matchers + [denominator], window), labels),
    ),

  // Quantile over a Micrometer histogram: always aggregate the buckets by `le`.
  quantile(q, metric, matchers=[], labels=[])::
    'histogram_quantile(' + ('%g' % q) + ', '
    + self.sumRate(metric + '_bucket', matchers, ['le'] + labels) + ')',

  topk(k, expr):: 'topk(' + k + ', ' + expr + ')',

  // Heap usage per service: sum the pools that have a limit; pools reporting max = -1 are left
  // out of both sides so the ratio stays within 0..1.
  heapUsage(matchers=[], labels=['application'])::
    local limited = self.selector('jvm_memory_max_bytes', ['area="heap"'] + matchers) + ' > 0';
    self.ratio(
      self.sum(self.selector('jvm_memory_used_bytes', ['area="heap"'] + matchers)
               + ' and on (application, instance, id) (' + limited + ')', labels),
      self.sum(limited, labels),
    ),
}
