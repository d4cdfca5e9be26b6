// Draws every panel of a preview page with its data, values formatted by Grafana's own
// @grafana/data (field config defaults and overrides, reducers, units, decimals, thresholds,
// value mappings, noValue, display names), then records what a viewer reads into
// <script id="display" type="application/json"> and marks <body data-rendered="1">.
//
// Input: <script id="preview-data" type="application/json">
//   {time: {from, to} (ms), panels: {"<side>/<key>": {key, title, type, fieldConfig, options,
//    transformations, frames: [{refId, meta?, fields: [{name, type, values, labels?, config?}]}]}}}
// Every panel's box holds <div class="viz" data-panel="<side>/<key>">.
import {
  FieldType,
  FieldConfigOptionsRegistry,
  applyFieldOverrides,
  createDataFrame,
  createTheme,
  formattedValueToString,
  getDisplayProcessor,
  getFieldDisplayName,
  getFieldDisplayValues,
  getFieldColorModeForField,
  fieldReducers,
  colorManipulator,
  identityOverrideProcessor,
  numberOverrideProcessor,
  stringOverrideProcessor,
  displayNameOverrideProcessor,
  thresholdsOverrideProcessor,
  valueMappingsOverrideProcessor,
  booleanOverrideProcessor,
  dataLinksOverrideProcessor,
  reduceField,
  standardTransformers,
  standardTransformersRegistry,
  transformDataFrame,
} from '@grafana/data';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css';

import { drawGauge, drawPie, drawSparkline, drawHeatmap } from './shapes.js';

const theme = createTheme({ colors: { mode: 'dark' } });
const TIME_ZONE = 'utc';
const identity = (text) => text;

// Grafana's own transformations (merge, organize, ...), each once: the export lists some twice
// under old names.
standardTransformersRegistry.setInit(() => {
  const byId = new Map();
  for (const t of Object.values(standardTransformers)) {
    if (!byId.has(t.id)) byId.set(t.id, { id: t.id, aliasIds: t.aliasIds, name: t.name, transformation: () => t });
  }
  return [...byId.values()];
});

// Grafana's standard field options, as its registry declares their override processors.
const STANDARD = [
  ['displayName', displayNameOverrideProcessor],
  ['unit', stringOverrideProcessor],
  ['min', numberOverrideProcessor],
  ['max', numberOverrideProcessor],
  ['fieldMinMax', booleanOverrideProcessor],
  ['decimals', numberOverrideProcessor],
  ['thresholds', thresholdsOverrideProcessor],
  ['mappings', valueMappingsOverrideProcessor],
  ['color', identityOverrideProcessor],
  ['noValue', stringOverrideProcessor],
  ['links', dataLinksOverrideProcessor],
  ['filterable', booleanOverrideProcessor],
];

function registryFor(fieldConfig) {
  // The panel's custom options (custom.*) are identity-processed, as a panel plugin's are.
  const custom = new Set();
  const visit = (obj, prefix) => {
    for (const [k, v] of Object.entries(obj ?? {})) {
      custom.add(prefix + k);
    }
  };
  visit(fieldConfig?.defaults?.custom, '');
  for (const o of fieldConfig?.overrides ?? []) {
    for (const p of o.properties ?? []) {
      if (typeof p.id === 'string' && p.id.startsWith('custom.')) custom.add(p.id.slice(7));
    }
  }
  return new FieldConfigOptionsRegistry(() => [
    ...STANDARD.map(([id, process]) => ({
      id,
      path: id,
      name: id,
      process,
      shouldApply: () => true,
      override: {},
      editor: {},
    })),
    ...[...custom].map((path) => ({
      id: `custom.${path}`,
      path,
      name: path,
      isCustom: true,
      process: identityOverrideProcessor,
      shouldApply: () => true,
      override: {},
      editor: {},
    })),
  ]);
}

function number(value) {
  if (value === 'NaN') return NaN;
  if (value === '+Inf') return Infinity;
  if (value === '-Inf') return -Infinity;
  return value;
}

