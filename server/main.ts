/**
 * `npm run server`: the exchange auth service on one machine (SQLite in DATA_DIR). Prints
 * where to open the phone web app and where clients connect.
 */
import { loadConfig } from './config';
import { createServer } from './app';

async function main() {
  const config = loadConfig();
  const server = await createServer(config);
  const url = await server.listen();
  const phone = `${server.context.phoneOrigin()}/m/`;
  process.stdout.write(
    `\nKeybridge server listening on ${url}\nPhone web app: ${phone}\nRP ID: ${config.rpId}  data: ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : config.dataDir}\n\n`,
  );
  const stop = async (signal: string) => {
    server.app.log.info({ signal }, 'shutting down');
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`Keybridge server failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
