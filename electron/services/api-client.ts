/**
 * Typed client for the Keybridge HTTP API, used by the desktop main process and the terminal
 * sign-in: the route table's client (server/protocol/route-client.ts) over a node:http(s)
 * transport. Plain Node, no Electron import.
 *
 * Why not global fetch: Node 20's fetch cannot bind the source address, and the desktop must
 * be able to (tests use `localAddress: '127.0.0.2'` to look like another network). One
 * keep-alive agent per client keeps 200 parallel sign-ins from opening 200 x N sockets.
 */
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import type {
  ChangePasswordRequest,
  DeviceInfo,
  ErrorCode,
  PasskeyLoginRedeemRequest,
  PasskeyRegisterRedeemRequest,
  PasswordLoginRequest,
  SignInResponse,
  StepUpPasskeyRedeemRequest,
  StepUpRequest,
  TokenResponse,
} from '../../server/protocol/api';
import {
  createRouteClient,
  type RouteCall,
  type Transport,
  type TransportRequest,
} from '../../server/protocol/route-client';

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

  const send: Transport = ({ method, path, body, bearer }: TransportRequest) => {
    const url = new URL(path, base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': userAgent };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    const open = isHttps ? https.request : http.request;

    return new Promise<unknown>((resolve, reject) => {
      const req = open(url, { method, headers, agent, timeout: timeoutMs }, (res) => {
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
              resolve(parsed);
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
  };

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

    ...desktopEndpoints(createRouteClient(send)),
    /** Frees the keep-alive sockets (tests, CLI exit). */
    close: () => agent.destroy(),
  };
}

/**
 * The desktop's calls, each one route of the table; the transport decides how they travel
 * (node:http in createApiClient, a recorder in the contract test).
 */
export function desktopEndpoints(call: RouteCall) {
  return {
    config: () => call('config'),
    health: () => call('health'),

    signUp: (email: string, password: string) => call('signUp', { body: { email, password } }),
    passwordLogin: (body: Omit<PasswordLoginRequest, 'client'>) =>
      call('passwordLogin', { body: { ...body, client: 'desktop' } }).then(tokensOf),
    passkeyLoginOptions: (pairingId?: string) =>
      call('passkeyLoginOptions', { body: pairingId ? { pairingId } : {} }),
    /**
     * QR sign-in: the phone approved the attempt at the server; the desktop turns it into
     * tokens with its secret attemptId (+ the reverse code across networks). The desktop
     * never handles the assertion itself.
     */
    passkeyLoginRedeem: (body: Omit<PasskeyLoginRedeemRequest, 'client'>) =>
      call('passkeyLoginRedeem', { body: { ...body, client: 'desktop' } }).then(tokensOf),
    refresh: (refreshToken: string) => call('refresh', { body: { refreshToken } }),
    logout: (accessToken: string) => call('logout', { body: {}, bearer: accessToken }),

    stepUp: (accessToken: string, body: StepUpRequest) =>
      call('stepUp', { body, bearer: accessToken }),
    /** Step-up by QR: the attempt is linked to `pairingId`; the phone's passkey approves it. */
    stepUpPasskeyOptions: (accessToken: string, pairingId: string) =>
      call('stepUpPasskeyOptions', { body: { pairingId }, bearer: accessToken }),
    /** Step-up by QR: the session that asked collects the approval (+ the reverse code). */
    stepUpPasskeyRedeem: (accessToken: string, body: StepUpPasskeyRedeemRequest) =>
      call('stepUpPasskeyRedeem', { body, bearer: accessToken }),
    me: (accessToken: string) => call('me', { bearer: accessToken }),
    /** Needs a recent stepUp; answers how many other sessions were signed out. */
    changePassword: (accessToken: string, body: ChangePasswordRequest) =>
      call('changePassword', { body, bearer: accessToken }),

    totpSetup: (accessToken: string) => call('totpSetup', { body: {}, bearer: accessToken }),
    totpConfirm: (accessToken: string, code: string) =>
      call('totpConfirm', { body: { code }, bearer: accessToken }),
    totpDisable: (accessToken: string) => call('totpDisable', { bearer: accessToken }),

    passkeys: (accessToken: string) => call('passkeys', { bearer: accessToken }),
    /** Add-passkey by QR: the attempt is linked to `pairingId`; the phone gets the options. */
    passkeyRegisterOptions: (accessToken: string, pairingId: string) =>
      call('passkeyRegisterOptions', { body: { pairingId }, bearer: accessToken }),
    /** Add-passkey by QR: insert the passkey the phone's approval parked on the attempt. */
    passkeyRegisterRedeem: (accessToken: string, body: PasskeyRegisterRedeemRequest) =>
      call('passkeyRegisterRedeem', { body, bearer: accessToken }),
    /** Answers the renamed passkey's view (routes.ts renamePasskey). */
    renamePasskey: (accessToken: string, id: string, name: string) =>
      call('renamePasskey', { params: { id }, body: { name }, bearer: accessToken }),
    deletePasskey: (accessToken: string, id: string, acknowledgeLastPasskey = false) =>
      call('deletePasskey', {
        params: { id },
        // Only sent when true, as the phone does: the absent flag means "not acknowledged".
        query: acknowledgeLastPasskey ? { acknowledgeLastPasskey: 'true' } : undefined,
        bearer: accessToken,
      }),

    sessions: (accessToken: string) => call('sessions', { bearer: accessToken }),
    revokeSession: (accessToken: string, id: string) =>
      call('revokeSession', { params: { id }, bearer: accessToken }),
    activity: (accessToken: string) => call('activity', { bearer: accessToken }),
  };
}

/**
 * The desktop always signs in with "client": "desktop", so the answer must carry tokens; a
 * cookie-style answer means the server is not the one this client was built for.
 */
function tokensOf(answer: SignInResponse): TokenResponse {
  if (!('accessToken' in answer)) {
    throw new ApiError(200, 'unexpected_response', 'The server answered without tokens.');
  }
  return answer;
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