// A frame whose time field is a grid ({grid: [start, step, count]}) holds its values on that
// grid, null where Prometheus had no sample: those points are left out, as Grafana never had them.
function expand(f) {
  const grid = f.fields.find((field) => field.grid);
  if (!grid) return f.fields;
  const [start, step, count] = grid.grid;
  const others = f.fields.filter((field) => field !== grid);
  const keep = [];
  for (let i = 0; i < count; i++) if (others.every((o) => o.values[i] !== null)) keep.push(i);
  return f.fields.map((field) =>
    field === grid
      ? { ...field, values: keep.map((i) => start + i * step) }
      : { ...field, values: keep.map((i) => field.values[i]) }
  );
}

function frames(spec) {
  return (spec.frames ?? []).map((f) =>
    createDataFrame({
      refId: f.refId,
      name: f.name,
      meta: f.meta,
      fields: expand(f).map((field) => ({
        name: field.name,
        type: field.type,
        labels: field.labels,
        config: field.config ?? {},
        values: field.type === FieldType.number ? field.values.map(number) : field.values,
      })),
    })
  );
}

// Grafana loads a transformation lazily, so the result arrives asynchronously.
function transformed(spec, data) {
  const steps = (spec.transformations ?? []).filter((t) => !t.disabled);
  if (!steps.length) return Promise.resolve(data);
  return new Promise((resolve, reject) => {
    let out = data;
    transformDataFrame(steps, data, { interpolate: identity }).subscribe({
      next: (result) => (out = result),
      error: reject,
      complete: () => resolve(out),
    });
  });
}

async function processed(spec) {
  const data = await transformed(spec, frames(spec));
  return applyFieldOverrides({
    data,
    fieldConfig: spec.fieldConfig ?? { defaults: {}, overrides: [] },
    fieldConfigRegistry: registryFor(spec.fieldConfig),
    replaceVariables: identity,
    theme,
    timeZone: TIME_ZONE,
  });
}

const text = (display) => formattedValueToString(display);


function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'style') Object.assign(node.style, v);
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

// Whether any frame holds a number: without one, Grafana shows the panel's "No data" value, whose
// numeric 0 is nobody's reading (the record says null).
function hasNumbers(data) {
  return data.some((frame) => frame.length > 0 && frame.fields.some((f) => f.type === FieldType.number));
}

function fieldValues(spec, data, sparkline) {
  const values = getFieldDisplayValues({
    data,
    reduceOptions: spec.options?.reduceOptions ?? { calcs: ['lastNotNull'], values: false },
    fieldConfig: spec.fieldConfig ?? { defaults: {}, overrides: [] },
    replaceVariables: identity,
    theme,
    timeZone: TIME_ZONE,
    sparkline,
  });
  if (!hasNumbers(data)) for (const fd of values) fd.noData = true;
  return values;
}

function record(fd) {
  const d = fd.display;
  return {
    name: d.title ?? fd.name ?? '',
    text: text(d),
    color: d.color ?? '',
    numeric: !fd.noData && Number.isFinite(d.numeric) ? d.numeric : null,
    unit: fd.field?.unit ?? '',
  };
}

// ---- panels ----

// Grafana lays several values out in the grid that makes each as large as it can be.
function layout(count, width, height) {
  let best = { cols: 1, rows: count, size: 0 };
  for (let cols = 1; cols <= count; cols++) {
    const rows = Math.ceil(count / cols);
    const size = Math.min(width / cols, (height / rows) * 2);
    if (size > best.size) best = { cols, rows, size };
  }
  return best;
}

