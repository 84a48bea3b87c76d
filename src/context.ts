import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import type { Config } from './config';
import type { Clock } from './platform/clock';
import type { SecretBox } from './platform/crypto';
import type { Logger } from './platform/logger';

/** What every service needs, assembled once per process (or per test) and passed explicitly. */
export interface Kartu {
  config: Config;
  clock: Clock;
  db: DataSource;
  logger: Logger;
  /** Encrypts API client and network secrets at rest. */
  secrets: SecretBox;
  /** Absent or disconnected: callers fall back (rate limits in memory, events wait in the outbox). */
  redis?: Redis;
}
