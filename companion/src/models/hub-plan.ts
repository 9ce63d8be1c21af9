// Which files of a Hugging Face repo make up the ONNX pipeline, from the repo's file listing: model_index.json and
// the files of the components the engine reads, minus PyTorch/Flax weights, which ONNX repos often carry too
// (e.g. `onnx-community/…`, or a diffusers repo's `onnx` revision next to safetensors).
import type { ListFileEntry } from '@huggingface/hub';
import { fail } from '../errors.ts';

export type PlannedFile = {
  path: string;
  size: number;
  /** LFS files: the SHA-256 of the content. */
  sha256?: string;
  /** Regular git files: the git blob id (SHA-1 of "blob <size>\0" + content). */
  gitOid?: string;
};

const FOLDERS = ['scheduler/', 'tokenizer/', 'text_encoder/', 'unet/', 'vae_encoder/', 'vae_decoder/'];
const SKIPPED = /\.(safetensors|bin|ckpt|pt|pth|msgpack|h5|md)$/i;
const SAFE_PATH = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export function planDownload(entries: readonly ListFileEntry[], repo: string): PlannedFile[] {
  const files: PlannedFile[] = [];
  for (const entry of entries) {
    if (entry.type !== 'file') continue;
    const wanted = entry.path === 'model_index.json' || (FOLDERS.some((f) => entry.path.startsWith(f)) && !SKIPPED.test(entry.path));
    if (!wanted) continue;
    // The path becomes a file name here: no "..", no absolute paths, nothing a listing could use to escape.
    if (!SAFE_PATH.test(entry.path) || entry.path.split('/').includes('..')) fail('DOWNLOAD_FAILED', `${repo} lists a file with an unsafe path: ${JSON.stringify(entry.path)}`);
    const size = entry.lfs?.size ?? entry.size;
    files.push({ path: entry.path, size, ...(entry.lfs ? { sha256: entry.lfs.oid } : entry.oid ? { gitOid: entry.oid } : {}) });
  }
  if (!files.some((f) => f.path === 'model_index.json'))
    fail('MODEL_INCOMPLETE', `${repo} has no model_index.json at that revision; pick a diffusers-ONNX repo or its ONNX revision (e.g. --revision onnx)`);
  return files;
}