function stat(spec, data, box) {
  const values = fieldValues(spec, data, spec.options?.graphMode !== 'none');
  const colorMode = spec.options?.colorMode ?? 'value';
  const grid = el('div', { class: 'stat-grid' });
  const place = layout(values.length, box.clientWidth, box.clientHeight);
  grid.style.gridTemplateColumns = `repeat(${place.cols}, minmax(0, 1fr))`;
  grid.style.gridTemplateRows = `repeat(${place.rows}, minmax(0, 1fr))`;
  for (const fd of values) {
    const d = fd.display;
    const cell = el('div', { class: 'stat' });
    const shownColor = d.color ?? theme.colors.text.primary;
    if (colorMode === 'background' || colorMode === 'background_solid') {
      cell.style.background = shownColor;
      cell.style.color = '#ffffff';
    }
    if (values.length > 1 && spec.options?.textMode !== 'value') {
      cell.append(el('div', { class: 'stat-name', text: d.title ?? fd.name }));
    }
    const value = el('div', { class: 'stat-value' }, [
      d.prefix ? el('span', { class: 'affix', text: d.prefix }) : '',
      el('span', { text: d.text }),
      d.suffix ? el('span', { class: 'affix', text: d.suffix }) : '',
    ]);
    if (colorMode === 'value') value.style.color = shownColor;
    cell.append(value);
    if (fd.sparkline && spec.options?.graphMode !== 'none') {
      cell.append(drawSparkline(fd.sparkline, shownColor));
    }
    grid.append(cell);
  }
  box.append(grid);
  fitText(box, place);
  return values.map(record);
}

function fitText(box, place) {
  const h = box.clientHeight / place.rows;
  const w = box.clientWidth / place.cols;
  for (const v of box.querySelectorAll('.stat-value')) {
    const chars = Math.max(3, v.textContent.length);
    const size = Math.max(11, Math.min(48, h * (place.rows > 1 ? 0.5 : 0.42), (w * 1.6) / chars));
    v.style.fontSize = `${size}px`;
  }
}

function gauge(spec, data, box) {
  const values = fieldValues(spec, data, false);
  const grid = el('div', { class: 'stat-grid' });
  const place = layout(values.length, box.clientWidth, box.clientHeight);
  grid.style.gridTemplateColumns = `repeat(${place.cols}, minmax(0, 1fr))`;
  grid.style.gridTemplateRows = `repeat(${place.rows}, minmax(0, 1fr))`;
  const named = values.length > 1 ? 16 : 0;
  const side = Math.min(box.clientWidth / place.cols, (box.clientHeight / place.rows - named) / 0.85);
  for (const fd of values) {
    const cell = el('div', { class: 'gauge' });
    cell.append(drawGauge(fd, theme, side));
    if (values.length > 1) cell.append(el('div', { class: 'stat-name', text: fd.display.title ?? fd.name }));
    grid.append(cell);
  }
  box.append(grid);
  return values.map(record);
}

function bargauge(spec, data, box) {
  const values = fieldValues(spec, data, false);
  const list = el('div', { class: 'bars' });
  for (const fd of values) {
    const d = fd.display;
    const share = Math.max(0, Math.min(1, d.percent ?? 0));
    const bar = el('div', { class: 'bar-fill', style: { width: `${share * 100}%`, background: d.color } });
    list.append(
      el('div', { class: 'bar' }, [
        el('div', { class: 'bar-name', text: d.title ?? fd.name }),
        el('div', { class: 'bar-track' }, [bar]),
        el('div', { class: 'bar-value', text: text(d), style: { color: d.color } }),
      ])
    );
  }
  box.append(list);
  return values.map(record);
}

function piechart(spec, data, box) {
  const values = fieldValues(spec, data, false);
  box.append(drawPie(values, box.clientWidth, box.clientHeight));
  return values.map(record);
}

function cellColour(field, display) {
  const type = field.config.custom?.cellOptions?.type ?? field.config.custom?.displayMode ?? 'auto';
  if (type === 'color-background' || type === 'color-background-solid') return ['background', display.color];
  if (type === 'color-text') return ['text', display.color];
  return ['', ''];
}

