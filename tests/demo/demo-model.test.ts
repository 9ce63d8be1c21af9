// The committed demo model end to end on CPU, the way a newcomer meets it: `npx imagic edit <png> --prompt …` with no
// --model and an empty data folder runs on the bundled package (models/demo) with the settings it recommends for
// itself. A held-out scene must come back at η = 0 (PSNR ≥ 30 dB), and every output is a PNG of the input's size.
// Shorter than the community preset's 500 + 1000 training steps, to keep CI's wall time down; eval:demo measures the
// full settings.
// Not asserted: the successful colour edit. On this model no stage-2 setting measured both reconstructs at
// η = 0 and edits while keeping the shape in place (models/demo/README.md); the edit assertion comes back with a
// model that passes eval:demo's edit bar.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PACKAGE_DIR } from '../../companion/src/demo/demo-paths.ts';
import { DEMO_DEFAULT_ETA, DEMO_RECOMMENDED_SAMPLE, DEMO_RECOMMENDED_TRAIN } from '../../companion/src/demo/demo-settings.ts';
import { editCases } from '../../companion/src/demo/eval-cases.ts';
import { psnr } from '../../companion/src/demo/image-metrics.ts';
import { SCENE_SIZE } from '../../companion/src/demo/scene.ts';
import { readPackageSampleSettingsAsync, readPackageSettingsAsync } from '../../companion/src/engine/package-settings.ts';
import { encodePng } from '../../companion/src/images/model-input.ts';
import { folderBytesAsync } from '../../companion/src/models/model-store.ts';
import { runCli } from '../cli/run-cli.ts';
import { tempRoot } from '../engine/support.ts';

/** The package budget. */
const MAX_PACKAGE_BYTES = 20 * 1024 * 1024;
/** CI's shortened training (the community preset has 500 and 1000). */
const CI_STEPS = ['--embed-steps', '100', '--tune-steps', '700'];


let root: Awaited<ReturnType<typeof tempRoot>>;
beforeAll(async () => {
  root = await tempRoot('demo');
});
afterAll(async () => root.cleanup());

describe('the demo model (models/demo)', () => {
  it('is a diffusers-ONNX package under 20 MB that recommends the settings the evaluation chose', async () => {
    expect(await folderBytesAsync(DEMO_PACKAGE_DIR)).toBeLessThan(MAX_PACKAGE_BYTES);
    const index = JSON.parse(await readFile(join(DEMO_PACKAGE_DIR, 'model_index.json'), 'utf8')) as Record<string, unknown>;
    expect(index['_class_name']).toBe('OnnxStableDiffusionPipeline');
    expect(await readPackageSettingsAsync(DEMO_PACKAGE_DIR)).toEqual(DEMO_RECOMMENDED_TRAIN);
    expect(await readPackageSampleSettingsAsync(DEMO_PACKAGE_DIR)).toEqual(DEMO_RECOMMENDED_SAMPLE);
  });

  it('is what `imagic edit` uses by default, and gives the input back at η = 0', async () => {
    const c = editCases(1, ['colour'])[0]!;
    const input = join(root.dir, 'scene.png');
    await writeFile(input, await encodePng(c.input.rgba, SCENE_SIZE, SCENE_SIZE));
    const args = ['edit', input, '--prompt', c.prompt, '--eta', `0,${DEMO_DEFAULT_ETA}`, '--seeds', '1,2', ...CI_STEPS, '--out', join(root.dir, 'out'), '--data-dir', join(root.dir, 'data'), '--provider', 'cpu', '--json'];
    const res = await runCli(args, { IMAGIC_BUNDLED_MODELS: dirname(DEMO_PACKAGE_DIR) });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout.trimEnd().split('\n').at(-1)!) as { outputs: { eta: number; seed: number; file: string }[] };
    const outputs = await Promise.all(
      report.outputs.map(async (o) => {
        const { data, info } = await sharp(await readFile(o.file)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
        expect([info.width, info.height]).toEqual([SCENE_SIZE, SCENE_SIZE]);
        return { ...o, rgba: new Uint8Array(data) };
      }),
    );
    const reconstructions = outputs.filter((o) => o.eta === 0).map((o) => Number(psnr(o.rgba, c.input.rgba).toFixed(2)));
    expect(reconstructions).toHaveLength(2);
    for (const p of reconstructions) expect(p, `η = 0 PSNR per seed: ${reconstructions.join(', ')} dB`).toBeGreaterThanOrEqual(30);
    expect(outputs.filter((o) => o.eta === DEMO_DEFAULT_ETA)).toHaveLength(2);
  }, 900_000); // ~2 min on two idle cores; CI shares them with other suites
});
