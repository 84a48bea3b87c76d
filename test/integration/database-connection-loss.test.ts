import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUrl } from '../support/databases';
import { startHarness, TestNetwork, type Harness } from '../support/harness';
import { checkAuthorizationInvariants, checkLedgerInvariants } from '../support/invariants';
import { authorizationBody, business, expectSnap, issueCard, MERCHANT, nid, type Biz, type IssuedCard } from '../support/partner-fixtures';
import { PgProxy } from '../support/pg-proxy';

/**
 * The api's PostgreSQL connections die under it (pg_terminate_backend, a cut socket, a database
 * gone): an authorization, reversal, clearing or refund is retried on a fresh connection where that
 * is safe and otherwise answered 503 with Retry-After and ISO `91` — never a bare 500 — and the same
 * id sent again gets exactly one definite answer. A write whose COMMIT reached the server but whose
 * answer was lost is answered with what was stored. The partner API answers 503xx00 likewise.
 */

let proxy: PgProxy;
let h: Harness;
let net: TestNetwork;
let biz: Biz;
let cards: IssuedCard[];
let admin: pg.Client;

const authorization = (id: string, card: IssuedCard, amount = 1_000) => authorizationBody(card, { id, amount });

type Sent = { id: string; path: string; body: unknown; status: number; answer: Record<string, unknown>; retryAfter?: string };

async function send(path: string, body: { id: string }): Promise<Sent> {
  const res = await net.send(path, body);
  return { id: body.id, path, body, status: res.status, answer: res.body, retryAfter: res.headers['retry-after'] };
}

/** Terminates every backend of the test's database every `everyMs` while `during` runs; returns what it ran and how many backends it ended. */
async function terminatingBackends<T>(everyMs: number, during: () => Promise<T>): Promise<{ result: T; terminated: number }> {
  const name = new URL(h.kartu.config.databaseUrl!).pathname.slice(1);
  let terminated = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await admin.query('SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      terminated += rows[0].n as number;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  try {
    return { result: await during(), terminated };
  } finally {
    running = false;
    await loop;
  }
}

/** `n` messages, `concurrency` at a time. */
async function burst(bodies: Array<{ path: string; body: { id: string } }>, concurrency: number): Promise<Sent[]> {
  const out: Sent[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const { path, body } = bodies[next++]!;
        out.push(await send(path, body));
      }
    }),
  );
  return out;
}

