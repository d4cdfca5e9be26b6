// Prometheus recording rules in monitoring-mixin style (`prometheusRules`), named
// level:metric:operations. Each records a measure of measures.libsonnet, so the series a panel or
// an alert reads is the expression it would otherwise compute itself.
//
// The groups, in order: the first reads the raw series (users' HTTP traffic per application over
// the recording window); the latency group reads its buckets (each application's p95); the token
// groups read the raw token counter (without users, and each user's hour); the last reads the
// first's series (the SLIs' bad shares over every window the SLOs look at). A rule never reads a series recorded in its own group: Prometheus
// evaluates the groups concurrently, and promtool's backfill (verify) one group per pass.
local config = import 'config.libsonnet';
local m = import 'measures.libsonnet';
local metrics = import 'metrics.libsonnet';

local rec = m.recorded;
local http = m.http.recording;
local slo = config.slo;

// Every window an SLO needs: the burn-rate pairs' and the SLO window itself, shortest first.
local seconds(d) =
  local n = std.parseInt(d[:std.length(d) - 1]);
  n * { m: 60, h: 3600, d: 86400 }[d[std.length(d) - 1]];
local windows = std.sort(
  std.set(
    [slo.window]
    + std.flattenArrays([
      [pair.long, pair.short]
      for severity in std.objectFields(slo.burnRates)
      for pair in slo.burnRates[severity].pairs
    ])
  ),
  seconds,
);
local slis = m.slo.keys;
local sloGroup = 'leaky-tokens-slo.rules';

local groups = [
  {
    name: 'leaky-tokens-http.rules',
    interval: config.recording.interval,
    rules: [
      { record: rec.requests, expr: http.requests },
      { record: rec.errors, expr: http.errors },
      { record: rec.buckets, expr: http.buckets },
    ],
  },
  {
    name: 'leaky-tokens-latency.rules',
    interval: config.recording.interval,
    rules: [{ record: rec.latencyP95, expr: http.latencyP95 }],
  },
  {
    name: 'leaky-tokens-tokens.rules',
    interval: config.recording.tokensInterval,
    rules: [{ record: rec.tokens, expr: m.tokens.recording }],
  },
  {
    name: 'leaky-tokens-users.rules',
    interval: config.recording.users.interval,
    rules: [{ record: rec.userTokens, expr: m.tokens.usersRecording }],
  },
  {
    name: sloGroup,
    interval: config.recording.interval,
    rules: [
      { record: rec.badRatio(sli, window), expr: m.slo.badRatio(sli, window) }
      for sli in slis
      for window in windows
    ],
  },
];

// What the recorded series carry, as the metrics catalog describes a series (the lint checks the
// queries reading them as it checks the raw ones): every service's applications, and `le` on the
// buckets.
local services = metrics.series.http_server_requests_seconds_count.services;
// An environment's scope labels (config.scope) are kept by every rule: on its series too.
local described(name, owners) = {
  type: 'recorded',
  services: owners,
  labels: { application: owners } + config.scope.catalogLabels + (if std.startsWith(name, 'application_le:') then { le: null } else {}),
};
// The token series: the raw counter's labels, less `userId` (a counter still), or only the
// user and provider.
local consume = metrics.series.token_consume_total;
local tokenSeries = {
  [rec.tokens]: consume {
    labels: { [l]: consume.labels[l] for l in std.objectFields(consume.labels) if l != 'userId' },
  },
  [rec.userTokens]: {
    type: 'recorded',
    services: consume.services,
    labels: { userId: null, provider: consume.labels.provider } + config.scope.catalogLabels,
  },
};

{
  windows:: windows,
  groups: groups,
  catalog: {
    [r.record]: described(r.record, if g.name == sloGroup then [slo.application] else services)
    for g in groups
    for r in g.rules
    if !std.objectHas(tokenSeries, r.record)
  } + tokenSeries,
  prometheusRules:: { groups: groups },
}
