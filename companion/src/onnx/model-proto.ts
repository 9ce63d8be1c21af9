// ModelProto <-> Model (the IR). Only graph structure is decoded; external weights stay on disk.
import { create } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType as AT,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type ModelProto,
  type NodeProto,
  type ValueInfoProto,
} from 'onnx-buf';
import { dtypes } from '../graph/dtype.ts';
import type { Attr, Graph, Model, Node, ValueInfo } from '../graph/ir.ts';
import { fail } from '../errors.ts';
import {
  dtypeOfProto,
  initializerFromProto,
  initializerToProto,
  tensorFromProto,
  tensorToProto,
} from './tensor-proto.ts';

const utf8 = new TextDecoder();
const utf8e = new TextEncoder();

function attrFromProto(a: AttributeProto): Attr {
  switch (a.type) {
    case AT.INT:
      return { type: 'int', value: Number(a.i) };
    case AT.FLOAT:
      return { type: 'float', value: a.f };
    case AT.STRING:
      return { type: 'string', value: utf8.decode(a.s) };
    case AT.INTS:
      return { type: 'ints', value: a.ints.map(Number) };
    case AT.FLOATS:
      return { type: 'floats', value: [...a.floats] };
    case AT.STRINGS:
      return { type: 'strings', value: a.strings.map((s) => utf8.decode(s)) };
    case AT.TENSOR:
      return a.t ? { type: 'tensor', value: tensorFromProto(a.t) } : { type: 'opaque', value: a };
    default:
      return { type: 'opaque', value: a };
  }
}

function attrToProto(name: string, a: Attr): AttributeProto {
  switch (a.type) {
    case 'int':
      return create(AttributeProtoSchema, { name, type: AT.INT, i: BigInt(a.value) });
    case 'float':
      return create(AttributeProtoSchema, { name, type: AT.FLOAT, f: a.value });
    case 'string':
      return create(AttributeProtoSchema, { name, type: AT.STRING, s: utf8e.encode(a.value) });
    case 'ints':
      return create(AttributeProtoSchema, { name, type: AT.INTS, ints: a.value.map(BigInt) });
    case 'floats':
      return create(AttributeProtoSchema, { name, type: AT.FLOATS, floats: [...a.value] });
    case 'strings':
      return create(AttributeProtoSchema, { name, type: AT.STRINGS, strings: a.value.map((s) => utf8e.encode(s)) });
    case 'tensor':
      return create(AttributeProtoSchema, { name, type: AT.TENSOR, t: tensorToProto('', a.value) });
    case 'opaque':
      return a.value as AttributeProto;
  }
}

function nodeFromProto(n: NodeProto, index: number): Node {
  const attrs: Record<string, Attr> = {};
  for (const a of n.attribute) attrs[a.name] = attrFromProto(a);
  return {
    name: n.name || `${n.opType}_${index}`,
    opType: n.opType,
    domain: n.domain,
    inputs: [...n.input],
    outputs: [...n.output],
    attrs,
  };
}

function valueInfoFromProto(v: ValueInfoProto): ValueInfo | undefined {
  if (v.type?.value.case !== 'tensorType') return undefined;
  const t = v.type.value.value;
  const dims = (t.shape?.dim ?? []).map((d, i) =>
    d.value.case === 'dimValue'
      ? Number(d.value.value)
      : d.value.case === 'dimParam'
        ? d.value.value
        : `${v.name}_d${i}`,
  );
  return { name: v.name, dtype: dtypeOfProto(t.elemType, `value '${v.name}'`), dims };
}

function valueInfoToProto(v: ValueInfo): ValueInfoProto {
  const dim = v.dims.map((d) =>
    create(TensorShapeProto_DimensionSchema, {
      value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : { case: 'dimParam', value: d },
    }),
  );
  const tensorType = create(TypeProto_TensorSchema, {
    elemType: dtypes[v.dtype].onnx,
    shape: create(TensorShapeProtoSchema, { dim }),
  });
  return create(ValueInfoProtoSchema, {
    name: v.name,
    type: create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } }),
  });
}

export function modelFromProto(m: ModelProto, baseDir: string): Model {
  const g = m.graph ?? fail('MODEL_INVALID', 'the model has no graph');
  const initializers = new Map(g.initializer.map((t) => [t.name, initializerFromProto(t)] as const));
  const required = (v: ValueInfoProto) =>
    valueInfoFromProto(v) ?? fail('MODEL_INVALID', `graph I/O '${v.name}' is not a tensor`);
  const graph: Graph = {
    name: g.name,
    nodes: g.node.map(nodeFromProto),
    // Old exports list initializers among the inputs; they are constants, not feeds.
    inputs: g.input.filter((v) => !initializers.has(v.name)).map(required),
    outputs: g.output.map(required),
    initializers,
    types: new Map(),
  };
  for (const v of g.valueInfo) {
    const info = valueInfoFromProto(v);
    if (info && info.dims.every((d) => typeof d === 'number'))
      graph.types.set(info.name, { dtype: info.dtype, dims: info.dims as number[] });
  }
  const metadata: Record<string, string> = {};
  for (const kv of m.metadataProps) metadata[kv.key] = kv.value;
  return {
    irVersion: Number(m.irVersion),
    opsetImports: m.opsetImport.map((o) => ({ domain: o.domain, version: Number(o.version) })),
    producerName: m.producerName,
    graph,
    baseDir,
    metadata,
  };
}

export function modelToProto(model: Model): ModelProto {
  const g = model.graph;
  const graph = create(GraphProtoSchema, {
    name: g.name,
    node: g.nodes.map((n) =>
      create(NodeProtoSchema, {
        name: n.name,
        opType: n.opType,
        domain: n.domain,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs).map(([k, a]) => attrToProto(k, a)),
      }),
    ),
    input: g.inputs.map(valueInfoToProto),
    output: g.outputs.map(valueInfoToProto),
    initializer: [...g.initializers.values()].map(initializerToProto),
  });
  return create(ModelProtoSchema, {
    irVersion: BigInt(model.irVersion),
    opsetImport: model.opsetImports.map((o) =>
      create(OperatorSetIdProtoSchema, { domain: o.domain, version: BigInt(o.version) }),
    ),
    producerName: model.producerName,
    graph,
    metadataProps: Object.entries(model.metadata).map(([key, value]) =>
      create(StringStringEntryProtoSchema, { key, value }),
    ),
  });
}
