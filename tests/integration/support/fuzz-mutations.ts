// A small structure-aware fuzzer for the protocol: every mutation starts from a valid example message (or a valid
// upload frame) and breaks one thing, so most inputs get deep into validation before they fail.
import { encodeBinaryFrame } from '../../../shared/src/protocol/binary-frame.ts';
import { clientMessageExamples } from '../../../shared/src/protocol/message-examples.ts';
import { fakePng } from '../../../shared/src/protocol/testing/fake-png.ts';
import { Rng } from '../../../companion/src/util/rng.ts';

export type FuzzInput = { kind: 'text'; data: string } | { kind: 'binary'; data: Uint8Array };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const NASTY_VALUES: Json[] = [
  null,
  true,
  0,
  -1,
  1e308,
  -1e308,
  2 ** 53 + 1,
  0.1,
  '',
  ' ',
  '\u0000',
  '\ud800',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  'x'.repeat(70_000),
  '0'.repeat(32),
  'Z'.repeat(64),
  [],
  [[[[[[[[[[]]]]]]]]]],
  {},
  { __proto__: { polluted: true } } as unknown as Json,
];

export class Mutator {
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  private int(n: number): number {
    return Math.min(n - 1, Math.floor(this.rng.uniform() * n));
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  private deep(depth: number): Json {
    let value: Json = 1;
    for (let i = 0; i < depth; i++) value = this.rng.uniform() < 0.5 ? [value] : { a: value };
    return value;
  }

  /** Every path to a value inside `value`, e.g. ['request', 'sampling', 'etas', 0]. */
  private paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
    if (value === null || typeof value !== 'object') return [prefix];
    const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
    return [
      prefix,
      ...keys.flatMap((k) => this.paths((value as Record<string | number, Json>)[k] as Json, [...prefix, k])),
    ];
  }

  private mutateJson(message: Json): Json {
    const copy = JSON.parse(JSON.stringify(message)) as Json;
    const path = this.pick(this.paths(copy).filter((p) => p.length > 0));
    const parent = path
      .slice(0, -1)
      .reduce<Json>((node, key) => (node as Record<string | number, Json>)[key] as Json, copy) as Record<
      string | number,
      Json
    >;
    const key = path.at(-1)!;
    switch (this.int(5)) {
      case 0:
        delete parent[key];
        break;
      case 1:
        parent[key] = this.pick(NASTY_VALUES);
        break;
      case 2:
        parent[key] = this.deep(1 + this.int(200));
        break;
      case 3:
        parent[`extra${this.int(3)}`] = this.pick(NASTY_VALUES);
        break;
      default:
        if (typeof parent[key] === 'number')
          parent[key] = (parent[key] as number) * (this.rng.uniform() < 0.5 ? -1 : 1e6) + 0.5;
        else parent[key] = this.pick(Object.keys(clientMessageExamples));
    }
    return copy;
  }

  private mutateText(text: string): string {
    switch (this.int(4)) {
      case 0:
        return text.slice(0, this.int(text.length));
      case 1: {
        const at = this.int(text.length);
        return `${text.slice(0, at)}${String.fromCharCode(this.int(0x3000))}${text.slice(at + 1)}`;
      }
      case 2:
        return text.replace(/"v":1/, `"v":${this.pick(['0', '2', '"1"', 'null', '1.0000001'])}`);
      default:
        return `${text}${this.pick(['}', ']', ',', '{"v":1}', '\n'])}`;
    }
  }

  private mutateFrame(): Uint8Array {
    const width = 1 + this.int(64);
    const height = 1 + this.int(64);
    const frame = encodeBinaryFrame({
      kind: 'upload',
      id: 'ab'.repeat(16),
      index: 0,
      width: 16,
      height: 16,
      format: 'png',
      payload: fakePng(16, 16),
    });
    if (!frame.ok) throw new Error(frame.message);
    const bytes = frame.value.slice();
    const view = new DataView(bytes.buffer);
    switch (this.int(5)) {
      case 0:
        bytes[this.int(40)] = this.int(256);
        return bytes;
      case 1:
        view.setUint32(28, width * 1000);
        view.setUint32(32, height);
        return bytes;
      case 2:
        view.setUint32(36, this.int(2 ** 31));
        return bytes;
      case 3:
        return bytes.slice(0, this.int(bytes.length));
      default:
        return Uint8Array.from({ length: this.int(200) }, () => this.int(256));
    }
  }

  next(): FuzzInput {
    const example = this.pick(Object.values(clientMessageExamples)) as unknown as Json;
    switch (this.int(4)) {
      case 0:
        return { kind: 'binary', data: this.mutateFrame() };
      case 1:
        return { kind: 'text', data: this.mutateText(JSON.stringify(example)) };
      default:
        return { kind: 'text', data: JSON.stringify(this.mutateJson(example)) };
    }
  }
}
