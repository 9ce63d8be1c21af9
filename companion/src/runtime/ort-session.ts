// The only module that imports onnxruntime-node. Sessions are created from an in-memory Model: the graph is
// serialised to bytes, and external weights are found through the external-initializers folder option, so
// weights are never copied into JS memory (onnx-notes §3.3).
import * as ort from 'onnxruntime-node';
import type { Model } from '../graph/ir.ts';
import { serializeModel } from '../onnx/model-file.ts';
import { fail } from '../errors.ts';
import type { Feeds, HostTensor } from './host-tensor.ts';
import type { DType } from '../graph/dtype.ts';

export type Provider = 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu';

export interface SessionOptions {
  readonly provider?: Provider;
  readonly intraOpThreads?: number;
  readonly optimization?: 'disabled' | 'basic' | 'extended' | 'all';
}

export class OrtSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly provider: Provider,
  ) {}

  static async create(model: Model, options: SessionOptions = {}): Promise<OrtSession> {
    const provider = options.provider ?? 'cpu';
    const hasExternal = [...model.graph.initializers.values()].some((i) => i.external);
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: [provider],
      graphOptimizationLevel: options.optimization ?? 'all',
      ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
      ...(hasExternal ? { extra: { session: { model_external_initializers_file_folder_path: model.baseDir } } } : {}),
    };
    try {
      return new OrtSession(await ort.InferenceSession.create(serializeModel(model), sessionOptions), provider);
    } catch (err) {
      return fail('RUNTIME_FAILED', `creating a ${provider} session failed: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  async run(feeds: Feeds, fetches?: readonly string[]): Promise<Record<string, HostTensor>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(t.dtype, t.data as never, [...t.dims]);
    let results: ort.InferenceSession.ReturnType;
    try {
      results = fetches ? await this.session.run(ortFeeds, [...fetches]) : await this.session.run(ortFeeds);
    } catch (err) {
      return fail('RUNTIME_FAILED', `run failed: ${err instanceof Error ? err.message : String(err)}`, err);
    }
    const out: Record<string, HostTensor> = {};
    for (const [name, t] of Object.entries(results)) {
      out[name] = { dtype: t.type as DType, dims: [...t.dims], data: t.data as HostTensor['data'] };
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
