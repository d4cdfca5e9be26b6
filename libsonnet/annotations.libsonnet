// Annotations: the event markers every dashboard draws on its graphs, from config.annotations,
// each a toggle at the top of the dashboard, querying Prometheus through the dashboard's
// `datasource` variable. dashboard.libsonnet gives every dashboard this list.
local config = import 'config.libsonnet';
local m = import 'measures.libsonnet';
local panels = import 'panels.libsonnet';

local sel = config.selectors;

// The variables that narrow processes, by variable name: a dashboard's restarts follow those it
// offers (and only those: a variable it lacks would stay literal in the query).
local processScope = { service: sel.service, instance: sel.instance };

// Grafana's own annotations and alerts (comments added on a graph), on every dashboard.
local builtIn = {
  builtIn: 1,
  datasource: { type: 'grafana', uid: '-- Grafana --' },
  enable: true,
  hide: true,
  iconColor: 'rgba(0, 211, 255, 1)',
  name: 'Annotations & Alerts',
  type: 'dashboard',
};

// One Prometheus annotation: `own` is its row of config.annotations. Grafana marks each time
// the query returns a non-zero value, one region per run of steps, titled and tagged from labels.
local prometheus(own, expr, title, text, tagKeys, useValueForTime=false) = {
  name: own.name,
  datasource: panels.datasource,
  enable: own.enable,
  hide: false,  // the toggle shows at the top of the dashboard
  iconColor: own.iconColor,
  expr: expr,
  step: '1m',
  titleFormat: title,
  textFormat: text,
  tagKeys: std.join(',', tagKeys),
  useValueForTime: useValueForTime,
};

local kinds = {
  // Marked at the very instant each process started: the query returns the start time (in ms)
  // and Grafana places the marker at the value, not at the sample's time. Exact, cheap (a plain
  // selector, no range function, no window to choose) and it also shows a replacement instance
  // (a new `instance`), which `changes()` over one series would miss. A start before the
  // dashboard's range lies off the graphs.
  restarts(vars):: prometheus(
    config.annotations.restarts,
    m.process.startTime([processScope[v] for v in vars if std.objectHas(processScope, v)]) + ' * 1000',
    title='Process start',
    text='{{application}} started on {{instance}}',
    tagKeys=['application', 'instance'],
    useValueForTime=true,
  ),
  firingAlerts(vars):: prometheus(
    config.annotations.firingAlerts,
    m.alerts.firing,
    title='{{alertname}} ({{severity}})',
    text='{{alertname}} ({{severity}}) firing: {{application}} {{job}} {{instance}} {{provider}}',
    tagKeys=['alertname', 'severity'],
  ),
};

{
  // The annotation list of a dashboard offering `vars`: Grafana's built-in one, then every
  // kind of config.annotations in its order.
  list(vars):: [builtIn] + [
    kinds[key](vars)
    for key in std.sort(std.objectFields(config.annotations), function(k) config.annotations[k].order)
  ],
}
