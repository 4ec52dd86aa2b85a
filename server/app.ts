/**
 * createServer(config): the exchange auth service as a Fastify app over the SQLite store.
 * Returns the app, its Node HTTP server (the relay attaches socket.io to it), the built parts
 * (server/composition-root.ts), and listen/close. Routes are registered per feature, each
 * given only what it declares it uses; this file only wires them.
 */
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
} from 'fastify';
import cookie from '@fastify/cookie';
import type { DestinationStream } from 'pino';
import type { Config } from './config';
import { composeServer, partsFor, type ServerParts, type ServerSeams } from './composition-root';
import { openDatabase } from './db/database';
import { createLoggers } from './logging';
import { installAccessLog } from './http/access-log';
import { systemClock, type Clock } from './util/clock';
import { ApiError, installErrorHandling } from './http/errors';
import { opsRoutes, opsUses, readinessUses, registerReadiness } from './http/ops-routes';
import { registerRoutes } from './http/route-table';
import { accountRoutes, accountUses } from './accounts/routes';
import { meRoutes, meUses } from './accounts/me-route';
import { passwordChangeRoutes, passwordChangeUses } from './accounts/password-change-route';
import { passwordLoginRoutes, passwordLoginUses } from './auth/password-routes';
import { stepUpRoutes, stepUpUses } from './step-up/routes';
import { stepUpPasskeyRoutes, stepUpPasskeyUses } from './step-up/passkey-routes';
import { totpRoutes, totpUses } from './totp/routes';
import { sessionRoutes, sessionUses } from './sessions/routes';
import { activityRoutes, activityUses } from './activity/routes';
import { passkeyLoginRoutes, passkeyLoginUses } from './passkeys/login-routes';
import { passkeyRegistrationRoutes, passkeyRegistrationUses } from './passkeys/register-routes';
import { passkeyManagementRoutes, passkeyManagementUses } from './passkeys/manage-routes';
import { registerPhoneApp } from './web/phone-app';
import { SecretBox } from './secrets/secret-box';
import { loadSecretsKey } from './secrets/secrets-key';
import { sealLegacyTotpSecrets, TotpSecrets } from './totp/totp-secrets';
import { networkCheckWarning } from './tunnel/network-check';
import {
  attachTunnelToServer,
  pairingStoreFor,
  tunnelUses,
  type TunnelAttachOptions,
} from './tunnel/attach';
import { defaultTunnelLimits } from './tunnel/limits';
import { attachSessionEvents, sessionEventsUses } from './session-events/namespace';
import { trustFunction } from './http/client-address';
import { secureCookiesFor } from './http/request-helpers';

export type ServerOptions = {
  /** Where log lines go (tests capture them); stdout by default. */
  logDestination?: DestinationStream;
  clock?: Clock;
  /** Directory of the built phone app; dist/phone by default. */
  phoneDist?: string;
  /** Relay (socket.io /tunnel) options: shorter lifetimes or an observer in tests. */
  tunnel?: TunnelAttachOptions;
  /** Test doubles for single parts (server/composition-root.ts); production passes none. */
  seams?: ServerSeams;
};

