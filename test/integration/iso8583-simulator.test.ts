import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIso8583Gateway, type Iso8583Gateway } from '../../src/modules/iso8583/iso8583-gateway';
import { simulateIso8583 } from '../../src/modules/iso8583/iso8583-simulator';
import { findIso8583SpecFile, loadIso8583Spec } from '../../src/modules/iso8583/iso8583-spec';
import { startHarness, TestNetwork, type Harness } from '../support/harness';
import { checkAuthorizationInvariants, checkLedgerInvariants } from '../support/invariants';
import { business, issueCard, type Biz } from '../support/partner-fixtures';

/** `kartu simulate --iso8583`: the simulator against a real gateway, a real PostgreSQL. */

const spec = loadIso8583Spec(findIso8583SpecFile('kartu-1987-ascii'));
let h: Harness;
let gateway: Iso8583Gateway;
let biz: Biz;

beforeAll(async () => {
  h = await startHarness();
  const network = await TestNetwork.create(h);
  gateway = await startIso8583Gateway(h.kartu, { port: 0, host: '127.0.0.1', networkId: network.networkId, spec });
  biz = await business(h, 1_000_000_000n);
  await issueCard(biz);
}, 30_000);
afterAll(async () => {
  await checkLedgerInvariants(h.kartu.db.manager);
  await checkAuthorizationInvariants(h.kartu.db.manager);
  await gateway?.close(1000);
  await h?.close();
});

describe('simulateIso8583', () => {
  it('signs on, sends authorizations at the rate and reverses some; every one is an authorization of the gateway', async () => {
    const summary = await simulateIso8583(h.kartu, { host: '127.0.0.1', port: gateway.port, spec, businessId: biz.businessId, rate: 20, durationSeconds: 1 });
    const answered = Object.values(summary.authorizations).reduce((a, b) => a + b, 0);
    expect(summary.errors).toBe(0);
    expect(answered).toBeGreaterThanOrEqual(15);
    expect(summary.authorizations['00']).toBeGreaterThan(0);
    // Nothing clears over ISO 8583, so a closed authorization is one the simulator reversed in full.
    const [row] = await h.kartu.db.query("SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'closed')::int AS reversed FROM authorizations WHERE network_message_id LIKE 'iso8583:%'");
    expect(row.n).toBe(answered);
    expect(row.reversed).toBe(summary.reversals);
  });

  it('fails at once, naming the address, when no gateway listens there', async () => {
    await expect(simulateIso8583(h.kartu, { host: '127.0.0.1', port: 1, spec, businessId: biz.businessId, rate: 1, durationSeconds: 1 })).rejects.toThrow(
      /cannot reach the ISO 8583 gateway at 127\.0\.0\.1:1: ECONNREFUSED/,
    );
  });
});
