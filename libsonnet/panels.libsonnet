// Panel constructors: one function per visualization kind, called with named arguments
// (`panels.stat(title=..., description=..., unit=..., targets=[...])`). Each returns a panel
// with its size in `gridPos` (w, h); layout.libsonnet places it and gives it its id, so no
// dashboard writes a position or an id by hand.

local datasource = { type: 'prometheus', uid: '${datasource}' };
local refIds = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

local steps(list) = { mode: 'absolute', steps: list };
// A panel's minimum query step (Grafana's "Min interval"), when it has one.
local withInterval(interval) = if interval != null then { interval: interval } else {};

// A panel's key: its stable identity, from which layout.libsonnet derives its Grafana id. Not a
// Grafana field: the build strips it (with lint waivers) before the schema check and output.
local keyField = 'panelKey';
local withKey(key) = { [keyField]: key };

{
  datasource:: datasource,

  keyField:: keyField,
  // Give a panel its key: `lt.panels.stat(...) + lt.panels.withKey('myPanel')`.
  withKey:: withKey,
  // What the panel says instead of "No data" when its query is empty by design (a variable
  // value whose services do not export the metric): `panel + panels.withNoValue('...')`.
  withNoValue(text):: { fieldConfig+: { defaults+: { noValue: text } } },
  // A library of panels, each keyed by its field name: `keyed({ errorRate: panels.stat(...) })`.
  keyed(library):: { [key]: library[key] + withKey(key) for key in std.objectFields(library) },

  // A query. Panels that show one value per series set `instant`; see `oneValue` below.
  target(expr, legend='__auto', format='time_series'):: {
    expr: expr,
    legendFormat: legend,
    format: format,
    range: true,
    instant: false,
  },

  // Data links (`links.libsonnet`): a click on a value opens what explains it. Grafana offers
  // them on every value the panel shows (a stat's number, a gauge's dial, each table cell).
  withDataLinks(links):: { fieldConfig+: { defaults+: { links: links } } },

  // Thresholds: green/yellow/red from a row of config.thresholds (higher is worse) ...
  thresholds: {
    levels(t):: steps([
      { color: 'green', value: null },
      { color: 'yellow', value: t.warning },
      { color: 'red', value: t.critical },
    ]),
    // ... the same levels for a "higher is better" value (a success rate is 1 - error rate) ...
    success(t):: steps([
      { color: 'red', value: null },
      { color: 'yellow', value: 1 - t.critical },
      { color: 'green', value: 1 - t.warning },
    ]),
    // ... a service level objective: red below it, green at or above ...
    objective(o):: steps([
      { color: 'red', value: null },
      { color: 'green', value: o },
    ]),
    // ... or one colour where no level means anything.
    neutral:: steps([{ color: 'blue', value: null }]),
  },

  local withRefIds(targets, instant) = [
    targets[i] {
      refId: refIds[i],
      datasource: datasource,
    } + (if instant then { range: false, instant: true } else {})
    for i in std.range(0, std.length(targets) - 1)
  ],

  // What every panel shares: title, description, datasource, unit, thresholds, size.
  base(type,
       title,
       description,
       unit,
       targets,
       size,
       thresholds=self.thresholds.neutral,
       decimals=null,
       instant=false,
       min=null,
       max=null):: {
    type: type,
    title: title,
    description: description,
    datasource: datasource,
    targets: withRefIds(targets, instant),
    fieldConfig: {
      defaults: {
                  unit: unit,
                  thresholds: thresholds,
                  color: { mode: 'thresholds' },
                } + (if decimals != null then { decimals: decimals } else {})
                + (if min != null then { min: min } else {})
                + (if max != null then { max: max } else {}),
      overrides: [],
    },
    options: {},
    gridPos: { w: size[0], h: size[1] },
  },

  local reduceLast = { calcs: ['lastNotNull'], fields: '', values: false },

  // A key metric: the current value with a sparkline of its history. A value over a whole window
  // (`instant`) is one cheap instant query and has no sparkline.
  stat(title,
       description,
       unit,
       targets,
       thresholds=self.thresholds.neutral,
       decimals=null,
       instant=false):: self.base(
    type='stat',
    title=title,
    description=description,
    unit=unit,
    targets=targets,
    size=[4, 5],
    thresholds=thresholds,
    decimals=decimals,
    instant=instant,
  ) {
    options: {
      reduceOptions: reduceLast,
      graphMode: if instant then 'none' else 'area',
      colorMode: 'value',
      justifyMode: 'auto',
      textMode: 'auto',
      orientation: 'auto',
      wideLayout: true,
      showPercentChange: false,
    },
  },

  // Lines over time, or a stacked area (`stack`); `thresholds` given are drawn as lines.
  timeSeries(title,
             description,
             unit,
             targets,
             stack=false,
             bars=false,
             thresholds=null,
             decimals=null,
             width=12,
             interval=null,
             max=null):: self.base(
    type='timeseries',
    title=title,
    description=description,
    unit=unit,
    targets=targets,
    size=[width, 8],
    thresholds=if thresholds == null then self.thresholds.neutral else thresholds,
    decimals=decimals,
    min=0,
    max=max,
  ) {
    fieldConfig+: {
      defaults+: {
        color: { mode: 'palette-classic' },
        custom: {
          drawStyle: if bars then 'bars' else 'line',
          lineWidth: 1,
          fillOpacity: if stack || bars then 70 else 10,
          gradientMode: 'none',
          showPoints: 'never',
          spanNulls: false,
          stacking: { mode: if stack then 'normal' else 'none', group: 'A' },
          thresholdsStyle: { mode: if thresholds == null then 'off' else 'line' },
        },
      },
    },
    options: {
      legend: { displayMode: 'table', placement: 'bottom', showLegend: true, calcs: ['mean', 'max'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  } + withInterval(interval),

  // Shares of a whole: a donut by default, a full pie with `donut=false`.
  pie(title, description, unit, targets, donut=true, decimals=null):: self.base(
    type='piechart',
    title=title,
    description=description,
    unit=unit,
    targets=targets,
    size=[8, 8],
    decimals=decimals,
    instant=true,
  ) {
    fieldConfig+: { defaults+: { color: { mode: 'palette-classic' } } },
    options: {
      pieType: if donut then 'donut' else 'pie',
      reduceOptions: reduceLast,
      displayLabels: ['percent'],
      legend: { displayMode: 'table', placement: 'right', showLegend: true, values: ['value', 'percent'] },
      tooltip: { mode: 'single', sort: 'none' },
    },
  },

  // One bar per series, coloured by thresholds.
  barGauge(title,
           description,
           unit,
           targets,
           thresholds=self.thresholds.neutral,
           decimals=null,
           max=null):: self.base(
    type='bargauge',
    title=title,
    description=description,
    unit=unit,
    targets=targets,
    size=[8, 8],
    thresholds=thresholds,
    decimals=decimals,
    instant=true,
    min=0,
    max=max,
  ) {
    options: {
      reduceOptions: reduceLast,
      orientation: 'horizontal',
      displayMode: 'gradient',
      valueMode: 'color',
      namePlacement: 'auto',
      showUnfilled: true,
      sizing: 'auto',
      minVizWidth: 8,
      minVizHeight: 16,
      maxVizHeight: 300,
    },
  },

  // A dial per series between `min` and `max`, with threshold markers.
  gauge(title, description, unit, targets, thresholds, min, max, decimals=null, width=8)::
    self.base(
      type='gauge',
      title=title,
      description=description,
      unit=unit,
      targets=targets,
      size=[width, 8],
      thresholds=thresholds,
      decimals=decimals,
      instant=true,
      min=min,
      max=max,
    ) {
      options: {
        reduceOptions: reduceLast,
        orientation: 'auto',
        showThresholdLabels: false,
        showThresholdMarkers: true,
        sizing: 'auto',
        minVizWidth: 75,
        minVizHeight: 75,
      },
    },

  // Distribution over time from Prometheus histogram buckets (one series per `le`); `yUnit` is
  // the buckets' unit, `unit` the cells'.
  heatmap(title, description, bucketsExpr, yUnit, unit='short', interval=null):: self.base(
    type='heatmap',
    title=title,
    description=description,
    unit=unit,
    targets=[self.target(bucketsExpr, '{{le}}', 'heatmap')],
    size=[12, 8],
  ) {
    fieldConfig+: {
      defaults+: { custom: { scaleDistribution: { type: 'linear' }, hideFrom: { legend: false, tooltip: false, viz: false } } },
    },
    options: {
      calculate: false,
      cellGap: 1,
      color: { mode: 'scheme', scheme: 'Oranges', fill: 'dark-orange', scale: 'exponential', exponent: 0.5, steps: 64, reverse: false },
      yAxis: { axisPlacement: 'left', unit: yUnit, reverse: false },
      rowsFrame: { layout: 'auto' },
      legend: { show: true },
      tooltip: { mode: 'single', yHistogram: true, showColorScale: false },
      filterValues: { le: 1e-9 },
      exemplars: { color: 'rgba(255,0,255,0.7)' },
    },
  } + withInterval(interval),

  // Field overrides of a table column, by its readable name.
  column: {
    unit(u):: [{ id: 'unit', value: u }],
    decimals(d):: [{ id: 'decimals', value: d }],
    // The cell coloured green/yellow/red at the levels of a row of config.thresholds.
    levels(t):: [
      { id: 'thresholds', value: $.thresholds.levels(t) },
      { id: 'custom.cellOptions', value: { type: 'color-background' } },
    ],
    // 1/0 shown as UP/DOWN on a green/red cell, for Prometheus' `up`.
    upDown:: [
      {
        id: 'mappings',
        value: [{
          type: 'value',
          options: {
            '0': { text: 'DOWN', color: 'red', index: 0 },
            '1': { text: 'UP', color: 'green', index: 1 },
          },
        }],
      },
      { id: 'custom.cellOptions', value: { type: 'color-background' } },
    ],
  },

  // Rows of instant values with readable column names (`columns`: label or 'Value #A' → name).
  // Several targets are merged into one table on their shared labels; `columnProperties` maps a
  // readable column name to its overrides (see `column`).
  table(title,
        description,
        unit,
        targets,
        columns,
        sortBy,
        width=12,
        height=8,
        columnProperties={},
        sortDesc=true):: self.base(
    type='table',
    title=title,
    description=description,
    unit=unit,
    targets=[t { format: 'table' } for t in targets],
    size=[width, height],
    instant=true,
  ) {
    fieldConfig+: {
      defaults+: { custom: { align: 'auto', cellOptions: { type: 'auto' } } },
      overrides: [
        { matcher: { id: 'byName', options: name }, properties: columnProperties[name] }
        for name in std.objectFields(columnProperties)
      ],
    },
    options: {
      showHeader: true,
      cellHeight: 'sm',
      footer: { show: false, reducer: ['sum'], countRows: false },
      sortBy: [{ displayName: sortBy, desc: sortDesc }],
    },
    transformations:
      (if std.length(targets) > 1 then [{ id: 'merge', options: {} }] else [])
      + [{
        id: 'organize',
        options: {
          excludeByName: { Time: true },
          renameByName: columns,
          indexByName: {},
        },
      }],
  },
}
