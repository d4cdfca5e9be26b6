// Every panel of the platform by key, whatever its domain: the dashboards list them as
// `lt.platform.errorRate`. A key is a panel's field name in its domain's file and must be unique
// across the domains (it is the panel's identity, from which its Grafana id is derived).
local domains = {
  traffic: import 'traffic.libsonnet',
  tokens: import 'tokens.libsonnet',
  gateway: import 'gateway.libsonnet',
  system: import 'system.libsonnet',
  slo: import 'slo.libsonnet',
};

local names = std.objectFields(domains);
local keys = std.flattenArrays([std.objectFields(domains[d]) for d in names]);
local twice = std.set([k for k in keys if std.count(keys, k) > 1]);

assert twice == [] : 'platform: panel keys defined by more than one domain: ' + std.join(', ', twice);

std.foldl(function(all, d) all + domains[d], names, {}) + { domains:: domains }
