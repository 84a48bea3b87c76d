import { Redis } from 'ioredis';
import type { Logger } from './logger';

/**
 * A Redis connection that never blocks callers while Redis is down: commands fail fast
 * (no offline queue) and callers fall back (the rate limiter to memory, the outbox waits).
 * Outages are logged once when they start and once when they end.
 */
export function createRedis(url: string, logger: Logger, role = 'redis'): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    lazyConnect: true,
    retryStrategy: (times) => Math.min(times * 200, 5000),
  });
  let down = false;
  redis.on('error', (err) => {
    if (down) return;
    down = true;
    logger.warn({ err: err.message, role }, 'Redis is unreachable; continuing without it until it returns');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ role }, 'Redis is reachable again');
  });
  redis.connect().catch(() => undefined);
  return redis;
}

/** True when Redis answers PING within the timeout. */
export async function redisReachable(url: string, timeoutMs = 1500): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
