/**
 * Typed client for the Keybridge HTTP API (server/protocol/api.ts), used by the desktop main
 * process and the terminal sign-in. Plain Node (node:http/https), no Electron import.
 *
 * Why not global fetch: Node 20's fetch cannot bind the source address, and the desktop must
 * be able to (tests use `localAddress: '127.0.0.2'` to look like another network). One
 * keep-alive agent per client keeps 200 parallel sign-ins from opening 200 x N sockets.
 */
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import type {
  ActivityListResponse,
  DeviceInfo,
  ErrorCode,
  MeResponse,
  PasskeyListResponse,
  PasskeyLoginOptionsResponse,
  PasskeyLoginRedeemRequest,
  PasskeyLoginRedeemResponse,
  PasskeyRegisterOptionsResponse,
  PasskeyRegisterRedeemRequest,
  PasskeyRegisterRedeemResponse,
  PasskeyView,
  PasswordLoginRequest,
  ServerConfigResponse,
  SessionListResponse,
  StepUpRequest,
  StepUpResponse,
  TokenResponse,
  TotpConfirmResponse,
  TotpSetupResponse,
  UserSummary,
} from '../../server/protocol/api';

/** Error codes the server sends, plus the two the client itself can observe. */
export type ClientErrorCode = ErrorCode | 'server_unreachable' | 'unexpected_response';

/** Every failed call becomes one of these: the server's `{error:{code,message}}`, typed. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ClientErrorCode,
    message: string,
    readonly details: { retryAfterSeconds?: number; issues?: string[]; triesLeft?: number } = {},
  ) {
    super(message);
  }
}

export type ApiClientOptions = {
  /** Where the desktop reaches the server, e.g. http://127.0.0.1:8080 (not the phone origin). */
  serverUrl: string;
  /** Bind outgoing connections to this local address (e.g. '127.0.0.2' in tests). */
  localAddress?: string;
  /** Per-request timeout; a hung server becomes `server_unreachable`, not a hang. */
  timeoutMs?: number;
  /** Sent as User-Agent so the sessions list can say what signed in. */
  userAgent?: string;
  /**
   * How HTTP requests and the sockets (relay, session events) reach the server: in the app,
   * agents that follow the system proxy and trust the system CAs (network-agent.ts).
   * Unset: direct connections.
   */
  agents?: { api: http.Agent; socket: http.Agent };
};

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export type ApiClient = ReturnType<typeof createApiClient>;

