import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { simulateNetwork } from '../../src/modules/authorizations/network-simulator';
import { startHarness, TestNetwork, TestPartner, type Harness } from '../support/harness';

let h: Harness;
let server: Server;
beforeAll(async () => {
  h = await startHarness();
  server = await new Promise((resolve) => {
    const s = createServer(h.app).listen(0, '127.0.0.1', () => resolve(s));
  });
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await h.close();
});

it('kartu simulate plays authorizations, clearings and reversals against a running server, keeping the ledger balanced', async () => {
  // The simulator signs with the wall clock: keep the harness clock on it.
  h.clock.set(new Date());
  const p = await TestPartner.create(h);
  const network = await TestNetwork.create(h);
  const holder = await p.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: 'Sim', email: 'sim@example.com' }));
  for (const ref of ['s1', 's2', 's3']) {
    await p.call('POST', '/snap/v1.0/cards', JSON.stringify({ partnerReferenceNo: ref, cardholderId: holder.body.cardholder.id, type: 'VIRTUAL' }));
  }
  await p.call('POST', '/snap/v1.0/simulate/funding', JSON.stringify({ amount: { value: '100000000.00', currency: 'IDR' } }));
  const { port } = server.address() as { port: number };
  const summary = await simulateNetwork(h.kartu, {
    url: `http://127.0.0.1:${port}`,
    networkId: network.networkId,
    networkSecret: network.secret,
    businessId: p.creds.businessId,
    rate: 25,
    durationSeconds: 2,
  });
  const total = Object.values(summary.authorizations).reduce((a, b) => a + b, 0);
  expect(summary.errors).toBe(0);
  expect(total).toBeGreaterThanOrEqual(40);
  expect(summary.clearings + summary.reversals).toBeGreaterThan(0);
  const [counts] = await h.kartu.db.query('SELECT count(*)::int AS n FROM authorizations WHERE business_id = $1', [p.creds.businessId]);
  expect(counts.n).toBe(total);
  const totals = await h.kartu.db.query('SELECT sum(debits_posted) = sum(credits_posted) AS posted, sum(debits_pending) = sum(credits_pending) AS pending FROM ledger_accounts');
  expect(totals[0]).toEqual({ posted: true, pending: true });
});

it('a wrong network secret stops the run at the first call, saying what Kartu answered', async () => {
  h.clock.set(new Date());
  const p = await TestPartner.create(h);
  const network = await TestNetwork.create(h);
  const holder = await p.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: 'Sim', email: 'sim@example.com' }));
  await p.call('POST', '/snap/v1.0/cards', JSON.stringify({ partnerReferenceNo: 'w1', cardholderId: holder.body.cardholder.id, type: 'VIRTUAL' }));
  const { port } = server.address() as { port: number };
  const run = (url: string, networkSecret: string) =>
    simulateNetwork(h.kartu, { url, networkId: network.networkId, networkSecret, businessId: p.creds.businessId, rate: 5, durationSeconds: 1 });
  await expect(run(`http://127.0.0.1:${port}`, 'not-the-secret')).rejects.toThrow(
    new RegExp(`^POST http://127\\.0\\.0\\.1:${port}/network/v1/authorizations answered 401 \\d{7} .+ \\(check --network-id and --network-secret\\)$`),
  );
  const [counts] = await h.kartu.db.query('SELECT count(*)::int AS n FROM authorizations WHERE business_id = $1', [p.creds.businessId]);
  expect(counts.n).toBe(0);
  // A port nothing listens on: the URL and the system's error.
  const dead = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const free = (s.address() as { port: number }).port;
      s.close(() => resolve(free));
    });
  });
  await expect(run(`http://127.0.0.1:${dead}`, network.secret)).rejects.toThrow(`cannot reach Kartu at http://127.0.0.1:${dead}/network/v1/authorizations: ECONNREFUSED`);
});
