// `imagic edit` and `imagic render` through the real bin, as acceptance checks run them: the --json contract, PNGs of
// the input's size with its alpha, a re-render from the saved edit, and one coded stderr line for each bad input.
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editsDir } from '../../companion/src/engine/edit-store.ts';
import { PRESETS } from '../../companion/src/engine/settings.ts';
import { encodePng } from '../../companion/src/images/model-input.ts';
import { runCli } from '../cli/run-cli.ts';
import { tempRoot, testPicture, tinyPackage } from './support.ts';

/** Each test spawns the CLI or the daemon (a Node process with tsx, 1–2 s to start) a few times. */
const CLI_TIMEOUT_MS = 60_000;
const REPO = fileURLToPath(new URL('../../', import.meta.url));

let root: Awaited<ReturnType<typeof tempRoot>>;
let modelDir: string;
let imagePath: string;
const picture = testPicture(48, 40, true);
const FAST = ['--preset', 'fast', '--embed-steps', '3', '--tune-steps', '3', '--steps', '3', '--provider', 'cpu'];

beforeAll(async () => {
  root = await tempRoot('cli');
  modelDir = (await tinyPackage(root.dir, 'model')).dir;
  imagePath = join(root.dir, 'input.png');
  await writeFile(imagePath, await encodePng(picture.rgba, picture.width, picture.height));
});
afterAll(async () => root.cleanup());

const lastJson = (stdout: string) => JSON.parse(stdout.trimEnd().split('\n').at(-1)!) as Record<string, unknown>;

async function expectPng(file: string) {
  const { data, info } = await sharp(await readFile(file))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect([info.width, info.height]).toEqual([picture.width, picture.height]);
  const alpha = (rgba: Uint8Array) => Array.from(rgba.filter((_, i) => i % 4 === 3));
  expect(alpha(new Uint8Array(data))).toEqual(alpha(picture.rgba));
}

