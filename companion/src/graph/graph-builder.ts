// Starts a new in-memory model and adds graph inputs, weights and outputs; ops are added through the
// GraphEmitter it exposes. Tests and the UNet builder both build graphs with it.
import { GraphEmitter } from './emitter.ts';
import type { DType } from './dtype.ts';
import type { Graph, Model } from './ir.ts';
import type { ConstTensor } from './tensor.ts';

export class GraphBuilder {
  readonly model: Model;
  readonly e: GraphEmitter;

  constructor(opts: { opset: number; name?: string; baseDir?: string }) {
    const graph: Graph = {
      name: opts.name ?? 'graph',
      nodes: [],
      inputs: [],
      outputs: [],
      initializers: new Map(),
      types: new Map(),
    };
    this.model = {
      irVersion: opts.opset >= 21 ? 10 : opts.opset >= 19 ? 9 : 8,
      opsetImports: [{ domain: '', version: opts.opset }],
      producerName: 'imagic-model-builder',
      graph,
      baseDir: opts.baseDir ?? process.cwd(),
      metadata: {},
    };
    this.e = new GraphEmitter(graph, opts.opset, '');
  }

  get graph(): Graph {
    return this.model.graph;
  }

  input(name: string, dtype: DType, dims: readonly number[]): string {
    this.graph.inputs.push({ name, dtype, dims });
    this.graph.types.set(name, { dtype, dims });
    return name;
  }

  /** A named initializer (a weight), kept inline. */
  weight(name: string, t: ConstTensor): string {
    this.graph.initializers.set(name, { name, dtype: t.dtype, dims: t.dims, data: t });
    this.graph.types.set(name, { dtype: t.dtype, dims: t.dims });
    return name;
  }

  /** Marks a value as a graph output, renaming it through an Identity when it needs another name. */
  output(value: string, name = value): string {
    const src = value === name ? value : this.e.op('Identity', [value], {}, { names: [name] })[0]!;
    const t = this.e.type(src);
    this.graph.outputs.push({ name: src, dtype: t.dtype, dims: t.dims });
    return src;
  }
}
