// The dashboard constructor: everything the spec asks of every dashboard lives here once
// (uid and tags convention, refresh, timezone, shared crosshair, links, datasource variable,
// annotations: restarts and firing alerts).
local annotations = import 'annotations.libsonnet';
local config = import 'config.libsonnet';
local layout = import 'layout.libsonnet';
local variables = import 'variables.libsonnet';

local uid(name) = config.dashboard.uidPrefix + name;

{
  // The uid of dashboard `name` (a key of config.dashboards).
  uid:: uid,

  // name: a key of config.dashboards; vars: names from variables.libsonnet; rows: layout rows.
  new(name, description, vars, rows)::
    local own = config.dashboards[name];
    {
      uid: uid(name),
      title: own.title,
      description: description,
      tags: config.dashboard.tags + own.tags,
      refresh: config.dashboard.refresh,
      timezone: config.dashboard.timezone,
      schemaVersion: config.dashboard.schemaVersion,
      time: config.dashboard.time,
      editable: true,
      graphTooltip: 1,  // shared crosshair
      fiscalYearStartMonth: 0,
      liveNow: false,
      annotations: { list: annotations.list(vars) },
      // Drill-down: a link to another dashboard keeps the time range and the variables (a variable
      // the other dashboard lacks is ignored by Grafana).
      links: [
        {
          type: 'link',
          title: config.dashboards[other].title,
          url: '/d/' + uid(other),
          tooltip: 'Open ' + config.dashboards[other].title,
          icon: 'dashboard',
          keepTime: true,
          includeVars: true,
          asDropdown: false,
          targetBlank: false,
          tags: [],
        }
        for other in std.sort(std.objectFields(config.dashboards),
                              function(key) config.dashboards[key].order)
        if other != name
      ],
      templating: { list: [variables.datasource] + [variables[v] for v in vars] },
      panels: layout.grid(rows),
    },
}