/** Every answer is a 200 or the documented 503 (Retry-After, `91`); returns how many were 503. */
function expectNoBare5xx(sent: Sent[]): number {
  const statuses = sent.reduce<Record<number, number>>((t, s) => ({ ...t, [s.status]: (t[s.status] ?? 0) + 1 }), {});
  const unexpected = sent.filter((s) => s.status !== 200 && s.status !== 503);
  // With the error each one logged (the answer quotes its request id), so a failure says what broke.
  const logged = (s: Sent) => h.logs.find((l) => l.includes('unhandled error') && l.includes(String(s.answer.responseMessage).match(/request id ([\w-]+)/)?.[1] ?? '-'));
  expect(unexpected.map((s) => `${s.status} ${JSON.stringify(s.answer)} ${logged(s)?.slice(0, 400)}`), JSON.stringify(statuses)).toEqual([]);
  const unavailable = sent.filter((s) => s.status === 503);
  for (const s of unavailable) {
    expect(s.retryAfter).toBe('1');
    expect(s.answer).toMatchObject({ responseCode: '91', responseMessage: expect.stringMatching(/^Issuer unavailable\. Send the same id again \(request id /) });
  }
  return unavailable.length;
}

/**
 * 300 authorizations, 24 at a time, while every backend of the test's database is terminated every
 * `everyMs`; then all sent again. Returns how many were answered 503 the first time.
 */
async function authorizationsWhileTerminating(label: string, everyMs: number): Promise<number> {
  const bodies = Array.from({ length: 300 }, (_, i) => ({ path: '/authorizations', body: authorization(nid(label), cards[i % cards.length]!, 1_000 + (i % 7)) }));
  const { result: first, terminated } = await terminatingBackends(everyMs, () => burst(bodies, 24));
  expect(terminated, 'the faults happened').toBeGreaterThan(2);
  const unavailable = expectNoBare5xx(first);

  // Sent again (the 503s as a network would, the 200s as a retry would): one definite answer each, the first one.
  const again = await burst(bodies, 24);
  expect(again.every((s) => s.status === 200)).toBe(true);
  const firstById = new Map(first.map((s) => [s.id, s]));
  for (const s of again) {
    const before = firstById.get(s.id)!;
    if (before.status === 200) expect(s.answer).toEqual(before.answer);
    expect(s.answer.decision).toBe('approved');
  }
  const rows: Array<{ network_message_id: string; id: string; authorization_code: string; n: number }> = await h.kartu.db.query(
    'SELECT network_message_id, min(id::text) AS id, min(authorization_code) AS authorization_code, count(*)::int AS n FROM authorizations WHERE business_id = $1 AND network_message_id LIKE $2 GROUP BY 1',
    [biz.businessId, `${label}-%`],
  );
  expect(rows).toHaveLength(bodies.length);
  expect(rows.every((r) => r.n === 1)).toBe(true);
  const stored = new Map(rows.map((r) => [r.network_message_id, r]));
  for (const s of again) expect([s.answer.authorizationId, s.answer.authorizationCode]).toEqual([stored.get(s.id)!.id, stored.get(s.id)!.authorization_code]);
  await checkLedgerInvariants(h.kartu.db.manager);
  await checkAuthorizationInvariants(h.kartu.db.manager);
  console.log(`[fault] in-process, backends terminated every ${everyMs} ms: ${first.length} authorizations, ${terminated} backends terminated, ${unavailable} answered 503 (91, Retry-After), 0 other 5xx`);
  return unavailable;
}

beforeAll(async () => {
  const server = new URL(adminUrl());
  proxy = await PgProxy.start({ host: server.hostname, port: Number(server.port || 5432) });
  h = await startHarness({}, { databaseUrl: (url) => proxy.url(url) });
  admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  net = await TestNetwork.create(h);
  biz = await business(h, 1_000_000_000n);
  cards = [];
  for (let i = 0; i < 4; i++) cards.push(await issueCard(biz));
});

afterAll(async () => {
  await admin?.end();
  await h?.close();
  await proxy?.close();
});

describe('PostgreSQL connections lost under the network API', () => {
  it('backends terminated now and then mid-burst: every authorization answered 200 (a lost connection is retried on a fresh one), each once', async () => {
    expect(await authorizationsWhileTerminating('term-spaced', 250)).toBe(0);
  });

  it('backends terminated every 15 ms (the database effectively down): no bare 500, only the 503 of ISO 91; sent again, one definite answer each', async () => {
    expect(await authorizationsWhileTerminating('term-storm', 15)).toBeGreaterThan(0);
  });

  it('reversals, clearings and refunds with backends terminated: no bare 500; each id applied once and answered the same again', async () => {
    const approvals = await burst(Array.from({ length: 60 }, (_, i) => ({ path: '/authorizations', body: authorization(nid('pre'), cards[i % cards.length]!, 2_000) })), 12);
    expect(approvals.every((s) => s.status === 200 && s.answer.decision === 'approved')).toBe(true);
    const messages = approvals.flatMap((a, i) => {
      const card = cards[i % cards.length]!;
      const follow =
        i % 3 === 0
          ? { path: '/reversals', body: { id: nid('rev'), authorizationId: a.id, amount: 500 } }
          : { path: '/clearings', body: { id: nid('clr'), authorizationId: a.id, amount: 2_000, currency: 'IDR', merchant: MERCHANT } };
      return [follow, { path: '/refunds', body: { id: nid('rfd'), card: { number: card.number }, amount: 100, currency: 'IDR', merchant: MERCHANT } }];
    });
    const { result: first, terminated } = await terminatingBackends(100, () => burst(messages, 16));
    expect(terminated).toBeGreaterThan(3);
    const unavailable = expectNoBare5xx(first);
    const again = await burst(messages, 16);
    expect(again.filter((s) => s.status !== 200).map((s) => JSON.stringify(s.answer))).toEqual([]);
    const firstById = new Map(first.map((s) => [s.id, s]));
    for (const s of again) if (firstById.get(s.id)!.status === 200) expect(s.answer).toEqual(firstById.get(s.id)!.answer);
    const [{ n }] = await h.kartu.db.query('SELECT count(*)::int AS n FROM network_messages WHERE business_id = $1', [biz.businessId]);
    expect(n).toBe(messages.length);
    const [{ refunds }] = await h.kartu.db.query("SELECT count(*)::int AS refunds FROM ledger_transfers WHERE business_id = $1 AND kind = 'refund'", [biz.businessId]);
    expect(refunds).toBe(approvals.length);
    await checkLedgerInvariants(h.kartu.db.manager);
    await checkAuthorizationInvariants(h.kartu.db.manager);
    console.log(`[fault] in-process, backends terminated every 100 ms: ${first.length} reversals/clearings/refunds, ${terminated} backends terminated, ${unavailable} answered 503 (91, Retry-After), 0 other 5xx`);
  });

  it('the batch write committed but its answer was lost: answered with what was stored, not decided again', async () => {
    const id = nid('lost-answer');
    const swallowed = proxy.loseAnswerOf('kartu_authorization_batch_write');
    const res = await send('/authorizations', authorization(id, cards[0]!, 3_333));
    // The swallowed answer ended with ReadyForQuery: the statement's implicit transaction had committed.
    const answer = await swallowed;
    expect(answer.includes(Buffer.from([0x5a, 0, 0, 0, 5]))).toBe(true);
    expect(res.status, JSON.stringify(res.answer)).toBe(200);
    const rows = await h.kartu.db.query('SELECT id::text, decision, authorization_code FROM authorizations WHERE network_message_id = $1', [id]);
    expect(rows).toHaveLength(1);
    expect(res.answer).toMatchObject({ id, authorizationId: rows[0].id, decision: rows[0].decision, authorizationCode: rows[0].authorization_code });
    const again = await send('/authorizations', authorization(id, cards[0]!, 3_333));
    expect(again.answer).toEqual(res.answer);
    await checkAuthorizationInvariants(h.kartu.db.manager);
  });

  it('the database unreachable: network 503 + Retry-After + 91, partner 503xx00 + Retry-After; once it is back the same id gets its one answer', async () => {
    await biz.partner.token();
    const id = nid('down');
    proxy.down();
    let during: Sent;
    let inquiry: Awaited<ReturnType<Biz['partner']['call']>>;
    try {
      during = await send('/authorizations', authorization(id, cards[1]!, 4_444));
      inquiry = await biz.partner.call('POST', '/snap/v1.0/balance-inquiry', '{}');
    } finally {
      proxy.up();
    }
    expect(during.status).toBe(503);
    expectNoBare5xx([during]);
    // Its log line (found by the request id the answer quotes) carries the database's own error.
    const requestId = String(during.answer.responseMessage).match(/request id ([\w-]+)/)![1]!;
    expect(h.logs.find((l) => l.includes(requestId) && l.includes('unhandled error'))).toMatch(/Connection terminated|ECONNRESET|ECONNREFUSED/);
    expectSnap(inquiry, '5031100');
    expect(inquiry.headers['retry-after']).toBe('1');
    expect(inquiry.body.responseMessage).toMatch(/^Service Unavailable\. Try again later \(request id /);
    const after = await send('/authorizations', authorization(id, cards[1]!, 4_444));
    expect(after.status).toBe(200);
    expect(after.answer.decision).toBe('approved');
    const [{ n }] = await h.kartu.db.query('SELECT count(*)::int AS n FROM authorizations WHERE network_message_id = $1', [id]);
    expect(n).toBe(1);
  });
});