function table(spec, data, box) {
  const frame = data[0];
  const records = [];
  if (!frame || frame.length === 0 || !frame.fields.length) {
    box.append(el('div', { class: 'no-data', text: noValueOf(spec) }));
    return [{ name: '', text: noValueOf(spec), color: '', numeric: null, unit: spec.fieldConfig?.defaults?.unit ?? '' }];
  }
  const fields = frame.fields.filter((f) => !f.config.custom?.hidden);
  const names = fields.map((f) => getFieldDisplayName(f, frame, data));
  let order = [...Array(frame.length).keys()];
  for (const sort of [...(spec.options?.sortBy ?? [])].reverse()) {
    const i = names.indexOf(sort.displayName);
    if (i < 0) continue;
    const vals = fields[i].values;
    order.sort((a, b) => {
      const x = vals[a];
      const y = vals[b];
      const c = x == null ? 1 : y == null ? -1 : x < y ? -1 : x > y ? 1 : 0;
      return sort.desc ? -c : c;
    });
  }
  const head = el('tr', {}, names.map((n) => el('th', { text: n })));
  const body = order.map((row) =>
    el(
      'tr',
      {},
      fields.map((field, i) => {
        const display = field.display(field.values[row]);
        const [how, color] = cellColour(field, display);
        const td = el('td', { text: text(display) });
        if (how === 'background') {
          td.style.background = color;
          td.style.color = '#fff';
        } else if (how === 'text') td.style.color = color;
        records.push({
          row: order.indexOf(row),
          column: names[i],
          text: text(display),
          color: display.color ?? '',
          colored: how,
          numeric: Number.isFinite(display.numeric) && field.type === FieldType.number ? display.numeric : null,
          unit: field.config.unit ?? '',
        });
        return td;
      })
    )
  );
  box.append(el('table', { class: 'cells' }, [el('thead', {}, [head]), el('tbody', {}, body)]));
  return records;
}

function noValueOf(spec) {
  return spec.fieldConfig?.defaults?.noValue ?? 'No data';
}

function seriesColour(field) {
  const mode = getFieldColorModeForField(field);
  if (mode.isByValue) return field.display(reduceField({ field, reducers: ['lastNotNull'] }).lastNotNull).color;
  return mode.getCalculator(field, theme)(0, 0);
}

