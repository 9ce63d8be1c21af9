import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PACKAGE_DIR } from './demo-paths.ts';
import { renderPackageReadme } from './package-readme.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagic-readme-'));
  await copyFile(join(DEMO_PACKAGE_DIR, 'training.json'), join(dir, 'training.json'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const row = (label: string, outputsPerEta: number | undefined, successes: Record<number, number>) => ({
  label,
  ...(outputsPerEta === undefined ? {} : { outputsPerEta }),
  reconstruction: { meanPsnr: 30.5, minPsnr: 29.1 },
  atDefaultEta: { eta: 1.6, success: 0.5, colour: 1, shape: 0 },
  sweep: Object.entries(successes).map(([eta, success]) => ({ eta: Number(eta), success })),
  secondsPerCase: 12,
});

describe('renderPackageReadme', () => {
  it("lists each case's outcome at the default η and the comparison's outputs per η", async () => {
    const evaluation = {
      imagic: {
        cases: 1,
        outputsPerEta: 2,
        reconstruction: { meanPsnr: 31, minPsnr: 30.2, fractionAbove30: 1 },
        atDefaultEta: { eta: 1.6, success: 0.5, colour: 0.5, shape: 0 },
        sweep: [{ eta: 0, success: 0, psnrToInput: 31, meanIoU: 0.97 }],
        perCase: [
          {
            input: 'a blue square on a white background',
            prompt: 'a yellow square on a white background',
            kind: 'colour',
            reconstructionPsnr: [30.2, 31.8],
            atDefaultEta: [
              { seed: 1, read: 'yellow square on white', iou: 0.95, success: true },
              { seed: 2, read: 'yellow circle on white', iou: 0.41, success: false },
            ],
          },
        ],
      },
      comparison: [
        row('wide', 26, { 0.7: 0.25, 1: 0.5, 1.2: 0.6, 1.6: 0.75 }),
        row('old', undefined, { 0.7: 0, 1: 1 }),
      ],
    };
    await writeFile(join(dir, 'eval.json'), JSON.stringify(evaluation));
    const text = await renderPackageReadme(dir);
    expect(text).toContain(
      '| a blue square on a white background → a yellow square on a white background | 30.2 · 31.8 | ✓ yellow square on white, IoU 0.95 · ✗ yellow circle on white, IoU 0.41 |',
    );
    expect(text).toContain('| wide | 26 | 30.5 / 29.1 | 25% · 50% · 60% · 75% | 12 |');
    expect(text).toContain('| old | – | 30.5 / 29.1 | 0% · 100% · – · – | 12 |');
  });
});
