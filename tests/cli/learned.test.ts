// `imagic learned add|list|remove` and learned words in prompts, through the real bin on the demo model: a file in
// diffusers' learned_embeds.safetensors layout is checked against the model and kept in the data folder; a prompt
// with its word edits without an unknown-word warning, and the word's vector reaches the model (another vector,
// another result); files of the wrong width, words the vocabulary has and files that are not safetensors are refused.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLearnedEmbeds } from '../../companion/src/models/learned-embeds.ts';
import { runCli } from './run-cli.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DEMO = join(REPO, 'models/demo');
const LAYER = join(REPO, 'docs/examples/blue-square.png');
/** The demo text encoder's token vectors are 64 wide (models/demo/README.md). */
const WIDTH = 64;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'imagic-learned-'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

const lastJson = (stdout: string) => JSON.parse(stdout.trimEnd().split('\n').at(-1)!) as Record<string, unknown>;
const fileWith = async (name: string, token: string, width: number, k: number) => {
  const file = join(root, name);
  const vector = Float32Array.from({ length: width }, (_, i) => 0.5 * Math.sin(k * (i + 1)));
  await writeFile(file, writeLearnedEmbeds([{ token, vector }]));
  return file;
};

describe('imagic learned', { timeout: 60_000 }, () => {
  it('adds, lists and removes a word, and every later edit understands it', async () => {
    const data = join(root, 'data');
    const common = ['--model', DEMO, '--data-dir', data, '--json'];
    const quickEdit = async (out: string) => {
      const res = await runCli([
        'edit',
        LAYER,
        '--prompt',
        'a <zz> on a white background',
        '--mode',
        'quick',
        '--out',
        join(root, out),
        ...common,
      ]);
      expect(res.stderr).not.toMatch(/does not know/);
      expect(res.code).toBe(0);
      return readFile((lastJson(res.stdout)['outputs'] as { file: string }[])[0]!.file);
    };
    const added = await runCli(['learned', 'add', await fileWith('zz-a.safetensors', '<zz>', WIDTH, 1), ...common]);
    expect(added.stderr).toBe('');
    expect(lastJson(added.stdout)).toEqual({ added: ['<zz>'], words: ['<zz>'] });
    expect(lastJson((await runCli(['learned', 'list', ...common])).stdout)['words']).toEqual(['<zz>']);
    const first = await quickEdit('a');
    // Another vector for the same word: another result, so the word's vector is what the model reads.
    expect(lastJson((await runCli(['learned', 'remove', '<zz>', ...common])).stdout)).toEqual({
      removed: '<zz>',
      words: [],
    });
    await runCli(['learned', 'add', await fileWith('zz-b.safetensors', '<zz>', WIDTH, 7), ...common]);
    const second = await quickEdit('b');
    expect(Buffer.compare(first, second)).not.toBe(0);
  });

  it.each([
    [
      'a file for another text encoder',
      'WIDE',
      'DIMS_MISMATCH',
      /768 values per vector; this model's text encoder takes 64/,
    ],
    ['a word the vocabulary has', 'RED', 'INVALID_SPEC', /already a word of this model's vocabulary/],
    ['a file that is not safetensors', 'PNG', 'SAFETENSORS_INVALID', /not a valid safetensors file/],
  ])('refuses %s, and keeps the words as they were', async (_what, kind, code, message) => {
    const data = join(root, `refuse-${kind}`);
    const files: Record<string, () => Promise<string>> = {
      WIDE: () => fileWith('wide.safetensors', '<wide>', 768, 1),
      RED: () => fileWith('red.safetensors', 'red', WIDTH, 1),
      PNG: async () => LAYER,
    };
    const res = await runCli(['learned', 'add', await files[kind]!(), '--model', DEMO, '--data-dir', data]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(new RegExp(`^${code}: `));
    expect(res.stderr).toMatch(message);
    const list = await runCli(['learned', 'list', '--model', DEMO, '--data-dir', data, '--json']);
    expect(lastJson(list.stdout)['words']).toEqual([]);
  });
});