function timeseries(spec, data, box, time) {
  const series = [];
  for (const frame of data) {
    const x = frame.fields.find((f) => f.type === FieldType.time);
    if (!x) continue;
    for (const field of frame.fields) {
      if (field.type !== FieldType.number || field.config.custom?.hideFrom?.viz) continue;
      series.push({ x, field, frame });
    }
  }
  if (!series.length) {
    box.append(el('div', { class: 'no-data', text: noValueOf(spec) }));
    return [{ name: '', text: noValueOf(spec), color: '', numeric: null, unit: spec.fieldConfig?.defaults?.unit ?? '' }];
  }
  // One shared x axis: the union of the series' times (Prometheus' range steps coincide).
  const times = [...new Set(series.flatMap((s) => Array.from(s.x.values)))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const stacking = spec.fieldConfig?.defaults?.custom?.stacking?.mode ?? 'none';
  const columns = series.map((s) => {
    const out = new Array(times.length).fill(null);
    s.x.values.forEach((t, i) => {
      const v = s.field.values[i];
      out[index.get(t)] = v == null || Number.isNaN(v) ? null : v;
    });
    return out;
  });
  if (stacking === 'normal') {
    for (let k = 1; k < columns.length; k++) {
      for (let i = 0; i < times.length; i++) {
        if (columns[k][i] != null) columns[k][i] += columns[k - 1][i] ?? 0;
      }
    }
  }
  const legendOptions = spec.options?.legend ?? {};
  const calcs = legendOptions.showLegend === false ? [] : legendOptions.calcs ?? [];
  const legend = [];
  const rows = [];
  const first = series[0].field;
  const uSeries = [{}];
  series.forEach((s) => {
    const name = getFieldDisplayName(s.field, s.frame, data);
    const color = seriesColour(s.field);
    const custom = s.field.config.custom ?? {};
    const fill = (custom.fillOpacity ?? 0) / 100;
    const bars = custom.drawStyle === 'bars';
    uSeries.push({
      label: name,
      stroke: color,
      width: custom.lineWidth ?? 1,
      fill: fill > 0 ? alpha(color, fill) : undefined,
      points: { show: false },
      spanGaps: custom.spanNulls === true,
      paths: bars ? uPlot.paths.bars({ size: [0.8, 20] }) : undefined,
    });
    const reduced = calcs.length ? reduceField({ field: s.field, reducers: calcs }) : {};
    const cells = calcs.map((calc) => {
      const shown = s.field.display(reduced[calc]);
      legend.push({ name, calc, text: text(shown), color, numeric: Number.isFinite(shown.numeric) ? shown.numeric : null, unit: s.field.config.unit ?? '' });
      return text(shown);
    });
    if (!calcs.length) legend.push({ name, calc: '', text: '', color, numeric: null, unit: s.field.config.unit ?? '' });
    rows.push({ name, color, cells });
  });
  const swatch = (color) => el('i', { style: { background: color } });
  let legendBox;
  if (legendOptions.showLegend === false) {
    legendBox = el('div');
  } else if (legendOptions.displayMode === 'table' && calcs.length) {
    const head = el('tr', {}, [el('th'), ...calcs.map((c) => el('th', { text: calcName(c) }))]);
    const body = rows.map((r) =>
      el('tr', {}, [el('td', {}, [swatch(r.color), el('span', { text: r.name })]), ...r.cells.map((c) => el('td', { text: c }))])
    );
    legendBox = el('div', { class: 'legend-table' }, [el('table', {}, [el('thead', {}, [head]), el('tbody', {}, body)])]);
    legendBox.style.maxHeight = `${Math.round(box.clientHeight * 0.34)}px`;
  } else {
    legendBox = el('div', { class: 'legend' }, rows.map((r) =>
      el('span', {}, [swatch(r.color), el('span', { text: r.cells.length ? `${r.name} ${r.cells.join(' ')}` : r.name })])
    ));
  }
  const plotBox = el('div', { class: 'plot' });
  box.classList.add('with-legend');
  box.append(plotBox, legendBox);
  const height = Math.max(40, plotBox.clientHeight);
  const formatAxis = (u, splits) => splits.map((v) => text(first.display(v)));
  const axisStyle = { stroke: '#ccccdc', grid: { stroke: 'rgba(204,204,220,0.07)', width: 1 }, ticks: { show: false }, font: '11px DejaVu Sans' };
  const measure = document.createElement('canvas').getContext('2d');
  measure.font = axisStyle.font;
  const ySize = (u, values) => (values ? Math.ceil(Math.max(24, ...values.map((v) => measure.measureText(v).width)) + 12) : 40);
  const opts = {
    width: box.clientWidth,
    height,
    legend: { show: false },
    cursor: { show: false },
    scales: {
      x: { time: true, range: () => [time.from / 1000, time.to / 1000] },
      y: { range: (u, min, max) => yRange(min, max, first.config) },
    },
    axes: [
      { ...axisStyle, values: (u, splits) => splits.map((v) => utcClock(v)) },
      { ...axisStyle, values: formatAxis, size: ySize },
    ],
    series: uSeries,
  };
  // uPlot draws on a canvas sized by devicePixelRatio; the screenshot is taken at 1.
  new uPlot(opts, [times.map((t) => t / 1000), ...columns], plotBox);
  return legend;
}

function calcName(id) {
  return fieldReducers.getIfExists(id)?.name ?? id;
}

function utcClock(seconds) {
  const d = new Date(seconds * 1000);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

function yRange(min, max, config) {
  let lo = config.min ?? (min == null ? 0 : Math.min(0, min));
  let hi = config.max ?? (max == null ? 1 : max);
  if (hi <= lo) hi = lo + 1;
  return [lo, hi + (config.max == null ? (hi - lo) * 0.05 : 0)];
}

function alpha(color, a) {
  return colorManipulator.alpha(color, a);
}

function heatmap(spec, data, box) {
  const frame = data.find((f) => f.fields.some((x) => x.type === FieldType.time));
  if (!frame || frame.length === 0) {
    box.append(el('div', { class: 'no-data', text: noValueOf(spec) }));
    return [{ name: '', text: noValueOf(spec), color: '', numeric: null, unit: spec.fieldConfig?.defaults?.unit ?? '' }];
  }
  const buckets = frame.fields.filter((f) => f.type === FieldType.number);
  // A bucket is named by its upper bound (`le`), shown in the y axis' unit.
  const yAxis = getDisplayProcessor({
    field: { type: FieldType.number, config: { unit: spec.options?.yAxis?.unit, decimals: spec.options?.yAxis?.decimals } },
    theme,
    timeZone: TIME_ZONE,
  });
  const nameOf = (f) => {
    const raw = getFieldDisplayName(f, frame, data);
    const bound = Number(raw);
    return raw === '+Inf' ? '+Inf' : Number.isFinite(bound) && raw !== '' ? text(yAxis(bound)) : raw;
  };
  box.append(drawHeatmap(frame, buckets, box.clientWidth, box.clientHeight, nameOf));
  return buckets.map((f) => ({ name: nameOf(f), text: '', color: '', numeric: null, unit: spec.options?.yAxis?.unit ?? '' }));
}

const DRAW = { stat, gauge, bargauge, piechart, table, timeseries, heatmap };
// Each drawn panel's frames after transformations and field config, by "<side>/<key>".
const drawnData = {};

async function render() {
  const input = JSON.parse(document.getElementById('preview-data').textContent);
  const style = document.createElement('style');
  style.textContent = uplotCss;
  document.head.append(style);
  const panels = [];
  const unknown = [];
  const timings = {};
  for (const box of document.querySelectorAll('.viz')) {
    const id = box.dataset.panel;
    const spec = input.panels[id];
    if (!spec) continue;
    const draw = DRAW[spec.type];
    const entry = { side: id.split('/')[0], key: spec.key, title: spec.title, type: spec.type, values: [] };
    if (!draw) {
      unknown.push(spec.key);
      entry.unknown = true;
      box.append(el('div', { class: 'unknown', text: `panel type "${spec.type}" is not drawn by the preview` }));
    } else {
      try {
        const started = performance.now();
        const ready = await processed(spec);
        drawnData[id] = ready;
        entry.values = draw(spec, ready, box, input.time);
        timings[spec.key] = Math.round(performance.now() - started);
      } catch (err) {
        entry.error = String(err && err.stack ? err.stack : err);
        box.append(el('div', { class: 'unknown', text: `could not draw: ${err}` }));
      }
    }
    panels.push(entry);
  }
  const out = document.getElementById('display');
  out.textContent = JSON.stringify({ panels, unknown });
  // How long each panel took (ms), for `invoke bench --preview`; not part of the record.
  document.body.dataset.timings = JSON.stringify(timings);
  document.body.dataset.rendered = '1';
}

render().catch((err) => {
  document.body.dataset.rendered = 'error';
  document.body.dataset.error = String(err && err.stack ? err.stack : err);
});

// For checks (verify's display expectations): the text and colour the field named `name` of a
// drawn panel (a table column, a stat's value) gives `value`, and a named colour of the theme.
window.leakyFieldDisplay = (id, name, value) => {
  const data = drawnData[id] ?? [];
  for (const frame of data) {
    for (const field of frame.fields) {
      if (getFieldDisplayName(field, frame, data) === name && field.display) {
        const d = field.display(value);
        return { text: formattedValueToString(d), color: d.color ?? '' };
      }
    }
  }
  return null;
};
window.leakyColor = (name) => theme.visualization.getColorByName(name);

// For the page's own checks (and tests): Grafana's display of one value under a field config.
window.leakyDisplay = (config, value) => {
  const d = getDisplayProcessor({ field: { type: FieldType.number, config }, theme, timeZone: TIME_ZONE })(value);
  return { text: formattedValueToString(d), color: d.color ?? '' };
};