/** Exit non-zero with exactly one line on stderr that starts with the code, and no stack trace. */
function expectCoded(res: { code: number | null; stderr: string }, code: string) {
  expect(res.code).not.toBe(0);
  const lines = res.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^${code}: `));
  expect(res.stderr).not.toMatch(/\n\s+at /);
}

describe('imagic edit / render --json', { timeout: CLI_TIMEOUT_MS }, () => {
  it('edits, saves and re-renders through the real bin', async () => {
    const dataDir = join(root.dir, 'data');
    const out = join(root.dir, 'out');
    const res = await runCli([
      'edit',
      imagePath,
      '--prompt',
      'a photo of a cat',
      '--model',
      modelDir,
      '--eta',
      '0,0.7',
      '--seeds',
      '1',
      '--out',
      out,
      '--json',
      '--data-dir',
      dataDir,
      ...FAST,
    ]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const report = lastJson(res.stdout);
    expect(Object.keys(report).sort()).toEqual([
      'cost',
      'edit_id',
      'final_loss',
      'mode',
      'outputs',
      'provider',
      'provider_reason',
      'timing_ms',
    ]);
    // 3 + 3 training steps at 1 + 2 forwards each; 2 outputs × 3 steps × 2 (guidance 3 needs both predictions).
    expect(report['cost']).toEqual({ embed: 9, finetune: 9, sample: 12, total: 30, backward_ratio: 2 });
    expect(report['edit_id']).toMatch(/^[0-9a-f]{32}$/);
    expect(report['provider']).toBe('cpu');
    expect(Object.keys(report['timing_ms'] as object)).toEqual([
      'load',
      'encode',
      'embed',
      'finetune',
      'sample',
      'total',
    ]);
    expect(report['final_loss']).toEqual({ embed: expect.any(Number), finetune: expect.any(Number) });
    const outputs = report['outputs'] as { eta: number; seed: number; file: string }[];
    expect(outputs.map((o) => [o.eta, o.seed])).toEqual([
      [0, 1],
      [0.7, 1],
    ]);
    for (const o of outputs) await expectPng(o.file);

    const again = await runCli([
      'render',
      report['edit_id'] as string,
      '--eta',
      '0.5',
      '--seeds',
      '2,3',
      '--out',
      out,
      '--json',
      '--data-dir',
      dataDir,
      '--provider',
      'cpu',
    ]);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    const rendered = lastJson(again.stdout);
    expect(rendered['edit_id']).toBe(report['edit_id']);
    expect(rendered['cost']).toEqual({ embed: 0, finetune: 0, sample: 12, total: 12, backward_ratio: 2 });
    expect(Object.keys(rendered['timing_ms'] as object)).toEqual(['load', 'sample', 'total']);
    expect(rendered['final_loss']).toEqual(report['final_loss']);
    const files = rendered['outputs'] as { eta: number; seed: number; file: string }[];
    expect(files.map((o) => [o.eta, o.seed])).toEqual([
      [0.5, 2],
      [0.5, 3],
    ]);
    for (const o of files) await expectPng(o.file);
  });

  it("uses the model's recommended η, stage-1 rate, late-step fading and backward ratio (imagic_settings.json) where no flag gives them, else 0.7, the preset's, none and 2", async () => {
    const recommending = (await tinyPackage(root.dir, 'recommending')).dir;
    const late = { from: 0.5, scale: 0.3 };
    await writeFile(
      join(recommending, 'imagic_settings.json'),
      JSON.stringify({
        train: { embedLr: 0.02 },
        sample: { eta: 0.9, lateAdapters: late },
        cost: { backwardRatio: 1.5 },
        reason: 'test',
      }),
    );
    const editWith = async (model: string, name: string, flags: string[] = []) => {
      const dataDir = join(root.dir, `data-${name}`);
      const res = await runCli([
        'edit',
        imagePath,
        '--prompt',
        'a photo of a cat',
        '--model',
        model,
        '--seeds',
        '1',
        '--out',
        join(root.dir, `out-${name}`),
        '--json',
        '--data-dir',
        dataDir,
        ...FAST,
        ...flags,
      ]);
      expect(res.stderr).toBe('');
      const report = lastJson(res.stdout);
      const manifest = JSON.parse(
        await readFile(join(editsDir(dataDir), report['edit_id'] as string, 'manifest.json'), 'utf8'),
      ) as { train: { embedLr: number }; sample: { lateAdapters?: unknown } };
      const ratio = (report['cost'] as { backward_ratio: number }).backward_ratio;
      return {
        etas: (report['outputs'] as { eta: number }[]).map((o) => o.eta),
        embedLr: manifest.train.embedLr,
        lateAdapters: manifest.sample.lateAdapters,
        ratio,
      };
    };
    expect(await editWith(recommending, 'recommending')).toEqual({
      etas: [0.9],
      embedLr: 0.02,
      lateAdapters: late,
      ratio: 1.5,
    });
    expect(await editWith(recommending, 'recommending-flags', ['--late-adapters', '0.25,0.75'])).toEqual({
      etas: [0.9],
      embedLr: 0.02,
      lateAdapters: { from: 0.25, scale: 0.75 },
      ratio: 1.5,
    });
    expect(await editWith(modelDir, 'plain')).toEqual({
      etas: [0.7],
      embedLr: PRESETS.fast.train.embedLr,
      lateAdapters: undefined,
      ratio: 2,
    });
  });
});

describe('a model that declares its words', { timeout: CLI_TIMEOUT_MS }, () => {
  it('warns before any work which words of the prompt it does not know, and suggests one it understands', async () => {
    const vocab = (await tinyPackage(root.dir, 'vocab')).dir;
    const prompts = {
      vocabulary: ['a', 'red', 'circle', 'on', 'white', 'background'],
      examples: ['a red circle on a white background'],
    };
    await writeFile(join(vocab, 'imagic_settings.json'), JSON.stringify({ train: {}, prompts, reason: 'test' }));
    const edit = (prompt: string) =>
      runCli([
        'edit',
        imagePath,
        '--prompt',
        prompt,
        '--model',
        vocab,
        '--seeds',
        '1',
        '--out',
        join(root.dir, 'out-vocab'),
        '--json',
        '--data-dir',
        join(root.dir, 'data-vocab'),
        ...FAST,
      ]);
    const unknown = await edit('make the dog sit');
    expect(unknown.code).toBe(0);
    expect(unknown.stderr.trim().split('\n')).toEqual([
      'warning: this model does not know "make", "the", "dog", "sit"; it knows only: a, red, circle, on, white, background. Try a prompt like "a red circle on a white background".',
    ]);
    expect((await edit('A red circle on a white background')).stderr).toBe('');
  });
});

describe('the summary', { timeout: CLI_TIMEOUT_MS }, () => {
  it('says in one line which provider ran, and why only with --verbose', async () => {
    const args = [
      'edit',
      imagePath,
      '--prompt',
      'a photo of a cat',
      '--model',
      modelDir,
      '--seeds',
      '1',
      '--out',
      join(root.dir, 'out-summary'),
      '--data-dir',
      join(root.dir, 'data-summary'),
      ...FAST,
    ];
    const plain = await runCli(args);
    expect(plain.stdout).toMatch(/^edit [0-9a-f]{32} on cpu \(--verbose says why\)$/m);
    const verbose = await runCli([...args, '--verbose']);
    expect(verbose.stdout).toMatch(/^edit [0-9a-f]{32} on cpu \(requested cpu\)$/m);
  });
});

describe('imagic edits', { timeout: CLI_TIMEOUT_MS }, () => {
  it('lists, shows and deletes saved edits', async () => {
    const dataDir = join(root.dir, 'data-edits');
    expect((await runCli(['edits', 'list', '--data-dir', dataDir])).stdout).toMatch(/No saved edits/);
    const made = await runCli([
      'edit',
      imagePath,
      '--prompt',
      'a photo of a dog',
      '--model',
      modelDir,
      '--seeds',
      '1',
      '--out',
      join(root.dir, 'out-edits'),
      '--json',
      '--data-dir',
      dataDir,
      ...FAST,
    ]);
    const editId = lastJson(made.stdout)['edit_id'] as string;
    const listed = await runCli(['edits', 'list', '--json', '--data-dir', dataDir]);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ edit_id: editId, prompt: 'a photo of a dog', width: 48, height: 40 }),
    ]);
    const shown = await runCli(['edits', 'show', editId, '--data-dir', dataDir]);
    expect(shown.stdout).toContain(`edit ${editId}: "a photo of a dog"`);
    expect(shown.stdout).toContain(`imagic render ${editId}`);
    expect((await runCli(['edits', 'delete', editId, '--data-dir', dataDir])).stdout).toContain(
      `Deleted edit ${editId}`,
    );
    expect(JSON.parse((await runCli(['edits', 'list', '--json', '--data-dir', dataDir])).stdout)).toEqual([]);
    const again = await runCli(['edits', 'delete', editId, '--data-dir', dataDir]);
    expectCoded(again, 'EDIT_NOT_FOUND');
    // A CLI user is told what to type, not a protocol message.
    expect(again.stderr).toContain('imagic edits list');
    expect(again.stderr).not.toContain('edits.list');
  });
});

describe('privacy', { timeout: CLI_TIMEOUT_MS }, () => {
  it('keeps a saved edit (input image, prompt, embeddings) private to the user in a data folder others can read', async () => {
    const dataDir = join(root.dir, 'data-shared');
    await mkdir(dataDir, { mode: 0o755 });
    await chmod(dataDir, 0o755);
    const res = await runCli([
      'edit',
      imagePath,
      '--prompt',
      'a photo of a cat',
      '--model',
      modelDir,
      '--seeds',
      '1',
      '--out',
      join(root.dir, 'out-private'),
      '--json',
      '--data-dir',
      dataDir,
      ...FAST,
    ]);
    expect(res.code, res.stderr).toBe(0);
    const entries = await readdir(editsDir(dataDir), { recursive: true, withFileTypes: true });
    const files = entries.filter((e) => e.isFile());
    expect(files.length).toBeGreaterThan(2);
    for (const entry of [...entries, { parentPath: dataDir, name: 'edits' }]) {
      const mode = (await stat(join(entry.parentPath, entry.name))).mode;
      expect(mode & 0o077, `${entry.name} is ${(mode & 0o777).toString(8)}`).toBe(0);
    }
  });
});

describe('imagic edit --mode quick (SDEdit)', { timeout: CLI_TIMEOUT_MS }, () => {
  /** PSNR of a written PNG against the input picture, over RGB. */
  const psnrToInput = async (file: string) => {
    const { data } = await sharp(await readFile(file))
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    let se = 0;
    let n = 0;
    for (let i = 0; i < data.length; i++) {
      if (i % 4 === 3) continue;
      se += (data[i]! - picture.rgba[i]!) ** 2;
      n++;
    }
    return 10 * Math.log10((255 * 255) / (se / n));
  };

  it('trains and saves nothing, reports the sampling it ran as its cost, and keeps more of the layer at a lower strength', async () => {
    const dataDir = join(root.dir, 'quick-data');
    const runs: Record<string, unknown>[] = [];
    for (const strength of ['0.3', '1']) {
      const out = join(root.dir, `quick-${strength}`);
      const res = await runCli([
        'edit',
        imagePath,
        '--prompt',
        'a photo of a cat',
        '--model',
        modelDir,
        '--mode',
        'quick',
        '--strength',
        strength,
        '--steps',
        '10',
        // A fading Imagic's adapters would ask for (here the flag; on the demo model its recommendation): the base
        // model has none, and quick mode ignores it.
        '--late-adapters',
        '0.5,0.3',
        '--seeds',
        '1',
        '--out',
        out,
        '--json',
        '--data-dir',
        dataDir,
        '--provider',
        'cpu',
        '--preset',
        'fast',
      ]);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      runs.push(lastJson(res.stdout));
    }
    const [low, full] = runs as [Record<string, unknown>, Record<string, unknown>];
    expect(low).toMatchObject({
      edit_id: null,
      mode: 'quick',
      strength: 0.3,
      final_loss: { embed: null, finetune: null },
    });
    // 10 steps at strength 0.3 run the last 3, at 1 all 10; the fast preset's guidance 3 needs both predictions.
    expect(low['cost']).toEqual({ embed: 0, finetune: 0, sample: 6, total: 6, backward_ratio: 2 });
    expect((full['cost'] as { sample: number }).sample).toBe(20);
    const [lowFile, fullFile] = [low, full].map((r) => (r['outputs'] as { file: string }[])[0]!.file) as [
      string,
      string,
    ];
    await expectPng(lowFile);
    expect(await psnrToInput(lowFile)).toBeGreaterThan((await psnrToInput(fullFile)) + 3);
    // Nothing trained, nothing saved.
    expect(existsSync(editsDir(dataDir)) ? await readdir(editsDir(dataDir)) : []).toEqual([]);
  });

  it.each([
    [['--mode', 'quick', '--strength', '1.5'], /--strength "1.5": expected a number in \(0, 1\]/],
    [['--mode', 'quick', '--strength', '0'], /--strength "0"/],
    [['--strength', '0.5'], /--strength applies to --mode quick/],
    [['--mode', 'sdedit'], /--mode sdedit: expected one of imagic, quick/],
  ])('refuses %j with INVALID_SPEC before any work', async (flags, message) => {
    const res = await runCli([
      'edit',
      join(root.dir, 'missing.png'),
      '--prompt',
      'a cat',
      '--model',
      modelDir,
      ...flags,
    ]);
    expectCoded(res, 'INVALID_SPEC');
    expect(res.stderr).toMatch(message);
  });
});

describe('masks: imagic edit and render with --mask, --auto-mask and --feather', { timeout: CLI_TIMEOUT_MS }, () => {
  /** A mask PNG of `w`×`h` whose left `fraction` may change (white), the rest kept (black). */
  const maskPng = async (name: string, w: number, h: number, fraction: number) => {
    const rgba = new Uint8Array(4 * w * h);
    for (let i = 0; i < w * h; i++) {
      rgba.fill(i % w < w * fraction ? 255 : 0, 4 * i, 4 * i + 3);
      rgba[4 * i + 3] = 255;
    }
    const file = join(root.dir, name);
    await writeFile(file, await encodePng(rgba, w, h));
    return file;
  };
  const pixels = async (file: string) =>
    new Uint8Array(
      (
        await sharp(await readFile(file))
          .ensureAlpha()
          .raw()
          .toBuffer()
      ).buffer,
    );
  /** The largest RGB difference to the input over the pixels `keep` says are kept. */
  const maxOutside = async (file: string, keep: (pixel: number) => boolean) => {
    const out = await pixels(file);
    let max = 0;
    for (let i = 0; i < out.length; i++)
      if (i % 4 !== 3 && keep(i >> 2)) max = Math.max(max, Math.abs(out[i]! - picture.rgba[i]!));
    return max;
  };

  it('keeps the layer outside --mask exactly, in a new edit and in a re-render of it, and names the mask', async () => {
    const mask = await maskPng('left-half.png', picture.width, picture.height, 0.5);
    const dataDir = join(root.dir, 'mask-data');
    const out = join(root.dir, 'mask-out');
    const common = ['--out', out, '--json', '--data-dir', dataDir, '--seeds', '2'];
    const edit = await runCli([
      'edit',
      imagePath,
      '--prompt',
      'a cat',
      '--model',
      modelDir,
      ...FAST,
      ...common,
      '--mask',
      mask,
    ]);
    expect(edit.stderr).toBe('');
    const report = lastJson(edit.stdout);
    expect(report['mask_file']).toBe(mask);
    const keptLeft = (p: number) => p % picture.width >= picture.width / 2;
    const [file] = (report['outputs'] as { file: string }[]).map((o) => o.file);
    expect(await maxOutside(file!, keptLeft)).toBe(0);
    // Inside, the edit: without the mask the same edit changes the kept half too.
    expect(await maxOutside(file!, (p) => !keptLeft(p))).toBeGreaterThan(10);
    const right = await maskPng('right-quarter.png', picture.width, picture.height, 0);
    const rightRgba = await pixels(right);
    for (let p = 0; p < picture.width * picture.height; p++)
      if (p % picture.width >= (3 * picture.width) / 4) rightRgba.fill(255, 4 * p, 4 * p + 3);
    await writeFile(right, await encodePng(rightRgba, picture.width, picture.height));
    const render = await runCli([
      'render',
      String(report['edit_id']),
      ...common,
      '--provider',
      'cpu',
      '--mask',
      right,
      '--feather',
      '0',
    ]);
    expect(render.stderr).toBe('');
    const [rendered] = (lastJson(render.stdout)['outputs'] as { file: string }[]).map((o) => o.file);
    expect(await maxOutside(rendered!, (p) => p % picture.width < (3 * picture.width) / 4)).toBe(0);
  });

  it('--auto-mask in quick mode (the demo model) writes the mask it used beside the outputs and keeps the layer outside it', async () => {
    const out = join(root.dir, 'auto-out');
    const layer = join(REPO, 'docs/examples/blue-square.png');
    const res = await runCli([
      'edit',
      layer,
      '--prompt',
      'a yellow square on a white background',
      '--model',
      join(REPO, 'models/demo'),
      '--mode',
      'quick',
      '--seeds',
      '1',
      '--auto-mask',
      '--source-prompt',
      'a blue square on a white background',
      '--out',
      out,
      '--json',
      '--data-dir',
      join(root.dir, 'auto-data'),
      '--provider',
      'cpu',
    ]);
    expect(res.stderr).toBe('');
    const report = lastJson(res.stdout);
    const maskFile = String(report['mask_file']);
    expect(maskFile.startsWith(out)).toBe(true);
    const mask = await pixels(maskFile);
    const input = await pixels(layer);
    const [file] = (report['outputs'] as { file: string }[]).map((o) => o.file);
    const output = await pixels(file!);
    let keptPixels = 0;
    let maxOutside = 0;
    for (let p = 0; p < mask.length / 4; p++) {
      if (mask[4 * p]! >= 128) continue;
      keptPixels++;
      for (let c = 0; c < 3; c++) maxOutside = Math.max(maxOutside, Math.abs(output[4 * p + c]! - input[4 * p + c]!));
    }
    // The mask leaves most of the white background to keep, and the kept pixels are the input's own.
    expect(keptPixels).toBeGreaterThan(mask.length / 8);
    expect(keptPixels).toBeLessThan(mask.length / 4);
    expect(maxOutside).toBe(0);
    // Its cost counts the mask's passes: 10 draws of a guided pair.
    expect(report['cost']).toMatchObject({ mask: 20 });
  });

  it.each([
    [['--mask', 'WRONG_SIZE'], /the mask .* is 20×20 px; it must be the layer's size, 48×40 px/],
    [['--mask', 'EMPTY'], /empty .*paint white/],
    [['--mask', 'WRONG_SIZE', '--auto-mask'], /--mask and --auto-mask: give one/],
    [['--feather', '3'], /--feather applies to a mask/],
    [['--auto-mask', '--feather', '-1'], /--feather "-1"/],
    [['--source-prompt', 'a dog'], /--source-prompt .* add --auto-mask/],
    [['--auto-mask', '--source-prompt', 'a dog'], /--source-prompt applies to --mode quick/],
    [['--mask', 'MISSING'], /cannot read the mask/],
  ])('refuses %j with a coded error before any model loads', async (flags, message) => {
    const files: Record<string, string> = {
      WRONG_SIZE: await maskPng('small.png', 20, 20, 1),
      EMPTY: await maskPng('empty.png', picture.width, picture.height, 0),
      MISSING: join(root.dir, 'no-such-mask.png'),
    };
    const t0 = performance.now();
    const res = await runCli([
      'edit',
      imagePath,
      '--prompt',
      'a cat',
      '--model',
      modelDir,
      ...FAST,
      ...flags.map((f) => files[f] ?? f),
    ]);
    expect(res.stderr).toMatch(message);
    expectCoded(res, flags.includes('MISSING') ? 'FILE_NOT_FOUND' : 'INVALID_SPEC');
    expect(performance.now() - t0).toBeLessThan(CLI_TIMEOUT_MS);
  });
});

describe('bad input', { timeout: CLI_TIMEOUT_MS }, () => {
  it('NO_MODEL when no --model is given and none is installed', async () => {
    const res = await runCli([
      'edit',
      imagePath,
      '--prompt',
      'a cat',
      '--data-dir',
      join(root.dir, 'empty'),
      '--json',
      ...FAST,
    ]);
    expectCoded(res, 'NO_MODEL');
    expect(res.stderr).toMatch(/--model <dir>/);
  });

  it('IMAGE_UNSUPPORTED for a corrupt image, FILE_NOT_FOUND for a missing one', async () => {
    const corrupt = join(root.dir, 'corrupt.png');
    const png = await readFile(imagePath);
    await writeFile(corrupt, png.subarray(0, 60));
    expectCoded(
      await runCli(['edit', corrupt, '--prompt', 'a cat', '--model', modelDir, ...FAST]),
      'IMAGE_UNSUPPORTED',
    );
    expectCoded(
      await runCli(['edit', join(root.dir, 'nope.png'), '--prompt', 'a cat', '--model', modelDir, ...FAST]),
      'FILE_NOT_FOUND',
    );
  });

  it('INVALID_SPEC for an --out that is a file, before any training, with nothing saved', async () => {
    const dataDir = join(root.dir, 'data-out-file');
    const file = join(root.dir, 'an-existing-file.png');
    await writeFile(file, 'not a folder');
    // Ten thousand steps would take minutes: the check must come first.
    const res = await runCli([
      'edit',
      imagePath,
      '--prompt',
      'a cat',
      '--model',
      modelDir,
      '--out',
      file,
      '--data-dir',
      dataDir,
      ...FAST,
      '--tune-steps',
      '10000',
    ]);
    expectCoded(res, 'INVALID_SPEC');
    expect(res.stderr).toMatch(/--out .*an-existing-file\.png is a file/);
    expect(existsSync(editsDir(dataDir))).toBe(false);
  });

  it('MODEL_INCOMPLETE for a folder that is not a package', async () => {
    const notPackage = join(root.dir, 'not-a-package');
    await mkdir(notPackage, { recursive: true });
    const res = await runCli(['edit', imagePath, '--prompt', 'a cat', '--model', notPackage, ...FAST]);
    expectCoded(res, 'MODEL_INCOMPLETE');
    expect(res.stderr).toMatch(/unet\/model\.onnx/);
  });

  it('EDIT_NOT_FOUND for an unknown edit id, INVALID_SPEC for a bad flag value', async () => {
    const dataDir = join(root.dir, 'data-unknown');
    expectCoded(await runCli(['render', '0123456789abcdef0123456789abcdef', '--data-dir', dataDir]), 'EDIT_NOT_FOUND');
    expectCoded(await runCli(['render', 'not-an-id', '--data-dir', dataDir]), 'EDIT_NOT_FOUND');
    expectCoded(
      await runCli(['edit', imagePath, '--prompt', 'a cat', '--model', modelDir, '--eta', '0.5,abc']),
      'INVALID_SPEC',
    );
    expectCoded(
      await runCli(['edit', imagePath, '--prompt', 'a cat', '--model', modelDir, '--late-adapters', '0.5']),
      'INVALID_SPEC',
    );
    expectCoded(
      await runCli(['edit', imagePath, '--prompt', 'a cat', '--model', modelDir, '--late-adapters', '0.5,1.5']),
      'INVALID_SPEC',
    );
  });
});