export type KeybridgeServer = {
  app: FastifyInstance;
  httpServer: HttpServer;
  /** The built parts, read-only (tests read stores through it). */
  context: ServerParts;
  /** Starts listening on config.host:config.port (0 = any free port); resolves to the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
};

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function createServer(
  config: Config,
  options: ServerOptions = {},
): Promise<KeybridgeServer> {
  const loggers = createLoggers(config.logLevel, options.logDestination);
  // Typed as the default instance: route modules do not care which pino flavour logs.
  const app: FastifyInstance = Fastify({
    loggerInstance: loggers.app as unknown as FastifyBaseLogger,
    // One unredacted line of fixed fields per request instead (server/http/access-log.ts).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimit,
    // The same compiled function the relay uses (server/http/client-address.ts).
    trustProxy: trustFunction(config.trustProxy),
    // Ids and tokens live in paths and bodies, never in query strings; keep URLs short.
    routerOptions: { maxParamLength: 200 },
    // Errors raised before routing (e.g. a malformed %-escape in the URL) skip the error
    // handler; answer them in the same shape.
    frameworkErrors: (_error, _request, reply) => {
      void (reply as unknown as FastifyReply)
        .code(400)
        .send({ error: { code: 'bad_request', message: 'The URL is not valid.' } });
    },
  });
  const db = await openDatabase(config.dataDir, config.databaseUrl, {
    synchronous: config.sqliteSynchronous,
  });
  const clock = options.clock ?? systemClock;
  // Memoised once listening: the default RP origin is built on every passkey request, and
  // address() is a getsockname system call each time (issue 10's profile: 4.5% of a sign-in).
  // A listening socket's port never changes.
  let listeningPort: number | null = null;
  const boundPort = () => {
    if (listeningPort !== null) return listeningPort;
    const port = (app.server.address() as AddressInfo | null)?.port;
    if (port === undefined) return config.port;
    listeningPort = port;
    return port;
  };
  let totpSecrets: TotpSecrets;
  let secretsKey: Buffer;
  try {
    secretsKey = loadSecretsKey(config.secretsKey, config.dataDir, app.log);
    totpSecrets = new TotpSecrets(new SecretBox(secretsKey));
    await sealLegacyTotpSecrets(db, totpSecrets, app.log);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  // REDIS_URL: one Redis root for attempts, rate limits and the relay's pairings, shared by
  // every process; /readyz checks it.
  const redisUrl = options.tunnel?.redisUrl ?? config.redisUrl;
  // Loaded only here, so a server without Redis does not evaluate ioredis at start-up.
  const shared = redisUrl
    ? (await import('./scale/redis-state')).createRedisState(
        redisUrl,
        clock,
        app.log,
        options.tunnel?.redisPrefix,
        {
          tombstoneMs: options.tunnel?.limits?.tombstoneMs ?? defaultTunnelLimits.tombstoneMs,
        },
      )
    : null;
  const pairings = pairingStoreFor(shared, options.tunnel);
  const built = composeServer({
    config,
    db,
    clock,
    log: app.log,
    boundPort,
    totpSecrets,
    secretsKey,
    shared,
    pairings,
    seams: options.seams,
  });

  const networkWarning = networkCheckWarning(config);
  if (networkWarning) app.log.warn(networkWarning);
  installErrorHandling(app);
  installAccessLog(app, loggers.access);
  app.decorate('secureCookies', secureCookiesFor(config));
  await app.register(cookie);

  // Only JSON bodies. Browsers can send text/plain or form bodies cross-site without a CORS
  // preflight; refusing every other type (415) closes that CSRF path alongside SameSite=Strict.
  app.removeContentTypeParser(['text/plain']);
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined); // e.g. DELETE with a JSON content type and no body
    // With a `done` callback the default parser answers through it, not a promise.
    void parseJson(request, body as string, done);
  });
  // The hooks on every request take a callback, not a promise: no promise and microtask per
  // request for work that never waits.
  app.addHook('onRequest', (request, reply, done) => {
    if (!request.url.startsWith('/api/')) return done();
    if (UNSAFE_METHODS.has(request.method)) {
      const length = Number(request.headers['content-length'] ?? 0);
      const hasBody = length > 0 || request.headers['transfer-encoding'] !== undefined;
      const type = request.headers['content-type'];
      if (hasBody && (!type || !/^application\/json\s*(;|$)/i.test(type))) {
        return done(
          new ApiError(415, 'unsupported_media_type', 'Send the body as application/json.'),
        );
      }
    }
    reply.header('cache-control', 'no-store');
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    done(null, payload);
  });

  // The relay first: the session routes tell ended sessions' clients through its /session
  // namespace. socket.io only wraps the HTTP server's request listener, so the order of
  // attaching and registering routes does not matter to either.
  const parts = <K extends keyof ServerParts>(keys: readonly K[]) => partsFor(built, keys);
  const tunnel = attachTunnelToServer(
    app.server,
    parts(tunnelUses),
    { store: pairings, shared },
    options.tunnel,
  );
  const sessionEvents = attachSessionEvents(tunnel.io, parts(sessionEventsUses));
  app.addHook('preClose', () => tunnel.close());

  // Every route of the table (server/protocol/routes.ts), each from the module that owns it,
  // given only the parts of the server it declares (its `...Uses`).
  registerRoutes(app, {
    ...opsRoutes(parts(opsUses)),
    ...accountRoutes(parts(accountUses)),
    ...meRoutes(parts(meUses)),
    ...passwordLoginRoutes(parts(passwordLoginUses)),
    ...stepUpRoutes(parts(stepUpUses)),
    ...stepUpPasskeyRoutes(parts(stepUpPasskeyUses)),
    ...passwordChangeRoutes({ ...parts(passwordChangeUses), sessionEvents }),
    ...totpRoutes(parts(totpUses)),
    ...sessionRoutes({ ...parts(sessionUses), sessionEvents }),
    ...activityRoutes(parts(activityUses)),
    ...passkeyManagementRoutes(parts(passkeyManagementUses)),
    ...passkeyLoginRoutes(parts(passkeyLoginUses)),
    ...passkeyRegistrationRoutes(parts(passkeyRegistrationUses)),
  });
  registerReadiness(app, parts(readinessUses));
  registerPhoneApp(app, options.phoneDist);

  app.addHook('onClose', async () => {
    await shared?.close();
    await db.destroy();
  });

  return {
    app,
    httpServer: app.server,
    context: built,
    async listen() {
      await app.listen({ port: config.port, host: config.host });
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      return `http://${host}:${boundPort()}`;
    },
    close: () => app.close(),
  };
}
