import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { TooManyRequests } from './errors';

/**
 * Per-key request rate limits over one-second windows, counted in Redis so every api replica shares
 * them; while Redis is unreachable each replica counts in memory instead (the insurance limiter).
 */
export class RateLimits {
  private readonly limiters = new Map<number, RateLimiterAbstract>();

  constructor(
    private readonly redis: Redis | undefined,
    private readonly keyPrefix: string,
  ) {}

  /** Counts one request for `key`; throws TooManyRequests past `perSecond`. */
  async consume(key: string, perSecond: number): Promise<void> {
    try {
      await this.limiterFor(perSecond).consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) throw new TooManyRequests(Math.max(1, Math.ceil(err.msBeforeNext / 1000)));
      throw err;
    }
  }

  private limiterFor(points: number): RateLimiterAbstract {
    let limiter = this.limiters.get(points);
    if (!limiter) {
      const memory = new RateLimiterMemory({ points, duration: 1, keyPrefix: `${this.keyPrefix}:${points}` });
      limiter = this.redis
        ? new RateLimiterRedis({ storeClient: this.redis, useRedisPackage: false, points, duration: 1, keyPrefix: `${this.keyPrefix}:${points}`, insuranceLimiter: memory })
        : memory;
      this.limiters.set(points, limiter);
    }
    return limiter;
  }
}
