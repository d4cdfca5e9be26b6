// Simple SVG and canvas drawings: stat sparklines, gauges, pie charts, heatmaps. The values and
// colours they show come from @grafana/data's display processors (main.js); only the geometry is
// drawn here.
const NS = 'http://www.w3.org/2000/svg';

export function svg(tag, attrs = {}, children = []) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const child of children) node.append(child);
  return node;
}

export function drawSparkline(sparkline, color) {
  const ys = Array.from(sparkline.y.values);
  const xs = sparkline.x ? Array.from(sparkline.x.values) : ys.map((_, i) => i);
  const points = xs
    .map((x, i) => [x, ys[i]])
    .filter(([, y]) => y != null && Number.isFinite(y));
  const box = svg('svg', { class: 'sparkline', viewBox: '0 0 100 30', preserveAspectRatio: 'none' });
  if (points.length < 2) return box;
  const [x0, x1] = [points[0][0], points[points.length - 1][0]];
  let lo = Math.min(...points.map((p) => p[1]));
  let hi = Math.max(...points.map((p) => p[1]));
  if (hi === lo) {
    hi += 1;
    lo -= 1;
  }
  const px = (x) => ((x - x0) / (x1 - x0 || 1)) * 100;
  const py = (y) => 30 - ((y - lo) / (hi - lo)) * 28 - 1;
  const line = points.map(([x, y]) => `${px(x).toFixed(2)},${py(y).toFixed(2)}`).join(' ');
  box.append(
    svg('polygon', { points: `0,30 ${line} 100,30`, fill: color, 'fill-opacity': 0.18, stroke: 'none' }),
    svg('polyline', { points: line, fill: 'none', stroke: color, 'stroke-width': 1.2, 'vector-effect': 'non-scaling-stroke' })
  );
  return box;
}

function arc(cx, cy, r, from, to) {
  const p = (a) => [cx + r * Math.cos(a), cy + r * Math.sin(a)];
  const [x0, y0] = p(from);
  const [x1, y1] = p(to);
  const large = to - from > Math.PI ? 1 : 0;
  return `M ${x0.toFixed(2)} ${y0.toFixed(2)} A ${r} ${r} 0 ${large} 1 ${x1.toFixed(2)} ${y1.toFixed(2)}`;
}

// Grafana's gauge: a 240° arc, the value's share of min..max filled in its colour, the threshold
// bands drawn thin outside it.
export function drawGauge(fd, theme, size) {
  const d = fd.display;
  const s = Math.max(60, size - 8);
  const box = svg('svg', { class: 'gauge-svg', width: s, height: s * 0.85, viewBox: '0 0 100 85' });
  const start = (150 * Math.PI) / 180;
  const sweep = (240 * Math.PI) / 180;
  const min = fd.field.min ?? 0;
  const max = fd.field.max ?? 1;
  const share = (v) => Math.max(0, Math.min(1, (v - min) / (max - min || 1)));
  box.append(svg('path', { d: arc(50, 50, 36, start, start + sweep), stroke: 'rgba(204,204,220,0.1)', 'stroke-width': 10, fill: 'none' }));
  const steps = fd.field.thresholds?.steps ?? [];
  steps.forEach((step, i) => {
    const from = i === 0 ? min : step.value;
    const to = i + 1 < steps.length ? steps[i + 1].value : max;
    if (to <= from) return;
    box.append(
      svg('path', {
        d: arc(50, 50, 44, start + sweep * share(from), start + sweep * share(to)),
        stroke: theme.visualization.getColorByName(step.color),
        'stroke-width': 3,
        fill: 'none',
      })
    );
  });
  const filled = Number.isFinite(d.numeric) ? share(d.numeric) : 0;
  if (filled > 0) {
    box.append(svg('path', { d: arc(50, 50, 36, start, start + sweep * filled), stroke: d.color, 'stroke-width': 10, fill: 'none' }));
  }
  const label = svg('text', { x: 50, y: 56, 'text-anchor': 'middle', fill: d.color ?? '#ccccdc', 'font-size': 15, 'font-weight': 600 });
  label.textContent = `${d.prefix ?? ''}${d.text}${d.suffix ?? ''}`;
  box.append(label);
  return box;
}

