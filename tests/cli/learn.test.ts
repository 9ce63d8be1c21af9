// `imagic learn` through the real bin on the demo model (Textual Inversion): a short job learns a word from three
// scenes, prints the contract's JSON, installs the word (listed, understood by a later edit without an unknown-word
// warning) and writes its own file in diffusers' one-word layout, trained away from its initializer word. Bad input
// (too few images, sizes far apart, a vocabulary word, a word already learned, an initializer of two tokens, the
// adapter kind) is refused with a coded line before the model loads, and leaves the model's words as they were.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomScene, renderScene, SCENE_SIZE, withSlots } from '../../companion/src/demo/scene.ts';
import { tokenTable } from '../../companion/src/engine/learned-rows.ts';
import { toNumbers } from '../../companion/src/graph/tensor.ts';
import { encodePng } from '../../companion/src/images/model-input.ts';
import { readLearnedEmbeds } from '../../companion/src/models/learned-embeds.ts';
import { readLoraFile, writeLoraFile } from '../../companion/src/models/lora-file.ts';
import { readModel } from '../../companion/src/onnx/model-file.ts';
import { ClipTokenizer } from '../../companion/src/tokenizer/clip-tokenizer.ts';
import { Rng } from '../../companion/src/util/rng.ts';
import { runCli } from './run-cli.ts';

const DEMO = fileURLToPath(new URL('../../models/demo/', import.meta.url));
const WIDTH = 64;
const STEPS = 30;

let root: string;
const scenes: string[] = [];
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'imagic-learn-'));
  const rng = new Rng(4);
  for (let i = 0; i < 4; i++) {
    const spec = withSlots(randomScene(rng), { colour: 'yellow', shape: 'triangle' });
    const file = join(root, `scene-${i}.png`);
    await writeFile(file, await encodePng(renderScene(spec), SCENE_SIZE, SCENE_SIZE));
    scenes.push(file);
  }
  // Three times the size per side: "very different" from the others.
  const big = join(root, 'big.png');
  const spec = withSlots(randomScene(rng, 3 * SCENE_SIZE), { colour: 'yellow', shape: 'triangle' });
  await writeFile(big, await encodePng(renderScene(spec, 3 * SCENE_SIZE), 3 * SCENE_SIZE, 3 * SCENE_SIZE));
  scenes.push(big);
});
afterAll(async () => rm(root, { recursive: true, force: true }));

const lastJson = (stdout: string) => JSON.parse(stdout.trimEnd().split('\n').at(-1)!) as Record<string, unknown>;
const wordsIn = async (data: string) =>
  lastJson((await runCli(['learned', 'list', '--model', DEMO, '--data-dir', data, '--json'])).stdout)['words'];

