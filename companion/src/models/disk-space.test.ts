import { describe, expect, it } from 'vitest';
import { checkDiskSpaceAsync } from './disk-space.ts';
import { planDownload } from './hub-plan.ts';

describe('checkDiskSpaceAsync', () => {
  const statFs = async () => ({ bavail: 1000, bsize: 4096 });

  it('refuses a download that does not fit, with DISK_FULL', async () => {
    await expect(checkDiskSpaceAsync('/data', 4_000_000, statFs)).rejects.toMatchObject({ code: 'DISK_FULL' });
    await expect(checkDiskSpaceAsync('/data', 3_000_000, statFs)).resolves.toEqual({ freeBytes: 4_096_000 });
  });
});

describe('planDownload', () => {
  const file = (p: string, extra = {}) => ({ type: 'file' as const, path: p, size: 10, oid: 'a'.repeat(40), ...extra });

  it('keeps the pipeline files, with their hashes, and skips other weights and docs', () => {
    const plan = planDownload(
      [file('model_index.json'), file('unet/model.onnx', { lfs: { oid: 'b'.repeat(64), size: 99, pointerSize: 130 } }), file('unet/diffusion_pytorch_model.safetensors'), file('README.md'), file('safety_checker/model.onnx'), { type: 'directory' as const, path: 'unet', size: 0 }],
      'org/repo',
    );
    expect(plan).toEqual([
      { path: 'model_index.json', size: 10, gitOid: 'a'.repeat(40) },
      { path: 'unet/model.onnx', size: 99, sha256: 'b'.repeat(64) },
    ]);
  });

  it('refuses a repo without model_index.json and a listing with an escaping path', () => {
    expect(() => planDownload([file('unet/model.onnx')], 'org/repo')).toThrow(expect.objectContaining({ code: 'MODEL_INCOMPLETE' }));
    expect(() => planDownload([file('model_index.json'), file('unet/../../x.onnx')], 'org/repo')).toThrow(expect.objectContaining({ code: 'DOWNLOAD_FAILED' }));
  });
});
