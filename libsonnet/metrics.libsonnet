// The metrics catalog: every series the platform exports (../shared/spec/metrics-contract.md),
// with its type, the service that owns it, its labels and, where known, their values.
// A label whose value list is null takes free-form values (routes, user ids, pool names).
local services = [
  'api-gateway',
  'auth-server',
  'token-service',
  'analytics-service',
  'config-server',
  'service-discovery',
  'openai-stub',
  'qwen-stub',
  'gemini-stub',
];
local providers = ['openai', 'qwen', 'gemini'];
local successFailure = ['success', 'failure'];

local config = import 'config.libsonnet';

// Scrape labels on every series, and Micrometer's common tag on every series a service exports.
// An environment's scope labels (config.scope: `cluster`) are target labels: on every series too.
local scrape = { job: services, instance: null } + config.scope.catalogLabels;
local micrometer = scrape { application: services };

local metric(type, owners, labels={}) = {
  type: type,
  services: owners,
  labels: micrometer + labels,
};
local counter(owners, labels={}) = metric('counter', owners, labels);
local gauge(owners, labels={}) = metric('gauge', owners, labels);

// A Micrometer timer: count and sum are counters, max a gauge; with a percentiles histogram it
// also exports `_bucket` counters labelled `le`.
local timer(name, owners, labels, histogram=false) = {
  [name + '_count']: counter(owners, labels),
  [name + '_sum']: counter(owners, labels),
  [name + '_max']: gauge(owners, labels),
} + (
  if histogram then { [name + '_bucket']: counter(owners, labels { le: null }) { histogram: true } }
  else {}
);

local authCounter(reasons) = counter(['auth-server'], { outcome: successFailure, reason: reasons });
local dbServices = ['auth-server', 'token-service', 'analytics-service'];
local analyticsCounter = counter(['analytics-service'], { provider: providers, outcome: ['success'] });

{
  services: services,
  providers: providers,

  series: {
            token_consume_total: counter(['token-service'], {
              provider: providers,
              // `attempt` counts every call before the decision: never add it to the other outcomes.
              outcome: ['attempt', 'allowed', 'rate_limited', 'quota_insufficient', 'provider_failure'],
              userId: null,
            }),
            token_quota_lookup_total: counter(['token-service'], {
              provider: providers + ['unknown'],
              outcome: ['found', 'not_found', 'invalid'],
            }),
            token_purchase_saga_started_total: counter(['token-service']),
            token_purchase_saga_completed_total: counter(['token-service']),
            token_purchase_saga_failed_total: counter(['token-service']),
            token_purchase_saga_compensated_total: counter(['token-service']),

            gateway_api_key_validation_total: counter(['api-gateway'], { outcome: successFailure }),
            gateway_api_key_cache_total: counter(['api-gateway'], { outcome: ['hit', 'miss'] }),
            gateway_rate_limit_total: counter(['api-gateway'], { outcome: ['allowed', 'blocked'] }),

            auth_login_total: authCounter(['invalid']),
            auth_register_total: authCounter(['invalid']),
            auth_api_key_create_total: authCounter(['invalid']),
            auth_api_key_validate_total: authCounter(['missing', 'revoked', 'invalid', 'expired']),

            analytics_usage_query_total: analyticsCounter,
            analytics_report_query_total: analyticsCounter,
            analytics_anomaly_query_total: analyticsCounter,

            jvm_memory_used_bytes: gauge(services, { area: ['heap', 'nonheap'], id: null }),
            jvm_memory_committed_bytes: gauge(services, { area: ['heap', 'nonheap'], id: null }),
            // `max` is -1 for pools without a limit (G1 Eden Space, Metaspace): filter with `> 0`.
            jvm_memory_max_bytes: gauge(services, { area: ['heap', 'nonheap'], id: null }),
            jvm_threads_live_threads: gauge(services),
            jvm_threads_peak_threads: gauge(services),
            jvm_threads_daemon_threads: gauge(services),
            jvm_classes_loaded_classes: gauge(services),
            system_cpu_usage: gauge(services),
            process_cpu_usage: gauge(services),
            system_cpu_count: gauge(services),
            // Micrometer exports only the 1-minute load average.
            system_load_average_1m: gauge(services),
            process_uptime_seconds: gauge(services),
            process_start_time_seconds: gauge(services),

            // Spring Boot's further defaults (the contract's "More Spring Boot defaults").
            // Thread states add up to the live threads.
            jvm_threads_states_threads: gauge(services, {
              state: ['runnable', 'blocked', 'waiting', 'timed-waiting', 'new', 'terminated'],
            }),
            // Bytes allocated in the young generation, and promoted to the old one.
            jvm_gc_memory_allocated_bytes_total: counter(services),
            jvm_gc_memory_promoted_bytes_total: counter(services),
            process_files_open_files: gauge(services),
            process_files_max_files: gauge(services),
            // Log events by level (`info` listed first: the common one).
            logback_events_total: counter(services, { level: ['info', 'warn', 'error', 'debug', 'trace'] }),

            jdbc_connections_active: gauge(dbServices, { name: null }),
            jdbc_connections_idle: gauge(dbServices, { name: null }),
            jdbc_connections_max: gauge(dbServices, { name: null }),
            jdbc_connections_min: gauge(dbServices, { name: null }),
            hikaricp_connections_active: gauge(dbServices, { pool: null }),
            hikaricp_connections_idle: gauge(dbServices, { pool: null }),
            hikaricp_connections_pending: gauge(dbServices, { pool: null }),
            hikaricp_connections_max: gauge(dbServices, { pool: null }),
            // Requests that gave up waiting for a connection; the time to get one (a timer
            // without `_max` in the contract).
            hikaricp_connections_timeout_total: counter(dbServices, { pool: null }),
            hikaricp_connections_acquire_seconds_count: counter(dbServices, { pool: null }),
            hikaricp_connections_acquire_seconds_sum: counter(dbServices, { pool: null }),

            // Made by Prometheus itself: only `job` and `instance`, never `application`.
            up: { type: 'gauge', services: services, labels: scrape },
            scrape_duration_seconds: { type: 'gauge', services: services, labels: scrape },
            scrape_samples_scraped: { type: 'gauge', services: services, labels: scrape },
          }
          + timer('http_server_requests_seconds', services, {
            method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'],
            uri: null,
            status: null,
            outcome: ['INFORMATIONAL', 'SUCCESS', 'REDIRECTION', 'CLIENT_ERROR', 'SERVER_ERROR', 'UNKNOWN'],
            exception: null,
          }, histogram=true)
          + timer('jvm_gc_pause_seconds', services, { action: null, cause: null, gc: null }),
}
