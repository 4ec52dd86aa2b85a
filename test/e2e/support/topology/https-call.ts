/**
 * One HTTPS request to nginx from a chosen local address, trusting only the test CA, with any
 * headers a client may write (a forged X-Forwarded-For among them).
 */
import fs from 'node:fs';
import https from 'node:https';

export type HttpsAnswer<T> = { status: number; headers: Record<string, string>; body: T };

export function httpsCall<T = unknown>(o: {
  url: string;
  caPath: string;
  localAddress: string;
  path: string;
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
}): Promise<HttpsAnswer<T>> {
  const payload = o.body === undefined ? undefined : Buffer.from(JSON.stringify(o.body));
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(o.path, o.url),
      {
        method: o.method ?? (payload ? 'POST' : 'GET'),
        ca: fs.readFileSync(o.caPath),
        localAddress: o.localAddress,
        agent: false,
        headers: {
          accept: 'application/json',
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': String(payload.length) }
            : {}),
          ...o.headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers as Record<string, string>,
            body: body as T,
          });
        });
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}
