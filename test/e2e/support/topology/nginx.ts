/**
 * Debian's nginx with its own prefix in a temp dir, rendered from nginx.conf.template (the
 * configuration the README tells operators to copy), in the foreground (daemon off) so the
 * test owns the process and stop() ends it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { waitUntil } from './wait';

export const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';
export const NGINX_TEMPLATE = path.join(import.meta.dirname, 'nginx.conf.template');

export function nginxMissing(): string | false {
  return fs.existsSync(NGINX) ? false : `${NGINX} is not installed (set NGINX)`;
}

export type NginxOptions = {
  /** temp dir; becomes the nginx prefix (conf, pid, logs, temp paths) */
  dir: string;
  listen: { host: string; port: number };
  serverName: string;
  upstreams: { host: string; port: number }[];
  certPath: string;
  keyPath: string;
};

export type TestNginx = {
  confPath: string;
  /** access log lines: `<remote_addr> "<request>" <status> upstream=<addr> xff="<as sent>"` */
  accessLog(): string[];
  errorLog(): string;
  stop(): Promise<void>;
};

export function renderNginxConf(o: NginxOptions): string {
  const values: Record<string, string> = {
    PREFIX: o.dir,
    LISTEN: `${o.listen.host}:${o.listen.port}`,
    SERVER_NAME: o.serverName,
    CERT: o.certPath,
    KEY: o.keyPath,
    UPSTREAM_SERVERS: o.upstreams.map((u) => `    server ${u.host}:${u.port};`).join('\n'),
  };
  return fs
    .readFileSync(NGINX_TEMPLATE, 'utf8')
    .replace(/\{\{([A-Z_]+)\}\}/g, (_m, key: string) => {
      const v = values[key];
      if (v === undefined) throw new Error(`nginx template: no value for {{${key}}}`);
      return v;
    });
}

/** True once a TLS handshake there shows our certificate: nginx (not whoever has the port). */
function servesCert(host: string, port: number, serverName: string, certPem: string) {
  const expected = new X509Certificate(certPem).fingerprint256;
  return new Promise<boolean>((resolve) => {
    const s = tls.connect({ host, port, servername: serverName, rejectUnauthorized: false });
    s.once('secureConnect', () => {
      resolve(s.getPeerX509Certificate()?.fingerprint256 === expected);
      s.destroy();
    });
    s.once('error', () => resolve(false));
    // Something else holding the port may accept and never answer.
    s.setTimeout(1_000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

export async function startNginx(o: NginxOptions): Promise<TestNginx> {
  // Workers drop to an unprivileged user when the master is root: they must reach the prefix.
  fs.chmodSync(o.dir, 0o755);
  const confPath = path.join(o.dir, 'nginx.conf');
  fs.writeFileSync(confPath, renderNginxConf(o));
  const errorLogPath = path.join(o.dir, 'error.log');
  const accessLogPath = path.join(o.dir, 'access.log');
  const read = (p: string) => (fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : '');
  // -e: the error log before the configuration is read (Debian's default is /var/log/nginx).
  const child: ChildProcess = spawn(
    NGINX,
    ['-p', o.dir, '-c', confPath, '-e', errorLogPath, '-g', 'daemon off;'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const stop = async () => {
    if (!exited) child.kill('SIGTERM');
    await exit;
  };
  try {
    await waitUntil(
      async () => {
        if (exited) throw new Error(`nginx exited: ${stderr}${read(errorLogPath)}`);
        return servesCert(
          o.listen.host,
          o.listen.port,
          o.serverName,
          fs.readFileSync(o.certPath, 'utf8'),
        );
      },
      { what: 'nginx listening', timeoutMs: 15_000 },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    confPath,
    accessLog: () => read(accessLogPath).split('\n').filter(Boolean),
    errorLog: () => read(errorLogPath),
    stop,
  };
}
