// Quick edits (SDEdit) and masks through the real bin: --mode quick and --strength, --mask, --auto-mask and --feather
// on edit and render, and the refusals, each before any model loads.
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { editsDir } from '../../companion/src/engine/edit-store.ts';
import { encodePng } from '../../companion/src/images/model-input.ts';
import { runCli } from '../cli/run-cli.ts';
import { CLI_TIMEOUT_MS, cliFixture, expectCoded, expectPng, FAST, lastJson, picture, REPO } from './cli-fixture.ts';

const fx = cliFixture('cli-quick');

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
    const dataDir = join(fx.root, 'quick-data');
    const runs: Record<string, unknown>[] = [];
    for (const strength of ['0.3', '1']) {
      const out = join(fx.root, `quick-${strength}`);
      const res = await runCli([
        'edit',
        fx.imagePath,
        '--prompt',
        'a photo of a cat',
        '--model',
        fx.modelDir,
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
      join(fx.root, 'missing.png'),
      '--prompt',
      'a cat',
      '--model',
      fx.modelDir,
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
    const file = join(fx.root, name);
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
    const dataDir = join(fx.root, 'mask-data');
    const out = join(fx.root, 'mask-out');
    const common = ['--out', out, '--json', '--data-dir', dataDir, '--seeds', '2'];
    const edit = await runCli([
      'edit',
      fx.imagePath,
      '--prompt',
      'a cat',
      '--model',
      fx.modelDir,
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
    const out = join(fx.root, 'auto-out');
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
      join(fx.root, 'auto-data'),
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
    [['--mask', 'MISSING'], /cannot read mask/],
  ])('refuses %j with a coded error before any model loads', async (flags, message) => {
    const files: Record<string, string> = {
      WRONG_SIZE: await maskPng('small.png', 20, 20, 1),
      EMPTY: await maskPng('empty.png', picture.width, picture.height, 0),
      MISSING: join(fx.root, 'no-such-mask.png'),
    };
    // A model folder that is not there: a refusal that came after the model were looked for would be about it.
    const noModel = join(fx.root, 'no-model-here');
    const res = await runCli([
      'edit',
      fx.imagePath,
      '--prompt',
      'a cat',
      '--model',
      noModel,
      ...FAST,
      ...flags.map((f) => files[f] ?? f),
    ]);
    expect(res.stderr).toMatch(message);
    expectCoded(res, flags.includes('MISSING') ? 'FILE_NOT_FOUND' : 'INVALID_SPEC');
    expect(res.stderr).not.toMatch(/no-model-here/);
  });
});
