/**
 * Starts desktop-driver.ts in a child process that trusts the test CA (NODE_EXTRA_CA_CERTS)
 * and follows its JSON lines: the QR client's states, answers to commands.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { QrLoginState, QrLoginStatus } from '../../../../electron/services/qr-login';
import type { SessionListResponse } from '../../../../server/protocol/api';
import type { DriverCommand, DriverConfig } from './desktop-driver';
import { REPO_ROOT } from './server-process';

type Line = { type: string; [k: string]: unknown };

export type RemoteDesktop = {
  /** the keychain service its vault writes to (a per-test name) */
  vaultService: string;
  /** every state the flow went through, in order (statuses, repeats collapsed) */
  path(): QrLoginStatus[];
  waitForState<S extends QrLoginStatus>(
    status: S,
    where?: (s: Extract<QrLoginState, { status: S }>) => boolean,
  ): Promise<Extract<QrLoginState, { status: S }>>;
  /** the state after the server answered the code */
  submitCode(code: string): Promise<QrLoginState>;
  sessions(): Promise<SessionListResponse>;
  /** how many requests / WebSocket handshakes carried the forged X-Forwarded-For */
  forged(): Promise<{ requests: number; websockets: number }>;
  signOut(): Promise<void>;
  stop(): Promise<void>;
};

const FINAL = new Set<QrLoginStatus>([
  'signed-in',
  'passkey-added',
  'expired',
  'cancelled',
  'failed',
]);

export function startRemoteDesktop(config: DriverConfig & { caPath: string }): RemoteDesktop {
  const { caPath, ...driverConfig } = config;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'desktop-driver.ts')],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: caPath,
        KB_DESKTOP: JSON.stringify(driverConfig),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const states: QrLoginState[] = [];
  const waiters = new Set<(l: Line) => void>();
  readline.createInterface({ input: child.stdout }).on('line', (text) => {
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch {
      return; // not ours
    }
    if (line.type === 'state') states.push(line.state as QrLoginState);
    for (const w of [...waiters]) w(line);
  });

  const next = (type: string): Promise<Line> =>
    new Promise((resolve, reject) => {
      const w = (l: Line) => {
        if (l.type === type || l.type === 'error') {
          waiters.delete(w);
          if (l.type === 'error') reject(new Error(`desktop: ${String(l.message)}`));
          else resolve(l);
        }
      };
      waiters.add(w);
      void exited.then(() => reject(new Error(`desktop exited: ${stderr}`)));
    });
  const send = (c: DriverCommand) => child.stdin.write(`${JSON.stringify(c)}\n`);

  return {
    vaultService: config.vaultService,
    path() {
      const out: QrLoginStatus[] = [];
      for (const s of states) if (out[out.length - 1] !== s.status) out.push(s.status);
      return out;
    },
    waitForState(status, where = () => true) {
      type S = Extract<QrLoginState, { status: typeof status }>;
      const match = (s: QrLoginState) => s.status === status && where(s as S);
      return new Promise((resolve, reject) => {
        const seen = states.find(match) ?? null;
        if (seen) return resolve(seen as S);
        const ended = states.find((s) => FINAL.has(s.status));
        if (ended) return reject(new Error(`flow ended as ${JSON.stringify(ended)}`));
        const w = (l: Line) => {
          if (l.type !== 'state') return;
          const s = l.state as QrLoginState;
          if (match(s)) {
            waiters.delete(w);
            resolve(s as S);
          } else if (FINAL.has(s.status)) {
            waiters.delete(w);
            reject(new Error(`flow ended as ${JSON.stringify(s)} while waiting for ${status}`));
          }
        };
        waiters.add(w);
        void exited.then(() => reject(new Error(`desktop exited: ${stderr}`)));
      });
    },
    async submitCode(code) {
      const answer = next('code');
      send({ cmd: 'code', code });
      return (await answer).state as QrLoginState;
    },
    async sessions() {
      const answer = next('sessions');
      send({ cmd: 'sessions' });
      return (await answer) as unknown as SessionListResponse;
    },
    async forged() {
      const answer = next('forged');
      send({ cmd: 'forged' });
      const l = await answer;
      return { requests: Number(l.requests), websockets: Number(l.websockets) };
    },
    async signOut() {
      const answer = next('signed-out');
      send({ cmd: 'sign-out' });
      await answer;
    },
    async stop() {
      if (hasExited) return;
      send({ cmd: 'quit' });
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
