// The only module that imports onnxruntime-node. Sessions are created from an in-memory Model (serialised to
// bytes, external weights found through the external-initializers folder option, so weights are never copied
// into JS memory, docs/onnx.md §3.3), from serialised bytes plus that folder, or from a model file path.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Graph, Model } from '../graph/ir.ts';
import { estimatePeakBytes } from '../graph/live-bytes.ts';
import { serializeModel } from '../onnx/model-file.ts';
import { fail } from '../errors.ts';
import type { Feeds, HostTensor } from './host-tensor.ts';
import type { DType } from '../graph/dtype.ts';

export type Provider = 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu';

export interface SessionOptions {
  readonly provider?: Provider;
  readonly intraOpThreads?: number;
  readonly optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Only fatal native log lines: for sessions that probe a provider and are expected to fail on most machines. */
  readonly quiet?: boolean;
  /**
   * false: every node must run on `provider`; a node the provider has no kernel for fails the session's creation
   * instead of running on the CPU provider (onnxruntime's session.disable_cpu_ep_fallback). Default true.
   */
  readonly cpuFallback?: boolean;
  /** Record where the runtime places each node during the first run, for `placement()`. */
  readonly recordPlacement?: boolean;
  /**
   * For training graphs, whose activations dwarf the weights: every tensor freed at its last use (no CPU arena, no
   * memory pattern preallocated from the first run), weights not pre-packed into second copies, and on the CPU no
   * NCHWc layout transform (whose re-laid-out copies of activations live beside the originals the backward keeps).
   * See `trainsLean` for when it pays.
   */
  readonly lowMemory?: boolean;
  /**
   * Outputs the provider should leave where it computed them (WebGPU: GPU buffers, onnxruntime-node's gpu-buffer
   * location), for loops that feed them back at the next step (`runKeeping`). Only WebGPU has such a location in
   * onnxruntime-node; elsewhere they come back as host tensors that stay in the session's thread. A session with
   * device outputs must fetch every output at every run (onnxruntime-node binds them all once).
   */
  readonly deviceOutputs?: readonly string[];
}

/**
 * Whether the training graphs of a model with this forward graph should be opened with `lowMemory`: yes when the
 * forward alone needs more than 1 GiB (SD 1.5: stage 1 at 64×64 on CPU, 14.4 → 7.3 GiB peak RSS and 13.2 → 8.4 s a
 * step); no for small models, whose steps run 10–20% slower lean (the demo model). docs/providers.md, "Memory".
 */
export const trainsLean = (forward: Graph): boolean =>
  estimatePeakBytes(forward, 'fp32').peak > LEAN_TRAINING_FROM_BYTES;
const LEAN_TRAINING_FROM_BYTES = 2 ** 30;

/** Nodes per provider, as the runtime placed them: `{ webgpu: 1129 }`. */
export type NodesByProvider = Record<string, number>;

/** onnxruntime's provider type names, as its profiler records them, in our `Provider` words. */
const PROVIDER_WORDS: Readonly<Record<string, Provider>> = {
  CPUExecutionProvider: 'cpu',
  CUDAExecutionProvider: 'cuda',
  DmlExecutionProvider: 'dml',
  CoreMLExecutionProvider: 'coreml',
  WebGpuExecutionProvider: 'webgpu',
};

/** onnxruntime's severity levels: 0 verbose … 3 error, 4 fatal. */
const FATAL_ONLY = 4;

/** A graph input or output as the session declares it; `dtype` is onnxruntime's type name (e.g. 'float16'). */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: string;
  /** Empty for a 0-d tensor (and, in onnxruntime's metadata, for an undeclared shape). Strings are symbolic. */
  readonly dims: readonly (number | string)[];
}

/** Execution providers this onnxruntime-node build lists for the platform (cuda may still lack its libraries). */
export function listedProviders(): string[] {
  return ort.listSupportedBackends().map((b) => b.name);
}

