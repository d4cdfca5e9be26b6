// Template variables. Each narrows the panels that use it; a dashboard offers only those it uses.
local config = import 'config.libsonnet';
local m = import 'measures.libsonnet';
local panels = import 'panels.libsonnet';
local q = import 'queries.libsonnet';

local all = { text: 'All', value: '$__all' };

// A multi-value variable filled from the values of `labelName` on `metric` (a selector: the
// installation's scope matchers narrow it as they narrow the panels); "All" matches all.
local labelValues(name, label, metric, labelName, help) = {
  local definition = 'label_values(' + metric + ', ' + labelName + ')',
  type: 'query',
  name: name,
  label: label,
  description: help,
  datasource: panels.datasource,
  query: { qryType: 1, query: definition, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
  definition: definition,
  refresh: 2,  // on time range change, so new services and providers appear
  sort: 1,
  multi: true,
  includeAll: true,
  allValue: '.*',
  current: all,
  options: [],
  regex: '',
  hide: 0,
};

{
  datasource: {
    type: 'datasource',
    name: 'datasource',
    label: 'Data source',
    description: 'The Prometheus that scrapes the Leaky Tokens services.',
    query: 'prometheus',
    current: { text: config.datasource.name, value: config.datasource.uid },
    options: [],
    regex: '',
    refresh: 1,
    hide: 0,
  },

  // Services are the `application` label; every service exports process metrics.
  service: labelValues('service',
                       'Service',
                       q.selector('process_uptime_seconds'),
                       'application',
                       'Microservice: the application label (job on up, which Prometheus makes).'),
  // Instances of the selected services (chained: picking a service narrows the list).
  instance: labelValues('instance',
                        'Instance',
                        q.selector('process_uptime_seconds', [config.selectors.service]),
                        'instance',
                        'JVM instance (host:port) of the selected services: narrows the JVM panels.'),
  provider: labelValues('provider',
                        'Provider',
                        q.selector(m.recorded.tokens),
                        'provider',
                        'AI provider (openai, qwen, gemini).'),
  auth_outcome: labelValues('auth_outcome',
                            'Auth outcome',
                            q.selector('auth_login_total'),
                            'outcome',
                            'Authentication outcome (success, failure) of the auth activity panels.'),

  // "Over a period" panels (totals, top lists) use this window instead of a fixed 24h.
  time_range: {
    type: 'custom',
    name: 'time_range',
    label: 'Window',
    description: 'Window of the "over a period" panels: totals, top lists, distributions. Opens on the '
                 + 'time picker’s default range, so totals and graphs agree until you change one.',
    query: std.join(',', config.windows.periodChoices),
    current: { text: config.windows.periodDefault, value: config.windows.periodDefault },
    options: [
      { text: w, value: w, selected: w == config.windows.periodDefault }
      for w in config.windows.periodChoices
    ],
    multi: false,
    includeAll: false,
    hide: 0,
  },
}
