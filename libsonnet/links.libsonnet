// Drill-down links: from a panel to what explains it, keeping the time range and the variables.
// Panels are named by dashboard and key, like the alerts' links: the id comes from the key
// (layout.idOf), so a link keeps its panel when panels move; platform.libsonnet checks that the
// key exists and tests/test_dashboards_links.py that the dashboard shows it.
local config = import 'config.libsonnet';
local layout = import 'layout.libsonnet';

// `name` is a dashboard's file name without `leaky-tokens-`, listed in config.dashboards or not:
// that the dashboard exists, and shows the panel, is checked on the compiled dashboards.
local url(name) = '/d/' + config.dashboard.uidPrefix + name;

{
  // Panel `key` of dashboard `name` on its own (viewPanel), with this dashboard's time range and
  // variables (a variable the other dashboard lacks is ignored by Grafana).
  panel(name, key, title):: {
    title: title,
    url: url(name) + '?viewPanel=' + layout.idOf(key) + '&${__url_time_range}&${__all_variables}',
    targetBlank: false,
    dashboard:: name,
    key:: key,
  },

  // Dashboard `name` with its `service` variable set to `service`, a Grafana expression naming
  // the clicked value's service (`${__data.fields.application}` in a table row,
  // `${__field.labels.application}` on a series), with this time range and datasource.
  service(name, service, title):: {
    title: title,
    url: url(name) + '?var-service=' + service + '&${__url_time_range}&${datasource:queryparam}',
    targetBlank: false,
    dashboard:: name,
  },
}