export function createApiClient(options: ApiClientOptions) {
  const base = new URL(options.serverUrl);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new TypeError(`server URL must be http(s), got ${base.protocol}`);
  }
  const isHttps = base.protocol === 'https:';
  const agentOptions = { keepAlive: true, localAddress: options.localAddress };
  const agent =
    options.agents?.api ?? (isHttps ? new https.Agent(agentOptions) : new http.Agent(agentOptions));
  const timeoutMs = options.timeoutMs ?? 15_000;
  const userAgent = options.userAgent ?? `Keybridge-Desktop/0.1 (${process.platform})`;

  function request<T>(method: Method, path: string, body?: unknown, bearer?: string): Promise<T> {
    const url = new URL(path, base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': userAgent };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    const send = isHttps ? https.request : http.request;

    return new Promise<T>((resolve, reject) => {
      const req = send(url, { method, headers, agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(unreachable(e)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = undefined;
          if (text.length > 0) {
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = undefined;
            }
          }
          if (status >= 200 && status < 300) {
            if (text.length > 0 && parsed === undefined) {
              reject(
                new ApiError(
                  status,
                  'unexpected_response',
                  'The server sent something that is not JSON.',
                ),
              );
            } else {
              resolve(parsed as T);
            }
            return;
          }
          reject(toApiError(status, parsed));
        });
      });
      req.on('timeout', () => req.destroy(new Error('request timed out')));
      req.on('error', (e) => reject(unreachable(e)));
      if (payload) req.write(payload);
      req.end();
    });
  }

  function unreachable(e: Error): ApiError {
    // The cause (ECONNREFUSED, timeout) is useful to an operator; it never holds secrets.
    return new ApiError(
      0,
      'server_unreachable',
      `Cannot reach the server at ${base.origin} (${e.message}).`,
    );
  }

  return {
    serverUrl: base.origin,
    localAddress: options.localAddress,
    /** For socket.io connections to the same server (undefined: direct). */
    socketAgent: options.agents?.socket,

    config: () => request<ServerConfigResponse>('GET', '/api/config'),
    health: () => request<unknown>('GET', '/healthz'),

    signUp: (email: string, password: string) =>
      request<{ user: UserSummary }>('POST', '/api/accounts', { email, password }),
    passwordLogin: (body: Omit<PasswordLoginRequest, 'client'>) =>
      request<TokenResponse>('POST', '/api/auth/password', { ...body, client: 'desktop' }),
    passkeyLoginOptions: (pairingId?: string) =>
      request<PasskeyLoginOptionsResponse>(
        'POST',
        '/api/auth/passkey/options',
        pairingId ? { pairingId } : {},
      ),
    /**
     * QR sign-in: the phone approved the attempt at the server; the desktop turns it into
     * tokens with its secret attemptId (+ the reverse code across networks). The desktop
     * never handles the assertion itself.
     */
    passkeyLoginRedeem: (body: Omit<PasskeyLoginRedeemRequest, 'client'>) =>
      request<PasskeyLoginRedeemResponse>('POST', '/api/auth/passkey/redeem', {
        ...body,
        client: 'desktop',
      }),
    refresh: (refreshToken: string) =>
      request<TokenResponse>('POST', '/api/auth/refresh', { refreshToken }),
    logout: (accessToken: string) => request<unknown>('POST', '/api/auth/logout', {}, accessToken),

    stepUp: (accessToken: string, body: StepUpRequest) =>
      request<StepUpResponse>('POST', '/api/step-up', body, accessToken),
    me: (accessToken: string) => request<MeResponse>('GET', '/api/me', undefined, accessToken),

    totpSetup: (accessToken: string) =>
      request<TotpSetupResponse>('POST', '/api/2fa/totp/setup', {}, accessToken),
    totpConfirm: (accessToken: string, code: string) =>
      request<TotpConfirmResponse>('POST', '/api/2fa/totp/confirm', { code }, accessToken),
    totpDisable: (accessToken: string) =>
      request<unknown>('DELETE', '/api/2fa/totp', undefined, accessToken),

    passkeys: (accessToken: string) =>
      request<PasskeyListResponse>('GET', '/api/passkeys', undefined, accessToken),
    /** Add-passkey by QR: the attempt is linked to `pairingId`; the phone gets the options. */
    passkeyRegisterOptions: (accessToken: string, pairingId: string) =>
      request<PasskeyRegisterOptionsResponse>(
        'POST',
        '/api/passkeys/options',
        { pairingId },
        accessToken,
      ),
    /** Add-passkey by QR: insert the passkey the phone's approval parked on the attempt. */
    passkeyRegisterRedeem: (accessToken: string, body: PasskeyRegisterRedeemRequest) =>
      request<PasskeyRegisterRedeemResponse>('POST', '/api/passkeys/redeem', body, accessToken),
    renamePasskey: (accessToken: string, id: string, name: string) =>
      request<{ passkey: PasskeyView }>(
        'PATCH',
        `/api/passkeys/${encodeURIComponent(id)}`,
        { name },
        accessToken,
      ),
    deletePasskey: (accessToken: string, id: string, acknowledgeLastPasskey = false) =>
      request<unknown>(
        'DELETE',
        `/api/passkeys/${encodeURIComponent(id)}${acknowledgeLastPasskey ? '?acknowledgeLastPasskey=true' : ''}`,
        undefined,
        accessToken,
      ),

    sessions: (accessToken: string) =>
      request<SessionListResponse>('GET', '/api/sessions', undefined, accessToken),
    revokeSession: (accessToken: string, id: string) =>
      request<unknown>('DELETE', `/api/sessions/${encodeURIComponent(id)}`, undefined, accessToken),
    activity: (accessToken: string) =>
      request<ActivityListResponse>('GET', '/api/activity', undefined, accessToken),

    /** Frees the keep-alive sockets (tests, CLI exit). */
    close: () => agent.destroy(),
  };
}

export function toApiError(status: number, body: unknown): ApiError {
  const err = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (err && typeof err.code === 'string' && typeof err.message === 'string') {
    const extra = err as { retryAfterSeconds?: unknown; issues?: unknown; triesLeft?: unknown };
    return new ApiError(status, err.code as ErrorCode, err.message, {
      retryAfterSeconds:
        typeof extra.retryAfterSeconds === 'number' ? extra.retryAfterSeconds : undefined,
      issues: Array.isArray(extra.issues) ? extra.issues.map(String) : undefined,
      // reverse_code_invalid may say how many tries are left
      triesLeft: typeof extra.triesLeft === 'number' ? extra.triesLeft : undefined,
    });
  }
  return new ApiError(
    status,
    'unexpected_response',
    `The server answered ${status} without an error body.`,
  );
}

export function isApiError(e: unknown, code?: ClientErrorCode): e is ApiError {
  return e instanceof ApiError && (code === undefined || e.code === code);
}

/** Sensible default for the device name shown in the sessions list and on the phone. */
export function defaultDevice(): DeviceInfo {
  const platform = { darwin: 'macOS', win32: 'Windows', linux: 'Linux' }[
    process.platform as string
  ];
  return {
    name: (os.hostname() || 'This computer').slice(0, 80),
    platform: platform ?? process.platform,
  };
}
