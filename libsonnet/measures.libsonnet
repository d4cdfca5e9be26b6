// Measures: the PromQL of each thing the platform measures, written once and read by the panels
// (traffic, tokens, gateway, system) and by the alerts. A measure takes the matchers that scope
// it (`scope`: a dashboard's variables, which come first), the labels it keeps and its window,
// so a panel and an alert of one measure differ only in those, never in what they count.
// The contract's traps live here: decided token outcomes only, users' HTTP traffic only (no
// /actuator), heap over every heap pool per instance, a failure counter that never fired is 0.
local config = import 'config.libsonnet';
local q = import 'queries.libsonnet';

local sel = config.selectors;
// A rule's grouping: `labels` and the installation's scope labels (config.scope `keep`), so what
// a rule records or alerts on still carries the cluster its series came from.
local keep = config.scope.keep;
local th = config.thresholds;
local windows = config.windows;

local outcome(value) = q.eq('outcome', value);

// A counter of events: its metric and the matchers that pick the events.
local counter(metric, matchers=[]) = {
  metric: metric,
  matchers: matchers,
  // The same events among the series `scope` selects (scope matchers first).
  scoped(scope):: counter(metric, scope + matchers),
  // Only the events that also match `more`.
  where(more):: counter(metric, matchers + more),
  // Events per second, per minute, and over a period (the time_range variable by default).
  rate(labels=[], window=windows.rate):: q.sumRate(metric, matchers, labels, window),
  perMinute(labels=[], window=windows.rate):: q.perMinute(self.rate(labels, window)),
  increase(labels=[], window=windows.period):: q.sumIncrease(metric, matchers, labels, window),
  // An ungrouped count of these events is 0, not "No data", where the family is exported.
  orZero(expr):: q.orZero(expr, metric, matchers),
};

local http = 'http_server_requests_seconds';

// Recorded series (rules.libsonnet records them): users' HTTP traffic per application over the
// recording window, and the bad share of each SLI over each window the SLOs look at. Named in
// the mixin convention level:metric:operations.
local recordingWindow = config.recording.window;
local recorded = {
  window: recordingWindow,
  requests: 'application:http_server_requests:rate' + recordingWindow,
  errors: 'application:http_server_requests_errors:rate' + recordingWindow,
  buckets: 'application_le:http_server_requests_seconds_bucket:rate' + recordingWindow,
  // Each application's 95th percentile of user response time over the recording window, from
  // the recorded buckets (a later group: it reads them): what the per-service p95 line, the
  // health table and the latency alert read, 9 series where the buckets are 9 × 72.
  latencyP95: 'application:http_server_requests_seconds:p95_rate' + recordingWindow,
  // Token consumption summed over its users, per instance, provider and outcome: a counter (an
  // instance's series restart together, so the sum resets with them and rate() sees it).
  tokens: 'provider_outcome_instance:token_consume_total:sum',
  // Allowed consumptions per user and provider over each hour (recorded hourly).
  userTokens: 'userid_provider:token_consume_allowed:increase' + config.recording.users.window,
  // The share of bad requests of SLI `sli` (a key of config.slo.objectives) over `window`.
  badRatio(sli, window)::
    'application:' + { availability: 'http_server_requests_errors', latency: 'http_server_requests_slow' }[sli]
    + ':ratio_rate' + window,
};
local over(name, matchers, window) = q.overWindow(q.selector(name, matchers), window, recordingWindow);
local slo = config.slo;
local budget(sli) = 1 - slo.objectives[sli].objective;
local consume = counter(recorded.tokens);
local rawConsume = counter('token_consume_total');
local allowed = outcome('allowed');
local attempt = outcome('attempt');

// The auth server's counters, one per flow; all have `outcome` and, on failures, `reason`.
local authFlows = [
  { name: 'login', events: counter('auth_login_total') },
  { name: 'register', events: counter('auth_register_total') },
  { name: 'API key create', events: counter('auth_api_key_create_total') },
  { name: 'API key validate', events: counter('auth_api_key_validate_total') },
];
local failed = outcome('failure');

