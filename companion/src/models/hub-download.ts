// `imagic models download <repo>`: a diffusers-ONNX package from the Hugging Face hub through @huggingface/hub
// (listFiles, downloadFile), into <data-dir>/models/.partial-<id>/ first, so an interrupted download resumes
// file by file and byte by byte, and into models/<id> only once every file checked out and the layout validates.
// `hubUrl` and `fetch` make it point anywhere (tests serve a tiny package from a local HTTP server).
import { downloadFile, listFiles, type ListFileEntry } from '@huggingface/hub';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelId } from '../../../shared/src/protocol/companion-info.ts';
import { fail, ImagicError } from '../errors.ts';
import { checkDiskSpaceAsync, type StatFs } from './disk-space.ts';
import { downloadFileAsync, type FileOutcome } from './file-download.ts';
import { planDownload } from './hub-plan.ts';
import { modelDir, modelsDir, SOURCE_FILE } from './model-store.ts';
import { validatePackageLayoutAsync } from './package-layout.ts';

export type DownloadProgress = { file: string; doneBytes: number; totalBytes: number; fileIndex: number; fileCount: number };

export type HubDownloadOptions = {
  dataDir: string;
  repo: string;
  revision?: string;
  /** The model id; defaults to the repo's name. */
  name?: string;
  hubUrl?: string;
  fetch?: typeof fetch;
  accessToken?: string;
  onProgress?: (progress: DownloadProgress) => void;
  statFs?: StatFs;
};

export type HubDownloadResult = { id: string; dir: string; bytes: number; outcomes: Record<FileOutcome, number> };

const exists = async (p: string) => (await stat(p).catch(() => undefined)) !== undefined;

/** A fetch that refuses a 200 answer to a request for a later part of a file, which would be appended as if it were that part. */
function rangeCheckingFetch(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    const range = new Headers(init?.headers).get('range');
    if (range && !range.startsWith('bytes=0-') && response.status === 200) {
      await response.body?.cancel();
      throw new ImagicError('DOWNLOAD_FAILED', 'the server ignored a range request, so the download cannot resume; delete the .partial folder to start over');
    }
    return response;
  };
}

/** Anything the hub client throws becomes DOWNLOAD_FAILED with its message. */
async function hubCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ImagicError) throw err;
    return fail('DOWNLOAD_FAILED', `${what}: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

export async function downloadModelAsync(options: HubDownloadOptions): Promise<HubDownloadResult> {
  const { dataDir, repo, revision = 'main' } = options;
  const id = options.name ?? repo.split('/').at(-1) ?? repo;
  if (!ModelId.safeParse(id).success) fail('INVALID_SPEC', `'${id}' cannot be a model id; pass --name <id> (letters, digits, . _ -)`);
  const final = modelDir(dataDir, id);
  if (await exists(final)) fail('MODEL_EXISTS', `model '${id}' is already installed at ${final}`);
  const hub = { fetch: rangeCheckingFetch(options.fetch ?? fetch), ...(options.hubUrl ? { hubUrl: options.hubUrl } : {}), ...(options.accessToken ? { accessToken: options.accessToken } : {}) };

  const entries = await hubCall(`listing ${repo}@${revision}`, async () => {
    const all: ListFileEntry[] = [];
    for await (const entry of listFiles({ repo, revision, recursive: true, ...hub })) all.push(entry);
    return all;
  });
  const files = planDownload(entries, repo);
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0);
  const staging = path.join(modelsDir(dataDir), `.partial-${id}`);
  await mkdir(staging, { recursive: true });
  let present = 0;
  for (const f of files) present += (await stat(path.join(staging, f.path)).catch(() => undefined))?.size ?? (await stat(path.join(staging, `${f.path}.part`)).catch(() => undefined))?.size ?? 0;
  await checkDiskSpaceAsync(staging, Math.max(0, totalBytes - present), options.statFs);

  const outcomes: Record<FileOutcome, number> = { complete: 0, resumed: 0, downloaded: 0 };
  let doneBytes = 0;
  for (const [fileIndex, file] of files.entries()) {
    const outcome = await downloadFileAsync({
      file,
      dest: path.join(staging, file.path),
      openBlob: () =>
        hubCall(`fetching ${file.path}`, async () => {
          const blob = await downloadFile({ repo, path: file.path, revision, xet: false, ...hub });
          return blob ?? fail('DOWNLOAD_FAILED', `${repo}@${revision} lists ${file.path} but does not serve it`);
        }),
      onBytes: (count) => {
        doneBytes += count;
        options.onProgress?.({ file: file.path, doneBytes, totalBytes, fileIndex, fileCount: files.length });
      },
    });
    outcomes[outcome]++;
  }
  await writeFile(path.join(staging, SOURCE_FILE), `${JSON.stringify({ source: `hub:${repo}@${revision}`, installedAt: new Date().toISOString() }, null, 2)}\n`);
  await validatePackageLayoutAsync(staging);
  await rename(staging, final);
  return { id, dir: final, bytes: totalBytes, outcomes };
}
