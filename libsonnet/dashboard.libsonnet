// The dashboard constructor: everything the spec asks of every dashboard lives here once
// (uid and tags convention, refresh, timezone, shared crosshair, links, datasource variable,
// annotations: restarts and firing alerts).
local annotations = import 'annotations.libsonnet';
local config = import 'config.libsonnet';
local layout = import 'layout.libsonnet';
local variables = import 'variables.libsonnet';

local uid(name) = config.dashboard.uidPrefix + name;

// Where dashboard `name` stands (links, docs, previews): its config.dashboards `order`, else after
// every listed one, by name (leaky_dashboards.library.dashboard_rank says the same).
local order(name) =
  if std.objectHas(config.dashboards, name) then config.dashboards[name].order
  else std.length(config.dashboards) + 1;

// The dashboards a dashboard links to, by name. Evaluated alone, a dashboard knows those
// config.dashboards lists; the build compiles the tree through `assemble`, which hands each one
// every dashboard of dashboards/, each with its own title.
local listed = {
  [name]: { title: config.dashboards[name].title, order: order(name) }
  for name in std.objectFields(config.dashboards)
};

{
  // The uid of dashboard `name` (its file is dashboards/<uid>.jsonnet).
  uid:: uid,

  // name: the file name without `leaky-tokens-` (lint's `uid` rule holds them equal); vars: names
  // from variables.libsonnet; rows: layout rows. `title` and `tags` (beside the `leaky-tokens`
  // tag) default to the dashboard's config.dashboards entry: a dashboard it does not list gives
  // its title here, and stands after the listed ones.
  new(name, description, vars, rows, title=null, tags=null)::
    local own = if std.objectHas(config.dashboards, name) then config.dashboards[name] else {};
    assert title != null || std.objectHas(own, 'title') :
           'dashboard ' + name + ': no title; pass title= (or list it in config.dashboards)';
    {
      local this = self,
      dashboardName:: name,
      dashboardOrder:: order(name),
      // Every dashboard this one links to, by name → {title, order}: see `listed` and `assemble`.
      dashboards:: listed,
      uid: uid(name),
      title: if title != null then title else own.title,
      description: description,
      tags: config.dashboard.tags + (if tags != null then tags else std.get(own, 'tags', [])),
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
          title: this.dashboards[other].title,
          url: '/d/' + uid(other),
          tooltip: 'Open ' + this.dashboards[other].title,
          icon: 'dashboard',
          keepTime: true,
          includeVars: true,
          asDropdown: false,
          targetBlank: false,
          tags: [],
        }
        for other in std.sort(std.objectFields(this.dashboards),
                              function(key) [this.dashboards[key].order, key])
        if other != name
      ],
      templating: { list: [variables.datasource] + [variables[v] for v in vars] },
      panels: layout.grid(rows),
    },

  // Every dashboard of the tree, as the build compiles them (leaky_dashboards.render): `values` are
  // the dashboards/ files' values in file order; each dashboard made by `new` learns every other
  // one's title and order from its own file, so adding a file is enough for the others to link
  // to it. Any other value is handed back as it is (the build names what is wrong with it).
  assemble(values)::
    local made(v) = std.isObject(v) && std.objectHasAll(v, 'dashboardName');
    local index = std.foldl(
      function(acc, d)
        if std.objectHas(acc, d.dashboardName) then acc
        else acc { [d.dashboardName]: { title: d.title, order: d.dashboardOrder } },
      [v for v in values if made(v)],
      {}
    );
    [if made(v) then v { dashboards:: index } else v for v in values],
}