// Heap usage of each instance: bytes in use summed over EVERY heap pool, over the heap limit.
// Pools without a limit of their own report max = -1 (G1 Eden and Survivor, which live inside
// Old Gen's max, the whole -Xmx): -1 is dropped from the denominator only, never a pool from
// the numerator (that would divide Old Gen by Old Gen). `labels` must name the instance.
local heapUsage(scope=[], labels=['application', 'instance']) =
  local heap = ['area="heap"'] + scope;
  q.ratio(
    q.sum(q.selector('jvm_memory_used_bytes', heap), labels),
    q.sum(q.selector('jvm_memory_max_bytes', heap) + ' > 0', labels),
  );

{
  counter:: counter,
  outcome:: outcome,

  // ---- Traffic: HTTP requests of every service ----
  http:: {
    metric: http,
    // Users' requests: Prometheus scrapes /actuator/prometheus and health checks hit
    // /actuator/health on every service; on a quiet service that is most of its traffic.
    users(scope=[]):: scope + [sel.userTraffic],
    requests:: counter(http + '_count', [sel.userTraffic]),
    serverErrors:: self.requests.where([outcome('SERVER_ERROR')]),
    // Server errors as a share of user requests; no requests is 0, never NaN.
    errorRatio(scope=[], labels=[], window=windows.rate)::
      q.errorRatio(self.serverErrors.scoped(scope).rate(labels, window),
                   self.requests.scoped(scope).rate(labels, window)),
    // A quantile of user response time; no requests is "No data", never NaN.
    latency(quantile, scope=[], labels=[], window=windows.rate)::
      q.quantile(quantile, http, self.users(scope), labels, window),
    // User requests per second in each response-time bucket (`le`).
    buckets(scope=[], labels=[], window=windows.rate)::
      q.sumRate(http + '_bucket', self.users(scope), ['le'] + labels, window),

    // ---- the same, read from the recorded series over the recording window (5m) ----
    // The raw expressions the recording rules record, per application; a family exported with no
    // user request yet is recorded as 0 (scrapes and health checks are not users).
    recording:: {
      local per = keep(['application']),
      requests: q.orZero($.http.requests.rate(per, recordingWindow), http + '_count', [], per),
      errors: q.orZero($.http.serverErrors.rate(per, recordingWindow), http + '_count', [], per),
      buckets: $.http.buckets([], per, recordingWindow),
      // Over the recorded buckets; no request is no value (never a recorded NaN).
      latencyP95: $.http.recordedLatency(0.95, [], per),
    },
    // User requests of the services `scope` picks, as events a pattern counts (`rate`,
    // `perMinute`); the recorded 0 is already there, so `orZero` adds nothing.
    recordedRequests:: {
      scoped(scope):: self { scope:: scope },
      scope:: [],
      rate(labels=[]):: q.sum(q.selector(recorded.requests, self.scope), labels),
      perMinute(labels=[]):: q.perMinute(self.rate(labels)),
      orZero(expr):: expr,
    },
    // Server errors as a share of user requests over the recording window; no requests is 0.
    recordedErrorRatio(scope=[], labels=[])::
      q.errorRatio(q.sum(q.selector(recorded.errors, scope), labels), self.recordedRequests.scoped(scope).rate(labels)),
    recordedBuckets(scope=[], labels=[]):: q.sum(q.selector(recorded.buckets, scope), ['le'] + labels),
    // A quantile of user response time over the recording window; no requests is "No data".
    recordedLatency(quantile, scope=[], labels=[]):: q.quantileOf(quantile, self.recordedBuckets(scope, labels)),
    // The p95 of each application `scope` selects, as recorded (recordedLatency(0.95) per
    // application, read without recomputing it from the buckets).
    recordedLatencyP95ByApplication(scope=[]):: q.selector(recorded.latencyP95, scope),
  },

  recorded:: recorded,

  // ---- Service level objectives (config.slo): users' requests to the gateway edge ----
  slo:: {
    objectives:: slo.objectives,
    // The SLIs (keys of config.slo.objectives) in their order.
    keys:: std.sort(std.objectFields(slo.objectives), function(k) slo.objectives[k].order),
    // The bad share of SLI `sli` over `window`, from the recorded 5-minute rates: server errors
    // (availability), or requests slower than the SLO bucket, 1 - le/all (latency). No request in
    // the window is no value, never NaN. Recorded by rules.libsonnet for every window it needs.
    badRatio(sli, window)::
      local scope = [slo.selector];
      local requests = '(' + over(recorded.requests, scope, window) + ' > 0)';
      if sli == 'availability' then q.ratio(over(recorded.errors, scope, window), requests)
      else '1 - (' + q.ratio(
        q.sum(over(recorded.buckets, scope + [q.eq('le', slo.objectives[sli].le)], window), keep(['application'])),
        requests
      ) + ')',
    // The recorded bad share, as panels and alerts read it.
    bad(sli, window):: q.selector(recorded.badRatio(sli, window), [slo.selector]),
    // The SLI: the good share over `window`.
    sli(sli, window):: '1 - ' + self.bad(sli, window),
    // How many times faster than the objective allows the budget burns over `window` (1: the
    // budget lasts exactly the SLO window).
    burnRate(sli, window):: self.bad(sli, window) + ' / ' + ('%g' % budget(sli)),
    // The share of the SLO window's error budget not yet spent (0 once spent: the burn rate says
    // by how much).
    budgetLeft(sli):: 'clamp_min(1 - ' + self.burnRate(sli, slo.window) + ', 0)',
    budget:: budget,
  },

  // ---- Tokens: consumption, quotas, purchases ----
  tokens:: {
    // Every panel and alert reads the recorded sum (recorded.tokens), whose series do not grow
    // with the users; `raw` is the exported counter, with `userId`, that the rules read.
    raw:: rawConsume,
    consumptions:: consume,
    // Allowed consumptions: the tokens users really spent.
    consumed:: consume.where([allowed]),
    // Every decided call: `attempt` counts each call a second time, before the decision.
    decided:: consume.where([q.ne('outcome', 'attempt')]),
    denied:: consume.where([outcome('quota_insufficient')]),
    rateLimited:: consume.where([outcome('rate_limited')]),
    providerFailures:: consume.where([outcome('provider_failure')]),
    // Provider failures over the alert table's window.
    providerFailuresRecent(scope=[], labels=[])::
      self.providerFailures.scoped(scope).increase(labels, th.providerFailures.window),
    // Allowed as a share of attempts; no attempts is "No data".
    allowedShare(scope=[], labels=[], window=windows.rate)::
      q.share(consume.metric, allowed, attempt, scope, labels, window),
    // The rule recording consumption without users: every label but `userId` kept.
    recording:: 'sum without (userId) (' + q.selector(rawConsume.metric) + ')',
    // The rule recording each user's allowed consumptions per provider over the users' window.
    usersRecording:: rawConsume.where([allowed]).increase(keep(['userId', 'provider']), config.recording.users.window),
    // Each user's allowed consumptions over `window` (whole recorded hours), for the providers
    // `scope` selects: one sample per user, provider and hour.
    perUser(scope=[], window=windows.period)::
      q.sum('sum_over_time(' + q.selector(recorded.userTokens, scope) + '[' + window + '])', ['userId']),
    quotaLookups:: counter('token_quota_lookup_total'),
    saga(step):: counter('token_purchase_saga_' + step + '_total'),
    sagaSteps:: ['started', 'completed', 'failed', 'compensated'],
  },

  // ---- Gateway: API key validation, its cache, rate limiting ----
  gateway:: {
    rateLimit:: counter('gateway_rate_limit_total'),
    rateLimitBlocks:: self.rateLimit.where([outcome('blocked')]),
    apiKeyValidations:: counter('gateway_api_key_validation_total'),
    // Successful validations as a share of success + failure.
    validationSuccess(window=windows.rate)::
      q.share(self.apiKeyValidations.metric, outcome('success'), q.re('outcome', 'success|failure'), window=window),
    apiKeyCache:: counter('gateway_api_key_cache_total'),
    cacheHits(window=windows.rate)::
      q.share(self.apiKeyCache.metric, outcome('hit'), q.re('outcome', 'hit|miss'), window=window),
  },

  // ---- Auth server: logins, registrations, API keys ----
  auth:: {
    flows:: authFlows,
    flow(name):: [f for f in authFlows if f.name == name][0],
    apiKeyFlows:: [f for f in authFlows if std.startsWith(f.name, 'API key')],
    failed:: failed,
    // Failed operations of every flow per minute (per `labels` group); a flow that never failed
    // counts as 0.
    failuresPerMinute(window=windows.rate, labels=[])::
      q.perMinute('(' + std.join(' + ', [
        q.orZero(flow.events.where([failed]).rate(labels, window), [f.events.metric for f in authFlows], [], labels)
        for flow in authFlows
      ]) + ')'),
  },

  // ---- JVM and system ----
  jvm:: {
    heapUsage:: heapUsage,
    // The worst instance's heap usage per `labels` group (all of them when empty): a replica
    // near its limit is never averaged away by healthy siblings.
    worstHeapUsage(scope=[], labels=[]):: q.max(heapUsage(scope), labels),
    // Seconds paused in garbage collection (its rate: pause time per second of wall time).
    gcPause:: counter('jvm_gc_pause_seconds_sum'),
    // Garbage collection pauses (events), and their mean duration.
    gcPauses:: counter('jvm_gc_pause_seconds_count'),
    gcPauseMean(scope=[], labels=[]):: q.meanDuration('jvm_gc_pause_seconds', scope, labels),
    // The longest pause Micrometer saw recently (its timer's decaying max).
    gcPauseMax(scope=[], labels=[]):: q.max(q.selector('jvm_gc_pause_seconds_max', scope), labels),
    // Bytes allocated in the young generation, and promoted to the old one.
    allocated:: counter('jvm_gc_memory_allocated_bytes_total'),
    promoted:: counter('jvm_gc_memory_promoted_bytes_total'),
    // Bytes of each memory pool (`kind`: used, committed or max) per instance and pool. Pools
    // without a limit report max = -1: `> 0` leaves them without a max line, never at -1.
    poolBytes(kind, scope=[], labels=['application', 'instance', 'id'])::
      local bytes = q.selector('jvm_memory_' + kind + '_bytes', scope);
      q.max(if kind == 'max' then bytes + ' > 0' else bytes, labels),
    // Each pool's use of its own limit: only pools that have one (max = -1 pools have no usage).
    poolUsage(scope=[], labels=['application', 'instance', 'id'])::
      q.ratio(self.poolBytes('used', scope, labels), self.poolBytes('max', scope, labels)),
    // Live threads of each instance by state (they add up to the live threads).
    threadStates(scope=[], labels=['application', 'instance', 'state'])::
      q.max(q.selector('jvm_threads_states_threads', scope), labels),
  },

  // ---- Process: CPU, file descriptors, logs ----
  process:: {
    // When each process started (seconds since the epoch): a new value is a restart.
    startTime(scope=[]):: q.selector('process_start_time_seconds', scope),
    // How often each process restarted within `window`.
    restarts(scope=[], window='$__range'):: 'changes(' + self.startTime(scope) + '[' + window + '])',
    // Open file descriptors as a share of the process' limit (a limit of 0 or less is no limit).
    fdUsage(scope=[], labels=['application', 'instance'])::
      q.ratio(q.max(q.selector('process_files_open_files', scope), labels),
              q.max(q.selector('process_files_max_files', scope) + ' > 0', labels)),
    // Log events by level (Logback); `errors` are the `error` ones.
    logEvents:: counter('logback_events_total'),
    logErrors:: self.logEvents.where([q.eq('level', 'error')]),
  },

  // ---- Database pools (Hikari): only the services with a database export them ----
  database:: {
    hikariTimeouts:: counter('hikaricp_connections_timeout_total'),
    // The mean time a request waited to get a connection.
    hikariAcquireMean(scope=[], labels=[]):: q.meanDuration('hikaricp_connections_acquire_seconds', scope, labels),
  },

  // Alerts while they fire: the series Prometheus' rule manager writes for each firing alert.
  alerts:: {
    firing:: q.selector('ALERTS', [q.eq('alertstate', 'firing')]),
  },

  // Scrape targets: `up` is made by Prometheus and has only `job` and `instance`.
  targets:: {
    up(scope=[]):: q.selector('up', scope),
    instanceDown:: self.up() + ' == 0',
    // `up` per service under the label every other measure uses: its `job` copied to
    // `application` (the contract: job = the service name), so a table can merge it with them.
    // label_join of one label copies it, without label_replace's `$1` (a Grafana variable).
    asService(expr):: 'label_join(' + expr + ', "application", "", "job")',
    // Instances of each service Prometheus reached on its last scrape, and all its instances.
    // Counted, never summed: a service whose every instance is down counts 0.
    instances(scope=[]):: 'count by (application) (' + self.asService(self.up(scope)) + ')',
    instancesUp(scope=[])::
      'count by (application) (' + self.asService(self.up(scope) + ' == 1') + ')\nor\n0 * ' + self.instances(scope),
    // Every instance of a service (`job`, and any other `labels` kept) down.
    serviceDown(labels=['job']):: q.max(self.up(), labels) + ' == 0',
  },
}
