// Reverse-mode walk over a normalised graph. Activity analysis first: only nodes on a path from a trainable
// tensor to a seeded value are differentiated (docs/onnx.md §4.3). Gradients of values with several consumers
// are summed. Emitted nodes are appended to the same graph, after the forward, so one session runs both.
import { dtypes } from '../graph/dtype.ts';
import type { GraphEmitter } from '../graph/emitter.ts';
import { indexGraph, type Node } from '../graph/ir.ts';
import { fail } from '../errors.ts';
import { gradientRules } from './gradient-rules.ts';
import { emitRecompute, recomputableChains } from './recompute.ts';
import { makeContext, RuleError } from './rule.ts';

export interface Seed {
  /** A forward value the loss depends on... */
  readonly value: string;
  /** ...and the gradient of the loss with respect to it, already in the graph. */
  readonly grad: string;
}

function activeValues(nodes: readonly Node[], wrt: readonly string[], isFloat: (v: string) => boolean): Set<string> {
  const active = new Set(wrt);
  for (const n of nodes) {
    if (n.inputs.some((x) => active.has(x))) for (const o of n.outputs) if (o && isFloat(o)) active.add(o);
  }
  return active;
}

function neededValues(nodes: readonly Node[], seeds: readonly Seed[]): Set<string> {
  const needed = new Set(seeds.map((s) => s.value));
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (n.outputs.some((o) => needed.has(o))) for (const x of n.inputs) if (x) needed.add(x);
  }
  return needed;
}

/** Emits the backward pass; returns the gradient value for each `wrt` name. */
export interface BackwardOptions {
  /** Softmax outputs at least this large are recomputed in the backward (recompute.ts); default RECOMPUTE_BYTES. */
  readonly recomputeBytes?: number;
}

export function emitBackward(
  e: GraphEmitter,
  seeds: readonly Seed[],
  wrt: readonly string[],
  options: BackwardOptions = {},
): Map<string, string> {
  const forward = [...e.graph.nodes];
  const isFloat = (v: string) => dtypes[e.type(v).dtype].isFloat;
  const active = activeValues(forward, wrt, isFloat);
  const needed = neededValues(forward, seeds);
  const partials = new Map<string, string[]>();
  const total = new Map<string, string>();
  const contribute = (value: string, grad: string) => {
    const list = partials.get(value);
    if (list) list.push(grad);
    else partials.set(value, [grad]);
  };
  const gradOf = (value: string): string | null => {
    const done = total.get(value);
    if (done) return done;
    const list = partials.get(value);
    if (!list) return null;
    const summed = e.sum(list);
    total.set(value, summed);
    return summed;
  };
  for (const s of seeds) contribute(s.value, s.grad);
  const { consumers } = indexGraph({ ...e.graph, nodes: forward });
  const consumersOf = (value: string) => consumers.get(value) ?? [];
  // Large attention probabilities are recomputed in the backward rather than kept (recompute.ts).
  const chains = recomputableChains(forward, e.graph, consumersOf, options.recomputeBytes);
  const recomputed = new Map<string, string>();
  const late = (value: string, anchor: string): string => {
    const chain = chains.get(value);
    if (!chain) return value;
    let again = recomputed.get(value);
    if (!again) recomputed.set(value, (again = emitRecompute(e, chain, anchor)));
    return again;
  };

  for (let i = forward.length - 1; i >= 0; i--) {
    const node = forward[i]!;
    const needs = (k: number) => {
      const x = node.inputs[k];
      return Boolean(x) && active.has(x!) && isFloat(x!);
    };
    if (!node.inputs.some((_, k) => needs(k)) || !node.outputs.some((o) => needed.has(o) && active.has(o))) continue;
    const dys = node.outputs.map((o) => (o ? gradOf(o) : null));
    const anchor = dys.find((d) => d);
    if (!anchor) continue;
    const walk = { gradOf, consumers: consumersOf, value: (v: string) => late(v, anchor) };
    const rule = gradientRules[node.opType];
    if (!rule) fail('NO_GRADIENT_RULE', `no gradient rule for op ${node.opType} (node '${node.name}')`);
    let grads;
    try {
      grads = rule!(dys, makeContext(e, node, needs, walk));
    } catch (err) {
      if (err instanceof RuleError) fail('NO_GRADIENT_RULE', err.message, err);
      throw err;
    }
    node.inputs.forEach((x, k) => {
      if (!needs(k)) return;
      const g = grads[k];
      if (!g)
        fail('NO_GRADIENT_RULE', `the ${node.opType} rule gives no gradient for input ${k} of node '${node.name}'`);
      contribute(x, g!);
    });
  }
  const out = new Map<string, string>();
  for (const w of wrt) {
    const g = gradOf(w);
    if (!g) fail('NOT_DIFFERENTIABLE', `the loss does not depend on '${w}'`);
    out.set(w, g!);
  }
  return out;
}
