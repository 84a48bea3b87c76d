import type { Config } from './config';
import type { Kartu } from './context';
import { kartuDataSource } from './database';
import { systemClock } from './platform/clock';
import { SecretBox } from './platform/crypto';
import { savedEmbeddedDatabase, startEmbeddedPostgres, type EmbeddedDatabase } from './platform/embedded-postgres';
import { createLogger, type Logger } from './platform/logger';
import { createRedis } from './platform/redis';

export interface Runtime {
  kartu: Kartu;
  /** Closes Redis, the pool and (quick start) the embedded PostgreSQL, in that order. */
  close(): Promise<void>;
}

/**
 * Connects to PostgreSQL (DATABASE_URL, or the embedded one when `embedded` and none is set: else
 * the embedded one `npm start` runs, when KARTU_HOME has one, else 127.0.0.1:5432) and, when
 * `withRedis`, to Redis. Nothing here blocks on Redis.
 */
export async function boot(config: Config, opts: { withRedis?: boolean; embedded?: boolean; logger?: Logger } = {}): Promise<Runtime> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  let notRunning: string | undefined;
  if (!url) {
    const saved = opts.embedded ? undefined : savedEmbeddedDatabase(config.home);
    if (saved) {
      url = saved.url;
      notRunning = `the embedded PostgreSQL in ${saved.where} is not running: start Kartu with npm start, or set DATABASE_URL`;
    } else if (!opts.embedded) url = 'postgres://127.0.0.1:5432/kartu';
    else {
      embedded = await startEmbeddedPostgres(config.home, logger);
      url = embedded.url;
    }
  }
  const db = kartuDataSource(url);
  try {
    await db.initialize();
  } catch (err) {
    await embedded?.stop();
    if (notRunning && (err as { code?: string }).code === 'ECONNREFUSED') throw new Error(notRunning);
    throw new Error(`cannot connect to PostgreSQL at ${redactUrl(url)}: ${(err as Error).message}`);
  }
  const redis = opts.withRedis ? createRedis(config.redisUrl, logger) : undefined;
  const kartu: Kartu = { config, clock: systemClock, db, logger, secrets: new SecretBox(config.masterKeys, 'secrets'), redis };
  return {
    kartu,
    async close() {
      redis?.disconnect();
      await db.destroy();
      await embedded?.stop();
    },
  };
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
