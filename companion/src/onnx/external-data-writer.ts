// Writing ONNX external data (docs/onnx.md §3.2–3.3): tensors are appended to one weights file next to the model
// with synchronous positioned writes, and the graph keeps only {location, offset, length}. A builder streams
// each weight through `put` as it is generated, so a multi-GB model never sits in JS memory; an in-memory
// model is moved out with `writeModelExternal`, copying already-external tensors in fixed-size chunks.
import { closeSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DType } from '../graph/dtype.ts';
import type { ExternalRef, Initializer, Model } from '../graph/ir.ts';
import { tensorBytes, type ConstTensor } from '../graph/tensor.ts';
import { fail } from '../errors.ts';
import { writeModel } from './model-file.ts';

/** Tensors of a page or more start on a page boundary, so onnxruntime can memory-map them; smaller ones on 64 bytes. */
const PAGE_BYTES = 4096;
const SMALL_ALIGNMENT_BYTES = 64;
const COPY_CHUNK_BYTES = 16 * 1024 * 1024;

export const DEFAULT_WEIGHTS_FILE = 'weights.pb';
export const MODEL_FILE = 'model.onnx';

const alignmentFor = (length: number): number => (length >= PAGE_BYTES ? PAGE_BYTES : SMALL_ALIGNMENT_BYTES);

export class ExternalDataWriter {
  private fd: number | undefined;
  private end = 0;

  /** Creates (truncates) `dir/location`; `location` is what the model records, relative to the model's folder. */
  constructor(
    readonly dir: string,
    readonly location: string = DEFAULT_WEIGHTS_FILE,
  ) {
    if (location.startsWith('/') || location.split(/[\\/]/).includes('..')) {
      throw new RangeError(
        `external data location '${location}' must stay inside the model folder (onnxruntime rejects absolute and ../ paths)`,
      );
    }
    mkdirSync(dir, { recursive: true });
    this.fd = openSync(join(dir, location), 'w');
  }

  get path(): string {
    return join(this.dir, this.location);
  }

  /** Bytes in the file so far, padding included. */
  get size(): number {
    return this.end;
  }

  private write(bytes: Uint8Array, position: number): void {
    const fd = this.fd ?? fail('INTERNAL', `external data file '${this.path}' is already closed`);
    for (let done = 0; done < bytes.byteLength;)
      done += writeSync(fd, bytes, done, bytes.byteLength - done, position + done);
  }

  /** Appends raw little-endian tensor bytes at the next aligned offset. */
  append(bytes: Uint8Array): ExternalRef {
    const align = alignmentFor(bytes.byteLength);
    const offset = Math.ceil(this.end / align) * align;
    this.write(bytes, offset);
    this.end = offset + bytes.byteLength;
    return { location: this.location, offset, length: bytes.byteLength };
  }

  /** Copies `length` bytes at `offset` of another file, in chunks, to the next aligned offset. */
  appendFrom(file: string, offset: number, length: number): ExternalRef {
    const align = alignmentFor(length);
    const start = Math.ceil(this.end / align) * align;
    let src: number;
    try {
      src = openSync(file, 'r');
    } catch (err) {
      return fail('FILE_NOT_FOUND', `cannot read external data file '${file}'`, err);
    }
    try {
      const chunk = new Uint8Array(Math.min(COPY_CHUNK_BYTES, Math.max(length, 1)));
      for (let done = 0; done < length;) {
        const n = readSync(src, chunk, 0, Math.min(chunk.byteLength, length - done), offset + done);
        if (n === 0)
          fail(
            'MODEL_INVALID',
            `external data file '${file}' ends before offset ${offset + done} (needs ${offset + length} bytes)`,
          );
        this.write(chunk.subarray(0, n), start + done);
        done += n;
      }
    } finally {
      closeSync(src);
    }
    this.end = start + length;
    return { location: this.location, offset: start, length };
  }

  /** WeightSink: generates the tensor, writes it, and keeps only the reference. */
  put(name: string, dtype: DType, dims: readonly number[], values: () => ConstTensor): Initializer {
    return { name, dtype, dims, external: this.append(tensorBytes(values())) };
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Inputs that onnxruntime's shape inference reads at session creation; it refuses to read them from external
 * data ("Cannot parse data from external tensors"), so they stay inline whatever their size.
 */
const SHAPE_ARGUMENTS: Readonly<Record<string, readonly number[]>> = {
  Reshape: [1],
  Expand: [1],
  Tile: [1],
  Slice: [1, 2, 3, 4],
  Resize: [1, 2, 3],
  Pad: [1, 2, 3],
  Unsqueeze: [1],
  Squeeze: [1],
  Split: [1],
  ConstantOfShape: [0],
  Range: [0, 1, 2],
  TopK: [1],
  OneHot: [1],
  ReduceSum: [1],
  ReduceMean: [1],
  ReduceMax: [1],
  ReduceMin: [1],
  ReduceProd: [1],
  ReduceL2: [1],
  ReduceSumSquare: [1],
};

function shapeArguments(model: Model): Set<string> {
  const names = new Set<string>();
  for (const node of model.graph.nodes)
    for (const i of SHAPE_ARGUMENTS[node.opType] ?? []) if (node.inputs[i]) names.add(node.inputs[i]);
  return names;
}

/**
 * Writes `dir/model.onnx` with every initializer of at least `thresholdBytes` in `dir/fileName`, except shape
 * arguments (above); tensors that are already external are copied from their file. Returns the written model
 * (baseDir = dir); the source model is not changed.
 */
export async function writeModelExternal(
  model: Model,
  dir: string,
  fileName = DEFAULT_WEIGHTS_FILE,
  thresholdBytes = 1024,
): Promise<Model> {
  const target = resolve(dir, fileName);
  for (const init of model.graph.initializers.values()) {
    if (init.external && resolve(model.baseDir, init.external.location) === target) {
      fail(
        'INVALID_SPEC',
        `'${target}' holds the weights being copied; write the model to another folder or file name`,
      );
    }
  }
  const writer = new ExternalDataWriter(dir, fileName);
  const shapeArgs = shapeArguments(model);
  const initializers = new Map<string, Initializer>();
  try {
    for (const [name, init] of model.graph.initializers) {
      if (init.data) {
        const bytes = tensorBytes(init.data);
        const { data: _inline, ...meta } = init;
        const movable = !shapeArgs.has(name) && bytes.byteLength >= thresholdBytes;
        initializers.set(name, movable ? { ...meta, external: writer.append(bytes) } : init);
        continue;
      }
      const ext = init.external ?? fail('INTERNAL', `initializer '${name}' has neither data nor external reference`);
      initializers.set(name, {
        ...init,
        external: writer.appendFrom(resolve(model.baseDir, ext.location), ext.offset, ext.length),
      });
    }
  } finally {
    writer.close();
  }
  if (writer.size === 0) rmSync(writer.path);
  const written: Model = { ...model, baseDir: resolve(dir), graph: { ...model.graph, initializers } };
  await writeModel(written, join(dir, MODEL_FILE));
  return written;
}
