// Test support: a GET with exactly the headers given (fetch would add or forbid some), the body as text.
import { request } from 'node:http';

export type HttpResult = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

export function httpGetAsync(port: number, path: string, headers: Record<string, string>): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}
