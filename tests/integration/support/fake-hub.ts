// Test support: a local HTTP server that answers like the Hugging Face hub for one repo, enough for
// @huggingface/hub's listFiles and downloadFile: the tree API (with LFS SHA-256 for .onnx files and git blob ids
// for the rest) and /resolve/ with Range requests. Faults on demand: cut a file's first full transfer halfway, or
// serve a file corrupted (while the listing keeps the true hash).
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export type FakeHubOptions = {
  repo: string;
  revision?: string;
  cutOnce?: string;
  corrupt?: string;
  extraFiles?: Record<string, string>;
};
export type FakeHub = {
  url: string;
  requests: { path: string; range: string | undefined }[];
  closeAsync(): Promise<void>;
};

async function filesOf(root: string, dir = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await filesOf(root, rel)));
    else out.push(rel);
  }
  return out;
}

export async function startFakeHubAsync(packageDir: string, options: FakeHubOptions): Promise<FakeHub> {
  const revision = options.revision ?? 'main';
  const contents = new Map<string, Buffer>();
  for (const file of await filesOf(packageDir)) contents.set(file, await readFile(path.join(packageDir, file)));
  for (const [file, text] of Object.entries(options.extraFiles ?? {})) contents.set(file, Buffer.from(text));
  const listing = [...contents].map(([file, bytes]) =>
    file.endsWith('.onnx')
      ? {
          type: 'file',
          path: file,
          size: bytes.length,
          oid: 'f'.repeat(40),
          lfs: { oid: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, pointerSize: 134 },
        }
      : {
          type: 'file',
          path: file,
          size: bytes.length,
          oid: createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex'),
        },
  );
  const requests: FakeHub['requests'] = [];
  let cut = false;

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://hub');
    if (url.pathname === `/api/models/${options.repo}/tree/${revision}`) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(listing));
      return;
    }
    const prefix = `/${options.repo}/resolve/${revision}/`;
    const file = url.pathname.startsWith(prefix) ? decodeURIComponent(url.pathname.slice(prefix.length)) : '';
    let bytes = contents.get(file);
    const range = req.headers.range;
    requests.push({ path: file, range });
    if (!bytes) {
      res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end('not found');
      return;
    }
    if (file === options.corrupt) bytes = Buffer.concat([bytes.subarray(0, -1), Buffer.from([bytes.at(-1)! ^ 0xff])]);
    const etag = `"${createHash('sha1').update(bytes).digest('hex')}"`;
    const match = range ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
    if (match) {
      const start = Number(match[1]);
      const end = match[2] ? Math.min(Number(match[2]), bytes.length - 1) : bytes.length - 1;
      res
        .writeHead(206, {
          'content-range': `bytes ${start}-${end}/${bytes.length}`,
          'content-length': end - start + 1,
          etag,
        })
        .end(bytes.subarray(start, end + 1));
      return;
    }
    if (file === options.cutOnce && !cut) {
      cut = true;
      res.writeHead(200, { 'content-length': bytes.length, etag });
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => setTimeout(() => res.destroy(), 50));
      return;
    }
    res.writeHead(200, { 'content-length': bytes.length, etag }).end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    closeAsync: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
