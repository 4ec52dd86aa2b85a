/**
 * Tiny JSON-over-HTTP helper for the server tests (fetch against the real listening server).
 * Every answer is checked against the route table (support/contract-check.ts).
 */
import { checkAnswer } from './support/contract-check';

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
  const res = await fetch(baseUrl + path, {
    method,
    headers,
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    // leave as text
  }
  checkAnswer(method, path, res.status, text ? parsed : undefined);
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** The session cookie from a Set-Cookie header, as a Cookie header value. */
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
