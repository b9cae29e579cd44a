// Entry point: config -> database (migrated) -> HTTP server + jobs; stops gracefully on SIGTERM.
import http from 'node:http';
import { createApp } from './app.js';
import { closeContext, openContext } from './boot.js';
import { ConfigError, loadConfig } from './config.js';
import { jobs } from './jobs/index.js';
import { createScheduler } from './jobs/scheduler.js';
import { createLogger } from './logger.js';
import { startWorkers } from './workers.js';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`PAR CRM cannot start: configuration error in ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  if (config.generated.length) {
    log.warn(
      { generated: config.generated, file: `${config.dataDir}/secrets.json` },
      `!!! ${config.generated.join(' and ')} not set: using secrets generated into DATA_DIR/secrets.json. Fine for a try-out; set them explicitly for production (NODE_ENV=production requires it).`,
    );
  }
  if (!config.databaseUrl) log.warn({ dataDir: config.dataDir }, 'DATABASE_URL not set: using the embedded database (PGlite) in DATA_DIR; one process only');

  const ctx = await openContext(config, log, { migrate: true, listen: true });
  const app = createApp(ctx);
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  const scheduler = createScheduler(ctx, jobs);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  if (config.jobsEnabled) scheduler.start();
  const workers = startWorkers(ctx);
  log.info({ url: config.baseUrl, port: config.port }, `PAR CRM is listening on ${config.baseUrl}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    const force = setTimeout(() => {
      log.warn('requests still running after the grace period; closing them');
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Event streams never end on their own: end them so server.close() can finish.
    await ctx.realtime.stop();
    await closed;
    await workers.stop();
    await scheduler.stop();
    await closeContext(ctx);
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`PAR CRM failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
