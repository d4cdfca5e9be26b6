// Bundles renderer/src into one browser script (build/renderer/renderer.js by default), with
// uPlot's stylesheet inlined as text. Deterministic: same lockfile and sources, same bytes.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

// @grafana/data imports moment-timezone with every zone's whole history (715 KB of the bundle);
// the preview shows UTC only, so the package's own build with ten years of data stands in for it.
const lighterZones = {
  name: 'moment-timezone-10-years',
  setup(b) {
    b.onResolve({ filter: /^moment-timezone$/ }, () => ({
      path: resolve(here, 'node_modules', 'moment-timezone', 'builds', 'moment-timezone-with-data-10-year-range.js'),
    }));
  },
};
const outfile = resolve(process.argv[2] ?? resolve(here, '..', 'build', 'renderer', 'renderer.js'));
mkdirSync(dirname(outfile), { recursive: true });

await build({
  entryPoints: [resolve(here, 'src', 'main.js')],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'chrome120',
  minify: true,
  legalComments: 'eof',
  loader: { '.css': 'text' },
  define: { 'process.env.NODE_ENV': '"production"' },
  outfile,
  plugins: [lighterZones],
  logLevel: 'error',
});