/**
 * Native log lines below fatal off for this thread's onnxruntime environment; call before the first session.
 * Provider probes fail loudly in the environment's own logger (a missing CUDA library prints an error line even
 * though the failure is expected and reported), and every real failure still comes back as an exception.
 */
export function quietRuntimeLogs(): void {
  ort.env.logLevel = 'fatal';
}

type Source =
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array; readonly baseDir?: string }
  | { readonly kind: 'file'; readonly path: string };

/** IMAGIC_ORT_SPIN=1 restores onnxruntime's default spin-waiting (for benchmarks on an otherwise idle machine). */
const spinningAllowed = (): boolean => process.env['IMAGIC_ORT_SPIN'] === '1';

export class OrtSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly provider: Provider,
    /** The profiler's folder while placement is being recorded. */
    private profileDir: string | undefined,
  ) {}

  static async create(model: Model, options: SessionOptions = {}): Promise<OrtSession> {
    const hasExternal = [...model.graph.initializers.values()].some((i) => i.external);
    return OrtSession.open(
      { kind: 'bytes', bytes: serializeModel(model), ...(hasExternal ? { baseDir: model.baseDir } : {}) },
      options,
    );
  }

  /** From a serialised model; `baseDir` is where its external-data locations resolve (omit when it has none). */
  static createFromBytes(
    bytes: Uint8Array,
    baseDir: string | undefined,
    options: SessionOptions = {},
  ): Promise<OrtSession> {
    return OrtSession.open({ kind: 'bytes', bytes, ...(baseDir !== undefined ? { baseDir } : {}) }, options);
  }

  /** From a .onnx file; onnxruntime resolves external data next to it. */
  static createFromFile(path: string, options: SessionOptions = {}): Promise<OrtSession> {
    return OrtSession.open({ kind: 'file', path }, options);
  }

  private static async open(source: Source, options: SessionOptions): Promise<OrtSession> {
    const provider = options.provider ?? 'cpu';
    const folder = source.kind === 'bytes' ? source.baseDir : undefined;
    // The runtime's profiler is the one public record of placement: each kernel event names its provider.
    const profileDir = options.recordPlacement ? await mkdtemp(join(tmpdir(), 'imagic-placement-')) : undefined;
    const lean = options.lowMemory === true;
    const onDevice = provider === 'webgpu' && (options.deviceOutputs?.length ?? 0) > 0;
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: [provider],
      graphOptimizationLevel: options.optimization ?? (lean && provider === 'cpu' ? 'extended' : 'all'),
      ...(lean ? { enableCpuMemArena: false, enableMemPattern: false } : {}),
      ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
      ...(options.quiet ? { logSeverityLevel: FATAL_ONLY } : {}),
      ...(onDevice
        ? {
            preferredOutputLocation: Object.fromEntries(
              options.deviceOutputs!.map((name) => [name, 'gpu-buffer' as const]),
            ),
          }
        : {}),
      ...(profileDir !== undefined ? { enableProfiling: true, profileFilePrefix: join(profileDir, 'run') } : {}),
      extra: {
        session: {
          ...(options.cpuFallback === false ? { disable_cpu_ep_fallback: '1' } : {}),
          ...(lean ? { disable_prepacking: '1' } : {}),
          ...(folder !== undefined ? { model_external_initializers_file_folder_path: folder } : {}),
          // onnxruntime's worker threads spin-wait between ops by default. On a designer's machine the companion
          // shares the cores with Figma or Photoshop, and spinning threads then steal the time they wait for.
          intra_op: { allow_spinning: spinningAllowed() ? '1' : '0' },
        },
      },
    };
    try {
      const session =
        source.kind === 'file'
          ? await ort.InferenceSession.create(source.path, sessionOptions)
          : await ort.InferenceSession.create(source.bytes, sessionOptions);
      return new OrtSession(session, provider, profileDir);
    } catch (err) {
      if (profileDir !== undefined) await rm(profileDir, { recursive: true, force: true });
      return fail(
        'RUNTIME_FAILED',
        `creating a ${provider} session failed: ${err instanceof Error ? err.message : String(err)}`,
        err,
      );
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  get inputMetadata(): readonly TensorInfo[] {
    return this.session.inputMetadata.map(tensorInfo);
  }

  get outputMetadata(): readonly TensorInfo[] {
    return this.session.outputMetadata.map(tensorInfo);
  }

  async run(feeds: Feeds, fetches?: readonly string[]): Promise<Record<string, HostTensor>> {
    return (await this.runKeeping(feeds, fetches, new Set())).host;
  }

  /**
   * A run whose `keep` outputs stay where the provider left them (see `deviceOutputs`), as KeptTensors to feed to a
   * later run; the rest come back as host tensors. `hostBytes` counts what crossed between the caller and the
   * runtime: host feeds in, host outputs out (on a GPU provider, the host↔device traffic of the run).
   */
  async runKeeping(
    feeds: Readonly<Record<string, HostTensor | KeptTensor>>,
    fetches: readonly string[] | undefined,
    keep: ReadonlySet<string>,
  ): Promise<{ host: Record<string, HostTensor>; kept: Record<string, KeptTensor>; hostBytes: number }> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    let hostBytes = 0;
    for (const [name, t] of Object.entries(feeds)) {
      if (t instanceof KeptTensor) ortFeeds[name] = t.value;
      else {
        ortFeeds[name] = new ort.Tensor(t.dtype, t.data as never, [...t.dims]);
        hostBytes += t.data.byteLength;
      }
    }
    let results: ort.InferenceSession.ReturnType;
    try {
      results = fetches ? await this.session.run(ortFeeds, [...fetches]) : await this.session.run(ortFeeds);
    } catch (err) {
      return fail('RUNTIME_FAILED', `run failed: ${err instanceof Error ? err.message : String(err)}`, err);
    }
    const host: Record<string, HostTensor> = {};
    const kept: Record<string, KeptTensor> = {};
    for (const [name, t] of Object.entries(results)) {
      if (keep.has(name)) kept[name] = new KeptTensor(t);
      else {
        if (t.location !== 'cpu') {
          t.dispose();
          return fail('INTERNAL', `output '${name}' is on the device (${t.location}); only kept outputs may be`);
        }
        host[name] = { dtype: t.type as DType, dims: [...t.dims], data: t.data as HostTensor['data'] };
        hostBytes += host[name].data.byteLength;
      }
    }
    return { host, kept, hostBytes };
  }

  /**
   * Nodes per provider, as the runtime placed them (after its graph optimisations and fusions, so the count is the
   * runtime's, not the model's). Needs `recordPlacement` and at least one run; stops the recording, so later runs are not slowed.
   */
  async placement(): Promise<NodesByProvider> {
    const dir = this.profileDir ?? fail('RUNTIME_FAILED', 'placement() needs a session opened with recordPlacement');
    this.profileDir = undefined;
    try {
      this.session.endProfiling();
      const [file] = await readdir(dir);
      if (file === undefined)
        return fail('RUNTIME_FAILED', 'the runtime wrote no profile: run the session once before placement()');
      const events = JSON.parse(await readFile(join(dir, file), 'utf8')) as ProfileEvent[];
      // One event per node and run: keyed by node name, so any number of runs counts each node once.
      const placed = new Map<string, string>();
      for (const e of events) {
        if (e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.args?.provider)
          placed.set(e.name, e.args.provider);
      }
      const counts: NodesByProvider = {};
      for (const provider of placed.values()) {
        const word = PROVIDER_WORDS[provider] ?? provider;
        counts[word] = (counts[word] ?? 0) + 1;
      }
      return counts;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async release(): Promise<void> {
    if (this.profileDir !== undefined) {
      this.session.endProfiling();
      await rm(this.profileDir, { recursive: true, force: true });
    }
    await this.session.release();
  }
}

/**
 * An output kept for a later run (`runKeeping`): on the GPU when the session left it there, else in host memory of
 * the session's thread. Released with `dispose()`; read back with `downloadAsync`.
 */
export class KeptTensor {
  constructor(readonly value: ort.Tensor) {}

  get dtype(): DType {
    return this.value.type as DType;
  }

  get dims(): readonly number[] {
    return this.value.dims;
  }

  get onDevice(): boolean {
    return this.value.location === 'gpu-buffer';
  }

  /** A host tensor kept for `provider`'s sessions: in a GPU buffer for WebGPU (copied up by a one-node session). */
  static async uploadAsync(t: HostTensor, provider: Provider): Promise<KeptTensor> {
    const value = new ort.Tensor(t.dtype, t.data as never, [...t.dims]);
    if (provider !== 'webgpu') return new KeptTensor(value);
    const session = await copySessionAsync(t.dtype, t.dims, 'up');
    return new KeptTensor((await session.run({ [COPY_INPUT]: value }))[COPY_OUTPUT]!);
  }

  /** The values on the host. A GPU buffer is copied down by a one-node session (onnxruntime-node gives a GPU tensor no download of its own). */
  async downloadAsync(): Promise<HostTensor> {
    const t = this.value;
    if (!this.onDevice) return { dtype: this.dtype, dims: [...t.dims], data: t.data as HostTensor['data'] };
    const session = await copySessionAsync(this.dtype, t.dims, 'down');
    const out = (await session.run({ [COPY_INPUT]: t }))[COPY_OUTPUT]!;
    return { dtype: this.dtype, dims: [...out.dims], data: out.data as HostTensor['data'] };
  }

  dispose(): void {
    this.value.dispose();
  }
}

const COPY_INPUT = 'x';
const COPY_OUTPUT = 'y';
const copySessions = new Map<string, Promise<ort.InferenceSession>>();

/**
 * A WebGPU session that copies one tensor of this type to the device ('up': its output in a GPU buffer) or to the
 * host ('down'); one per dtype, shape and direction (few: a stage's parameters, sampling's embeddings).
 */
function copySessionAsync(
  dtype: DType,
  dims: readonly number[],
  direction: 'up' | 'down',
): Promise<ort.InferenceSession> {
  const key = `${direction}:${dtype}[${dims.join(',')}]`;
  let session = copySessions.get(key);
  if (!session) {
    const type = { dtype, dims };
    const graph: Graph = {
      name: 'copy',
      nodes: [
        { name: 'copy', opType: 'Identity', domain: '', inputs: [COPY_INPUT], outputs: [COPY_OUTPUT], attrs: {} },
      ],
      inputs: [{ name: COPY_INPUT, ...type }],
      outputs: [{ name: COPY_OUTPUT, ...type }],
      initializers: new Map(),
      types: new Map([
        [COPY_INPUT, type],
        [COPY_OUTPUT, type],
      ]),
    };
    const model: Model = {
      irVersion: 8,
      opsetImports: [{ domain: '', version: 17 }],
      producerName: 'imagic',
      graph,
      baseDir: '.',
      metadata: {},
    };
    session = ort.InferenceSession.create(serializeModel(model), {
      executionProviders: ['webgpu'],
      ...(direction === 'up' ? { preferredOutputLocation: { [COPY_OUTPUT]: 'gpu-buffer' as const } } : {}),
    });
    copySessions.set(key, session);
  }
  return session;
}

/** The fields of an onnxruntime profiler event that `placement()` reads. */
interface ProfileEvent {
  readonly cat: string;
  readonly name: string;
  readonly args?: { readonly provider?: string };
}

function tensorInfo(m: ort.InferenceSession.ValueMetadata): TensorInfo {
  return m.isTensor
    ? { name: m.name, dtype: m.type, dims: [...m.shape] }
    : { name: m.name, dtype: 'non-tensor', dims: [] };
}
