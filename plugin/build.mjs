// Builds the plugins into plugin/dist/, and the companion's dashboard script into companion/dist/dashboard/:
//   main.js, ui.html       Figma: the sandbox code, and the UI with its script inlined (Figma loads the UI from one
//                          HTML string).
//   photoshop/             Photoshop UXP: manifest.json (v5), index.html (the same panel markup) and index.js; a
//                          folder the UXP Developer Tool loads as is.
// `--watch` rebuilds everything on change.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(root, 'dist');
const photoshopDist = path.join(dist, 'photoshop');
const htmlSource = path.join(root, 'ui', 'index.html');
const photoshopManifest = path.join(root, 'photoshop', 'manifest.json');
const SCRIPT_MARKER = '<!-- imagic:ui-script -->';
const isWatch = process.argv.includes('--watch');
const { version } = JSON.parse(await readFile(path.join(root, '..', 'package.json'), 'utf8'));

async function panelHtml(script) {
  const html = await readFile(htmlSource, 'utf8');
  if (!html.includes(SCRIPT_MARKER)) throw new Error(`${htmlSource} lacks the marker ${SCRIPT_MARKER}`);
  // A function replacer keeps "$&" in the script literal.
  return html.replace(SCRIPT_MARKER, () => script);
}

/** After every build of `entry`: write its HTML (and whatever else) with `finish`; also makes esbuild watch the HTML. */
const afterBuild = (entry, finish) => ({
  name: 'after-build',
  setup(build) {
    build.onResolve({ filter: new RegExp(`${entry.replace('.', '\\.')}$`) }, (args) =>
      args.kind === 'entry-point'
        ? { path: path.resolve(args.resolveDir, args.path), watchFiles: [htmlSource, photoshopManifest] }
        : undefined,
    );
    build.onEnd(async (result) => {
      if (result.errors.length > 0) return;
      await finish(result);
    });
  },
});

const writeFigmaUi = async (result) => {
  const script = result.outputFiles?.find((file) => file.path.endsWith('.js'));
  if (script === undefined) throw new Error('the UI build produced no script');
  // "</script" inside the bundle would end the inline script early.
  await writeFile(
    path.join(dist, 'ui.html'),
    await panelHtml(`<script>${script.text.replaceAll('</script', '<\\/script')}</script>`),
  );
  console.log('built plugin/dist/ui.html');
};

const writePhotoshopFolder = async () => {
  await writeFile(path.join(photoshopDist, 'index.html'), await panelHtml('<script src="index.js"></script>'));
  const manifest = JSON.parse(await readFile(photoshopManifest, 'utf8'));
  await writeFile(path.join(photoshopDist, 'manifest.json'), `${JSON.stringify({ ...manifest, version }, null, 2)}\n`);
  console.log('built plugin/dist/photoshop/ (load its manifest.json in the UXP Developer Tool)');
};

// Release builds are minified (the UI bundles zod; import it as `* as z` so unused parts, e.g. locales, shake out);
// watch builds stay readable for the hosts' developer consoles.
const common = {
  bundle: true,
  format: 'iife',
  platform: 'browser',
  logLevel: 'info',
  legalComments: 'none',
  minify: !isWatch,
  define: { IMAGIC_VERSION: JSON.stringify(version) },
};

const mainOptions = {
  ...common,
  entryPoints: [path.join(root, 'main', 'main.ts')],
  outfile: path.join(dist, 'main.js'),
  // Figma's sandbox runs an older JavaScript dialect than the iframe; es2017 is what its docs and samples target.
  target: 'es2017',
};

const uiOptions = {
  ...common,
  entryPoints: [path.join(root, 'ui', 'ui.ts')],
  outfile: path.join(dist, 'ui.js'),
  target: 'es2020',
  write: false,
  plugins: [afterBuild('ui.ts', writeFigmaUi)],
};

const photoshopOptions = {
  ...common,
  entryPoints: [path.join(root, 'photoshop', 'panel.ts')],
  outfile: path.join(photoshopDist, 'index.js'),
  // UXP provides `photoshop` and `uxp` through require(); esbuild leaves those calls in place.
  external: ['photoshop', 'uxp'],
  target: 'es2019',
  plugins: [afterBuild('panel.ts', writePhotoshopFolder)],
};

// The companion's dashboard page (served by the daemon next to its static files, server/dashboard-routes.ts): the same
// daemon client as the panel, so it is built here with it.
const DASHBOARD_BUNDLE = path.join(root, '..', 'companion', 'dist', 'dashboard', 'dashboard.js');
const dashboardOptions = {
  ...common,
  entryPoints: [path.join(root, '..', 'companion', 'src', 'dashboard', 'dashboard.ts')],
  outfile: DASHBOARD_BUNDLE,
  target: 'es2020',
};

await mkdir(photoshopDist, { recursive: true });
const all = [mainOptions, uiOptions, photoshopOptions, dashboardOptions];
if (isWatch) {
  const contexts = await Promise.all(all.map((options) => esbuild.context(options)));
  await Promise.all(contexts.map((context) => context.watch()));
  console.log('watching plugin/, shared/ for changes (Ctrl+C stops)');
} else {
  await Promise.all(all.map((options) => esbuild.build(options)));
}