export function drawPie(values, width, height) {
  const wrap = document.createElement('div');
  wrap.className = 'pie';
  const size = Math.max(40, Math.min(height - 8, width * 0.55));
  const box = svg('svg', { width: size, height: size, viewBox: '-50 -50 100 100' });
  const numbers = values.map((fd) => (Number.isFinite(fd.display.numeric) && fd.display.numeric > 0 ? fd.display.numeric : 0));
  const total = numbers.reduce((a, b) => a + b, 0);
  let angle = -Math.PI / 2;
  values.forEach((fd, i) => {
    if (!total || !numbers[i]) return;
    const sweep = (numbers[i] / total) * Math.PI * 2;
    const p = (a) => `${(45 * Math.cos(a)).toFixed(2)} ${(45 * Math.sin(a)).toFixed(2)}`;
    const d =
      sweep >= Math.PI * 2 - 1e-9
        ? 'M 0 -45 A 45 45 0 1 1 0 45 A 45 45 0 1 1 0 -45 Z'
        : `M 0 0 L ${p(angle)} A 45 45 0 ${sweep > Math.PI ? 1 : 0} 1 ${p(angle + sweep)} Z`;
    box.append(svg('path', { d, fill: fd.display.color, stroke: '#181b1f', 'stroke-width': 0.8 }));
    angle += sweep;
  });
  const legend = document.createElement('div');
  legend.className = 'legend pie-legend';
  for (const fd of values) {
    const item = document.createElement('span');
    const swatch = document.createElement('i');
    swatch.style.background = fd.display.color;
    const name = document.createElement('span');
    name.textContent = `${fd.display.title ?? fd.name}: ${fd.display.prefix ?? ''}${fd.display.text}${fd.display.suffix ?? ''}`;
    item.append(swatch, name);
    legend.append(item);
  }
  wrap.append(box, legend);
  return wrap;
}

// Buckets bottom to top (as the frame orders them), time left to right; each cell's colour is
// its count's share of the largest count, on Grafana's default "Oranges" scheme, roughly.
export function drawHeatmap(frame, buckets, width, height, nameOf) {
  const wrap = document.createElement('div');
  wrap.className = 'heatmap';
  const axis = 56;
  const canvas = document.createElement('canvas');
  const w = Math.max(10, width - axis);
  const h = Math.max(10, height - 4);
  canvas.width = w;
  canvas.height = h;
  canvas.style.marginLeft = `${axis}px`;
  const ctx = canvas.getContext('2d');
  const n = frame.length;
  let max = 0;
  for (const b of buckets) for (const v of b.values) if (Number.isFinite(v) && v > max) max = v;
  const cw = w / Math.max(1, n);
  const ch = h / Math.max(1, buckets.length);
  buckets.forEach((b, j) => {
    for (let i = 0; i < n; i++) {
      const v = b.values[i];
      if (!Number.isFinite(v) || v <= 0 || !max) continue;
      const t = Math.sqrt(v / max);
      ctx.fillStyle = `rgba(${Math.round(255 - 20 * t)}, ${Math.round(235 - 150 * t)}, ${Math.round(200 - 190 * t)}, ${0.15 + 0.85 * t})`;
      ctx.fillRect(i * cw, h - (j + 1) * ch, Math.ceil(cw), Math.ceil(ch));
    }
  });
  const labels = document.createElement('div');
  labels.className = 'heatmap-axis';
  const every = Math.max(1, Math.ceil(buckets.length / Math.max(1, Math.floor(h / 14))));
  buckets.forEach((b, j) => {
    if (j % every) return;
    const label = document.createElement('span');
    label.textContent = nameOf(b);
    label.style.bottom = `${j * ch}px`;
    labels.append(label);
  });
  wrap.append(labels, canvas);
  return wrap;
}
