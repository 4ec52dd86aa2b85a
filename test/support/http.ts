/**
 * The one JSON-over-HTTP helper of the tests, against a real listening server: fetch, or
 * node:http when the request must come from a chosen source address (`localAddress`, e.g.
 * 127.0.0.2 standing in for another network; fetch cannot bind one). Every answer is checked
 * against the route table (contract-check.ts).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { checkAnswer } from './contract-check';

export type Reply<T = Record<string, unknown>> = {
  status: number;
  body: T;
  headers: Headers;
};

export type CallOptions = {
  method?: string;
  body?: unknown;
  /** raw body string, sent as-is (for malformed-input tests) */
  raw?: string;
  contentType?: string | null;
  token?: string;
  cookie?: string;
  headers?: Record<string, string>;
  /** Send from this source address (node:http, a fresh connection per request). */
  localAddress?: string;
};

export async function call<T = Record<string, unknown>>(
  baseUrl: string,
  path: string,
  opts: CallOptions = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  const contentType =
    opts.contentType === undefined
      ? body !== undefined
        ? 'application/json'
        : null
      : opts.contentType;
  if (contentType) headers['content-type'] = contentType;
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  const method = opts.method ?? (body !== undefined ? 'POST' : 'GET');
  const res =
    opts.localAddress === undefined
      ? await viaFetch(baseUrl + path, method, headers, body)
      : await viaNodeHttp(baseUrl + path, method, headers, body, opts.localAddress);
  let parsed: unknown = res.text;
  try {
    parsed = res.text ? JSON.parse(res.text) : {};
  } catch {
    // leave as text
  }
  checkAnswer(method, path, res.status, res.text ? parsed : undefined);
  return { status: res.status, body: parsed as T, headers: res.headers };
}

type RawReply = { status: number; text: string; headers: Headers };

async function viaFetch(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<RawReply> {
  const res = await fetch(url, { method, headers, body });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

function viaNodeHttp(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  localAddress: string,
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, localAddress, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        const out = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
            out.append(name, v);
        }
        resolve({ status: res.statusCode ?? 0, text, headers: out });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The session cookie from a Set-Cookie header, as a Cookie header value. */
/**
 * A refusal as the API words it: this status, this code, and a message for the person (`says`,
 * or at least a word). Returns the message.
 */
export function assertRefused(
  r: Reply<unknown>,
  status: number,
  code: string,
  says: RegExp = /\w/,
): string {
  assert.equal(r.status, status, JSON.stringify(r.body));
  const { error } = r.body as { error: { code: string; message: string } };
  assert.equal(error.code, code);
  assert.match(error.message, says, 'the refusal tells the person what happened');
  return error.message;
}

export function sessionCookie(reply: Reply<unknown>): string {
  const set = reply.headers.get('set-cookie') ?? '';
  const m = /kb_session=([^;]+)/.exec(set);
  if (!m) throw new Error('no session cookie set');
  return `kb_session=${m[1]}`;
}

export const PASSWORD = 'correct horse battery staple';

export async function signUp(url: string, email: string, password = PASSWORD): Promise<string> {
  const r = await call(url, '/api/accounts', { body: { email, password } });
  if (r.status !== 201) throw new Error(`sign up failed: ${r.status} ${JSON.stringify(r.body)}`);
  return sessionCookie(r);
}

export type DesktopTokens = {
  accessToken: string;
  refreshToken: string;
  sessionId: string;
  user: { id: string; email: string };
};

export async function desktopLogin(
  url: string,
  email: string,
  password = PASSWORD,
  totp?: string,
): Promise<DesktopTokens> {
  const r = await call<DesktopTokens>(url, '/api/auth/password', {
    body: { email, password, client: 'desktop', ...(totp ? { totp } : {}) },
  });
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
