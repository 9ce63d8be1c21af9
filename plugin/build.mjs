// Builds the Figma plugin: plugin/dist/main.js (the sandbox) and plugin/dist/ui.html (the iframe, with its script
// inlined because Figma loads the UI from one HTML string). `--watch` rebuilds both on change.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(root, 'dist');
const htmlSource = path.join(root, 'ui', 'index.html');
const SCRIPT_MARKER = '<!-- imagic:ui-script -->';
const isWatch = process.argv.includes('--watch');
const { version } = JSON.parse(await readFile(path.join(root, '..', 'package.json'), 'utf8'));

/** Writes ui.html from index.html and the bundled script after every UI build; also makes esbuild watch index.html. */
const inlineIntoHtml = {
  name: 'inline-into-html',
  setup(build) {
    build.onResolve({ filter: /ui\.ts$/ }, (args) =>
      args.kind === 'entry-point' ? { path: path.resolve(args.resolveDir, args.path), watchFiles: [htmlSource] } : undefined,
    );
    build.onEnd(async (result) => {
      if (result.errors.length > 0) return;
      const script = result.outputFiles?.find((file) => file.path.endsWith('.js'));
      if (script === undefined) throw new Error('the UI build produced no script');
      const html = await readFile(htmlSource, 'utf8');
      if (!html.includes(SCRIPT_MARKER)) throw new Error(`${htmlSource} lacks the marker ${SCRIPT_MARKER}`);
      // "</script" inside the bundle would end the inline script early; a function replacer keeps "$&" literal.
      const inline = `<script>${script.text.replaceAll('</script', '<\\/script')}</script>`;
      await writeFile(path.join(dist, 'ui.html'), html.replace(SCRIPT_MARKER, () => inline));
      console.log(`built ${path.relative(process.cwd(), path.join(dist, 'ui.html'))}`);
    });
  },
};

// Release builds are minified (the UI bundles zod; import it as `* as z` so unused parts, e.g. locales, shake out); watch builds stay readable for Figma's developer console.
const common = { bundle: true, format: 'iife', platform: 'browser', logLevel: 'info', legalComments: 'none', minify: !isWatch };

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
  define: { IMAGIC_VERSION: JSON.stringify(version) },
  plugins: [inlineIntoHtml],
};

await mkdir(dist, { recursive: true });
if (isWatch) {
  const contexts = await Promise.all([esbuild.context(mainOptions), esbuild.context(uiOptions)]);
  await Promise.all(contexts.map((context) => context.watch()));
  console.log('watching plugin/main, plugin/ui and shared/ for changes (Ctrl+C stops)');
} else {
  await Promise.all([esbuild.build(mainOptions), esbuild.build(uiOptions)]);
}