describe('imagic learn', { timeout: 120_000 }, () => {
  it('learns a word from a few images, installs it, and writes its own file', async () => {
    const data = join(root, 'data');
    const common = ['--model', DEMO, '--data-dir', data];
    const res = await runCli([
      'learn',
      ...scenes.slice(0, 3),
      '--token',
      '<tri>',
      '--init-word',
      'circle',
      '--steps',
      String(STEPS),
      '--json',
      ...common,
    ]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const report = lastJson(res.stdout);
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['token', 'kind', 'file', 'cost', 'timing_ms']));
    expect(report['token']).toBe('<tri>');
    expect(report['kind']).toBe('embedding');
    // One forward+backward pass per step, at the model's stated ratio (2 unless it says).
    const cost = report['cost'] as { total: number; backward_ratio: number };
    expect(cost.total).toBe(STEPS * (1 + cost.backward_ratio));
    expect((report['timing_ms'] as { learn: number }).learn).toBeGreaterThan(0);

    const words = readLearnedEmbeds(await readFile(report['file'] as string), WIDTH);
    expect(words.map((w) => w.token)).toEqual(['<tri>']);
    // Trained: not the initializer word's row any more.
    const table = tokenTable(await readModel(join(DEMO, 'text_encoder/model.onnx')));
    const circle = (await ClipTokenizer.fromFiles(join(DEMO, 'tokenizer'))).tokenize('circle')[0]!;
    const start = toNumbers(table.data!).slice(circle * WIDTH, (circle + 1) * WIDTH);
    const moved = Math.hypot(...words[0]!.vector.map((v, i) => v - start[i]!));
    expect(moved).toBeGreaterThan(1e-3);
    expect(await wordsIn(data)).toEqual(['<tri>']);

    const edit = await runCli([
      'edit',
      scenes[0]!,
      '--prompt',
      'a <tri> on a black background',
      '--mode',
      'quick',
      '--out',
      join(root, 'out'),
      '--json',
      ...common,
    ]);
    expect(edit.stderr).not.toMatch(/does not know/);
    expect(edit.code).toBe(0);

    const again = await runCli([
      'learn',
      ...scenes.slice(0, 3),
      '--token',
      '<TRI>',
      '--init-word',
      'circle',
      ...common,
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^INVALID_SPEC: .*already learned/);
    expect(await wordsIn(data)).toEqual(['<tri>']);
  });

  it('learns a subject adapter: the word, and a LoRA file others can load; remove takes both', async () => {
    const data = join(root, 'subject');
    const common = ['--model', DEMO, '--data-dir', data];
    const res = await runCli([
      'learn',
      ...scenes.slice(0, 3),
      '--token',
      '<sub>',
      '--init-word',
      'square',
      '--kind',
      'adapter',
      '--class-word',
      'triangle',
      '--steps',
      '10',
      '--adapter-steps',
      '10',
      '--class-images',
      '2',
      '--json',
      ...common,
    ]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const report = lastJson(res.stdout);
    expect(report).toMatchObject({ token: '<sub>', kind: 'adapter' });
    const lora = readLoraFile(await readFile(report['file'] as string));
    expect(lora.metadata).toMatchObject({ token: '<sub>', class_word: 'triangle' });
    // The demo model's recommendation puts adapters on every conv (LoCon): kohya's 4-D down matrices.
    expect(lora.modules.length).toBeGreaterThan(10);
    expect(lora.modules.every((m) => m.down.shape.length === 4)).toBe(true);
    expect(await wordsIn(data)).toEqual(['<sub>']);
    const listed = lastJson((await runCli(['learned', 'list', ...common, '--json'])).stdout);
    expect(listed['adapters']).toEqual(['<sub>']);

    // Switched on for a quick edit: the adapters change the result; an unknown word and Imagic mode are refused.
    const quick = async (out: string, ...extra: string[]) => {
      const res = await runCli([
        'edit',
        scenes[0]!,
        '--prompt',
        'a <sub> triangle on a black background',
        '--mode',
        'quick',
        '--seeds',
        '1',
        '--out',
        join(root, out),
        '--json',
        ...common,
        ...extra,
      ]);
      return res;
    };
    const plain = await quick('plain');
    const withSubject = await quick('subject', '--subject', '<sub>');
    expect(withSubject.code).toBe(0);
    const file = (r: { stdout: string }) => (lastJson(r.stdout)['outputs'] as { file: string }[])[0]!.file;
    expect(Buffer.compare(await readFile(file(plain)), await readFile(file(withSubject)))).not.toBe(0);
    const unknown = await quick('unknown', '--subject', '<nope>');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^INVALID_SPEC: no subject adapter “<nope>” for this model; its adapters: <sub>/);
    // An Imagic edit trains its own adapters on top of the subject's model; a re-render uses the subject again.
    const imagic = async (out: string, ...extra: string[]) =>
      runCli([
        'edit',
        scenes[0]!,
        '--prompt',
        'a <sub> triangle on a black background',
        ...['--embed-steps', '2', '--tune-steps', '2', '--steps', '3', '--seeds', '1', '--eta', '1'],
        ...['--out', join(root, out), '--json', ...common, ...extra],
      ]);
    const imagicPlain = await imagic('imagic-plain');
    const imagicSubject = await imagic('imagic-subject', '--subject', '<sub>');
    expect(imagicSubject.stderr).toBe('');
    expect(Buffer.compare(await readFile(file(imagicPlain)), await readFile(file(imagicSubject)))).not.toBe(0);
    const editId = lastJson(imagicSubject.stdout)['edit_id'] as string;
    const render = () => runCli(['render', editId, '--out', join(root, 'rerender'), '--json', '--data-dir', data]);
    const rendered = await render();
    expect(rendered.stderr).toBe('');
    expect(Buffer.compare(await readFile(file(rendered)), await readFile(file(imagicSubject)))).toBe(0);
    // Someone else's LoRA file: added for a word that switches it on, when it fits this model's UNet.
    const shared = join(root, 'shared-lora.safetensors');
    await writeFile(shared, await readFile(report['file'] as string));
    const noWord = await runCli(['learned', 'add', shared, ...common]);
    expect(noWord.stderr).toMatch(/^INVALID_SPEC: .* is a LoRA file: give the word that switches it on with --as WORD/);
    const added = await runCli(['learned', 'add', shared, '--as', 'triangle', ...common, '--json']);
    expect(added.code).toBe(0);
    expect(lastJson(added.stdout)['adapters']).toEqual(['<sub>', 'triangle']);
    expect((await quick('as-word', '--subject', 'triangle')).code).toBe(0);
    const foreign = join(root, 'foreign-lora.safetensors');
    const modules = lora.modules.map((m, i) => (i === 0 ? { ...m, module: 'down_blocks_9_resnets_0_conv1' } : m));
    await writeFile(foreign, writeLoraFile(modules));
    const misfit = await runCli(['learned', 'add', foreign, '--as', 'circle', ...common]);
    expect(misfit.stderr).toMatch(
      /^DIMS_MISMATCH: .* adapts down_blocks_9_resnets_0_conv1, which this model's UNet does not have/,
    );
    expect(lastJson((await runCli(['learned', 'list', ...common, '--json'])).stdout)['adapters']).toEqual([
      '<sub>',
      'triangle',
    ]);
    expect((await runCli(['learned', 'remove', 'triangle', ...common])).code).toBe(0);
    const removed = await runCli(['learned', 'remove', '<sub>', ...common, '--json']);
    expect(removed.code).toBe(0);
    await expect(readFile(report['file'] as string)).rejects.toMatchObject({ code: 'ENOENT' });
    // The edit trained under it cannot be rendered without it.
    expect((await render()).stderr).toMatch(/^EDIT_STALE: edit \w+ was trained with the subject adapter “<sub>”/);
  });

  it.each([
    ['two images', (s: string[]) => s.slice(0, 2), '<a>', 'circle', [], /give 3–10 images of the concept, got 2/],
    ['sizes far apart', (s: string[]) => [s[0]!, s[1]!, s[4]!], '<a>', 'circle', [], /very different sizes/],
    ['a vocabulary word', (s: string[]) => s.slice(0, 3), 'red', 'circle', [], /already in this model's vocabulary/],
    ['an initializer of two tokens', (s: string[]) => s.slice(0, 3), '<a>', 'red circle', [], /is 2 tokens/],
    [
      'a subject adapter without its class word',
      (s: string[]) => s.slice(0, 3),
      '<a>',
      'circle',
      ['--kind', 'adapter'],
      /--kind adapter needs --class-word/,
    ],
  ])('refuses %s with a coded line, and keeps the words', async (_what, pick, token, init, extra, message) => {
    const data = join(root, `refuse-${token}-${init.length}-${extra.length}`);
    const res = await runCli([
      'learn',
      ...pick(scenes),
      '--token',
      token,
      '--init-word',
      init,
      '--model',
      DEMO,
      '--data-dir',
      data,
      ...extra,
    ]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^INVALID_SPEC: /);
    expect(res.stderr).toMatch(message);
    expect(res.stdout).toBe('');
    expect(await wordsIn(data)).toEqual([]);
  });
});
