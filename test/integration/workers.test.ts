import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpiredCredentials, startWorkers } from '../../src/worker';
import { startHarness, TestPartner, type Harness } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('workers', () => {
  it('start against Redis and register the maintenance schedulers (credentials hourly, hold expiry every minute)', async () => {
    const workers = await startWorkers(h.kartu);
    expect(workers).toBeDefined();
    const queue = new Queue('maintenance', { connection: { url: h.kartu.config.redisUrl }, prefix: h.kartu.config.redisPrefix });
    try {
      const schedulers = await queue.getJobSchedulers();
      const every = Object.fromEntries(schedulers.map((s) => [s.key, s.every]));
      expect(every).toEqual({ 'purge-expired-credentials': 3600_000, 'expire-holds': 60_000 });
      // A Redis that restarts empty forgets the schedules; the workers put them back.
      await queue.removeJobScheduler('expire-holds');
      const reports = new Queue('reports', { connection: { url: h.kartu.config.redisUrl }, prefix: h.kartu.config.redisPrefix });
      await reports.removeJobScheduler('monthly-statements');
      expect((await queue.getJobSchedulers()).map((s) => s.key)).toEqual(['purge-expired-credentials']);
      await workers!.ensureSchedules();
      expect((await queue.getJobSchedulers()).map((s) => s.key).sort()).toEqual(['expire-holds', 'purge-expired-credentials']);
      expect((await reports.getJobSchedulers()).map((s) => s.key)).toContain('monthly-statements');
      await reports.close();
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      await workers!.close();
    }
  });

  it('stay off and say so once when Redis is unreachable', async () => {
    const k = { ...h.kartu, config: { ...h.kartu.config, redisUrl: 'redis://127.0.0.1:1' } };
    const before = h.logs.length;
    expect(await startWorkers(k)).toBeUndefined();
    const lines = h.logs.slice(before).filter((l) => l.includes('workers are off'));
    expect(lines).toHaveLength(1);
  });

  it('purge expired tokens and sessions and X-EXTERNAL-IDs older than yesterday, keeping live ones', async () => {
    const p = await TestPartner.create(h);
    const live = await p.token();
    h.clock.advance(-3600_000);
    await p.token(); // issued an hour ago: expired after 900 s
    h.clock.advance(3600_000);
    await p.call('POST', '/snap/v1.0/balance-inquiry', '{}', { token: live, externalId: 'today-1' });
    await h.kartu.db.query(
      "INSERT INTO external_ids (client_id, day, external_id, method, path) SELECT id, current_date - 3, 'old-1', 'POST', '/x' FROM api_clients WHERE client_key = $1",
      [p.creds.clientKey],
    );
    const result = await purgeExpiredCredentials(h.kartu);
    expect(result.tokens).toBeGreaterThanOrEqual(1);
    expect(result.externalIds).toBe(1);
    const ids = await h.kartu.db.query('SELECT external_id FROM external_ids');
    expect(ids.map((r: { external_id: string }) => r.external_id)).toContain('today-1');
    expect((await p.call('POST', '/snap/v1.0/balance-inquiry', '{}', { token: live })).body.responseCode).toBe('2001100');
  });
});

describe('with Redis down', () => {
  let down: Harness;
  beforeAll(async () => {
    down = await startHarness({ REDIS_URL: 'redis://127.0.0.1:1' });
  });
  afterAll(() => down.close());

  it('partner calls still work, rate-limited in memory', async () => {
    const p = await TestPartner.create(down, { rateLimitPerSecond: 2 });
    expect((await p.call('POST', '/snap/v1.0/balance-inquiry', '{}')).body.responseCode).toBe('2001100');
    const burst = await Promise.all(Array.from({ length: 5 }, () => p.call('POST', '/snap/v1.0/balance-inquiry', '{}')));
    expect(burst.some((r) => r.body.responseCode === '4291100')).toBe(true);
    expect(burst.every((r) => r.status === 200 || r.status === 429)).toBe(true);
  });
});
