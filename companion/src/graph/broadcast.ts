// Numpy-style multidirectional broadcasting (ONNX "Broadcasting in ONNX").
export function broadcastShapes(...shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i]!;
      if (d === 1) continue;
      if (out[o] !== 1 && out[o] !== d)
        throw new RangeError(`cannot broadcast [${shapes.map((x) => x.join(',')).join('] with [')}]`);
      out[o] = d;
    }
  }
  return out;
}

/** Axes of `out` along which `operand` was broadcast: leading axes it lacks, and its 1-dims that grew. */
export function broadcastAxes(operand: readonly number[], out: readonly number[]): number[] {
  const lead = out.length - operand.length;
  const axes: number[] = [];
  for (let i = 0; i < out.length; i++) {
    if (i < lead) axes.push(i);
    else if (operand[i - lead] === 1 && out[i] !== 1) axes.push(i);
  }
  return axes;
}

export const normAxis = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);
