// `imagic edit` and `imagic render` through the real bin, as acceptance checks run them: the --json contract, PNGs of
// the input's size with its alpha, a re-render from the saved edit, and one coded stderr line for each bad input.
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { editsDir } from '../../companion/src/engine/edit-store.ts';
import { PRESETS } from '../../companion/src/engine/settings.ts';
import { runCli } from '../cli/run-cli.ts';
import { CLI_TIMEOUT_MS, cliFixture, expectCoded, expectPng, FAST, lastJson } from './cli-fixture.ts';
import { tinyPackage } from './support.ts';

const fx = cliFixture('cli');

describe('imagic edit / render --json', { timeout: CLI_TIMEOUT_MS }, () => {
  it('edits, saves and re-renders through the real bin', async () => {
    const dataDir = join(fx.root, 'data');
    const out = join(fx.root, 'out');
    const res = await runCli([
      'edit',
      fx.imagePath,
      '--prompt',
      'a photo of a cat',
      '--model',
      fx.modelDir,
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
    const recommending = (await tinyPackage(fx.root, 'recommending')).dir;
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
      const dataDir = join(fx.root, `data-${name}`);
      const res = await runCli([
        'edit',
        fx.imagePath,
        '--prompt',
        'a photo of a cat',
        '--model',
        model,
        '--seeds',
        '1',
        '--out',
        join(fx.root, `out-${name}`),
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
    expect(await editWith(fx.modelDir, 'plain')).toEqual({
      etas: [0.7],
      embedLr: PRESETS.fast.train.embedLr,
      lateAdapters: undefined,
      ratio: 2,
    });
  });
});

describe('a model that declares its words', { timeout: CLI_TIMEOUT_MS }, () => {
  it('warns before any work which words of the prompt it does not know, and suggests one it understands', async () => {
    const vocab = (await tinyPackage(fx.root, 'vocab')).dir;
    const prompts = {
      vocabulary: ['a', 'red', 'circle', 'on', 'white', 'background'],
      examples: ['a red circle on a white background'],
    };
    await writeFile(join(vocab, 'imagic_settings.json'), JSON.stringify({ train: {}, prompts, reason: 'test' }));
    const edit = (prompt: string) =>
      runCli([
        'edit',
        fx.imagePath,
        '--prompt',
        prompt,
        '--model',
        vocab,
        '--seeds',
        '1',
        '--out',
        join(fx.root, 'out-vocab'),
        '--json',
        '--data-dir',
        join(fx.root, 'data-vocab'),
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
      fx.imagePath,
      '--prompt',
      'a photo of a cat',
      '--model',
      fx.modelDir,
      '--seeds',
      '1',
      '--out',
      join(fx.root, 'out-summary'),
      '--data-dir',
      join(fx.root, 'data-summary'),
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
    const dataDir = join(fx.root, 'data-edits');
    expect((await runCli(['edits', 'list', '--data-dir', dataDir])).stdout).toMatch(/No saved edits/);
    const made = await runCli([
      'edit',
      fx.imagePath,
      '--prompt',
      'a photo of a dog',
      '--model',
      fx.modelDir,
      '--seeds',
      '1',
      '--out',
      join(fx.root, 'out-edits'),
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
    const dataDir = join(fx.root, 'data-shared');
    await mkdir(dataDir, { mode: 0o755 });
    await chmod(dataDir, 0o755);
    const res = await runCli([
      'edit',
      fx.imagePath,
      '--prompt',
      'a photo of a cat',
      '--model',
      fx.modelDir,
      '--seeds',
      '1',
      '--out',
      join(fx.root, 'out-private'),
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

describe('bad input', { timeout: CLI_TIMEOUT_MS }, () => {
  it('NO_MODEL when no --model is given and none is installed', async () => {
    const res = await runCli([
      'edit',
      fx.imagePath,
      '--prompt',
      'a cat',
      '--data-dir',
      join(fx.root, 'empty'),
      '--json',
      ...FAST,
    ]);
    expectCoded(res, 'NO_MODEL');
    expect(res.stderr).toMatch(/--model <dir>/);
  });

  it('IMAGE_UNSUPPORTED for a corrupt image, FILE_NOT_FOUND for a missing one', async () => {
    const corrupt = join(fx.root, 'corrupt.png');
    const png = await readFile(fx.imagePath);
    await writeFile(corrupt, png.subarray(0, 60));
    expectCoded(
      await runCli(['edit', corrupt, '--prompt', 'a cat', '--model', fx.modelDir, ...FAST]),
      'IMAGE_UNSUPPORTED',
    );
    expectCoded(
      await runCli(['edit', join(fx.root, 'nope.png'), '--prompt', 'a cat', '--model', fx.modelDir, ...FAST]),
      'FILE_NOT_FOUND',
    );
  });

  it('INVALID_SPEC for an --out that is a file, before any training, with nothing saved', async () => {
    const dataDir = join(fx.root, 'data-out-file');
    const file = join(fx.root, 'an-existing-file.png');
    await writeFile(file, 'not a folder');
    // Ten thousand steps would take minutes: the check must come first.
    const res = await runCli([
      'edit',
      fx.imagePath,
      '--prompt',
      'a cat',
      '--model',
      fx.modelDir,
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
    const notPackage = join(fx.root, 'not-a-package');
    await mkdir(notPackage, { recursive: true });
    const res = await runCli(['edit', fx.imagePath, '--prompt', 'a cat', '--model', notPackage, ...FAST]);
    expectCoded(res, 'MODEL_INCOMPLETE');
    expect(res.stderr).toMatch(/unet\/model\.onnx/);
  });

  it('EDIT_NOT_FOUND for an unknown edit id, INVALID_SPEC for a bad flag value', async () => {
    const dataDir = join(fx.root, 'data-unknown');
    expectCoded(await runCli(['render', '0123456789abcdef0123456789abcdef', '--data-dir', dataDir]), 'EDIT_NOT_FOUND');
    expectCoded(await runCli(['render', 'not-an-id', '--data-dir', dataDir]), 'EDIT_NOT_FOUND');
    expectCoded(
      await runCli(['edit', fx.imagePath, '--prompt', 'a cat', '--model', fx.modelDir, '--eta', '0.5,abc']),
      'INVALID_SPEC',
    );
    expectCoded(
      await runCli(['edit', fx.imagePath, '--prompt', 'a cat', '--model', fx.modelDir, '--late-adapters', '0.5']),
      'INVALID_SPEC',
    );
    expectCoded(
      await runCli(['edit', fx.imagePath, '--prompt', 'a cat', '--model', fx.modelDir, '--late-adapters', '0.5,1.5']),
      'INVALID_SPEC',
    );
  });
});
