import { describe, expect, it } from 'vitest';
import type { BinaryFrame } from '../../../shared/src/protocol/binary-frame.ts';
import { serverMessageExamples } from '../../../shared/src/protocol/message-examples.ts';
import { fakePng } from '../../../shared/src/protocol/testing/fake-png.ts';
import { ResultCollector, type CompletedResult } from './result-collector.ts';

const base = serverMessageExamples['job.result'];
const jobResult = {
  ...base,
  outputs: [0, 1].map((index) => ({
    index,
    eta: 0.7,
    seed: index,
    width: 8,
    height: 8,
    format: 'png' as const,
    byteLength: 49,
  })),
};
const frame = (index: number, id = base.jobId): BinaryFrame => ({
  kind: 'result',
  id,
  index,
  width: 8,
  height: 8,
  format: 'png',
  payload: fakePng(8, 8),
});

describe('ResultCollector', () => {
  it('completes a job once its message and every frame are in, in either order', () => {
    const done: CompletedResult[] = [];
    const collector = new ResultCollector((r) => void done.push(r));
    collector.addFrame(frame(1));
    collector.addMessage(jobResult);
    expect(done).toEqual([]);
    collector.addFrame(frame(0));
    expect(done).toHaveLength(1);
    expect(done[0]?.outputs.map((o) => [o.index, o.seed, o.format, o.bytes.length])).toEqual([
      [0, 0, 'png', 49],
      [1, 1, 'png', 49],
    ]);
  });

  it('waits for the mask frame a message announces, and hands it over with the outputs', () => {
    const done: CompletedResult[] = [];
    const collector = new ResultCollector((r) => void done.push(r));
    collector.addMessage({ ...jobResult, mask: { width: 8, height: 8, format: 'png', byteLength: 49 } });
    collector.addFrame(frame(0));
    collector.addFrame(frame(1));
    expect(done).toEqual([]);
    collector.addFrame({ ...frame(0), kind: 'mask' });
    expect(done[0]?.mask).toMatchObject({ width: 8, height: 8 });
    expect(done[0]?.mask?.png.length).toBe(49);
    expect(done[0]?.outputs).toHaveLength(2);
  });

  it('ignores upload frames and forgets dropped jobs', () => {
    const done: CompletedResult[] = [];
    const collector = new ResultCollector((r) => void done.push(r));
    collector.addFrame({ ...frame(0), kind: 'upload' });
    collector.addMessage(jobResult);
    collector.drop(base.jobId);
    collector.addFrame(frame(0));
    collector.addFrame(frame(1));
    expect(done).toEqual([]);
  });
});
