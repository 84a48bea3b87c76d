import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetwork } from '../../src/modules/access/access.service';
import { runBacktest } from '../../src/modules/policies/backtest';
import { ensurePlatformDefaults } from '../../src/modules/policies/policies.service';
import { buildPolicyFacts, type VelocityFacts } from '../../src/modules/policies/policy-runtime';
import { startHarness, type Harness } from '../support/harness';
import { business, expectSnap, issueCard, type Biz } from '../support/partner-fixtures';

/**
 * Review findings on the policy service (issue 5): inputs that used to answer 500 instead of a
 * precise 4009501, and what else a careful reading turned up.
 */

let h: Harness;
let a: Biz;

beforeAll(async () => {
  h = await startHarness();
  await ensurePlatformDefaults(h.kartu);
  a = await business(h, 0n);
});
afterAll(() => h.close());

const rule = (name: string, o: Record<string, unknown> = {}) => ({
  name,
  conditions: { all: [{ fact: 'transaction', path: '$.amount', operator: 'greaterThanInclusive', value: 1000 }] },
  event: { type: 'decline', params: { reason: `${name} fired` } },
  ...o,
});
const call = (method: 'GET' | 'POST' | 'PATCH', path: string, body?: string) => a.partner.call(method, `/snap/v1.0${path}`, body);
const post = (path: string, body: unknown) => call('POST', path, JSON.stringify(body));

async function counts(): Promise<{ policies: number; versions: number }> {
  const [row] = await h.kartu.db.query('SELECT (SELECT count(*)::int FROM policies) AS policies, (SELECT count(*)::int FROM policy_versions) AS versions');
  return row;
}

describe('text PostgreSQL cannot store (NUL, unpaired surrogates) is a 4009501, never a 500', () => {
  // Raw JSON text: JSON.stringify would not let a lone surrogate through as an escape we control.
  const ruleJson = (o: { name?: string; reason?: string; value?: string }) =>
    `{"name": "${o.name ?? 'r'}", "conditions": {"all": [{"fact": "merchant", "path": "$.name", "operator": "equal", "value": "${o.value ?? 'Kopi'}"}]}, "event": {"type": "review", "params": {"reason": "${o.reason ?? 'why'}"}}}`;
  const cases: Array<[string, string, string]> = [
    ['a NUL in the policy name', `{"name": "bad\\u0000name", "scope": {"type": "business"}, "rules": [${ruleJson({})}]}`, 'name'],
    ['a NUL in the note', `{"name": "ok", "note": "a\\u0000b", "scope": {"type": "business"}, "rules": [${ruleJson({})}]}`, 'note'],
    ['an unpaired surrogate in the policy name', `{"name": "bad\\ud800", "scope": {"type": "business"}, "rules": [${ruleJson({})}]}`, 'name'],
    ['a NUL in a rule name', `{"name": "ok", "scope": {"type": "business"}, "rules": [${ruleJson({ name: 'r\\u0000' })}]}`, 'rules.0.name'],
    ['an unpaired surrogate in a rule name', `{"name": "ok", "scope": {"type": "business"}, "rules": [${ruleJson({ name: 'x\\ud800' })}]}`, 'rules.0.name'],
    ['a NUL in a reason', `{"name": "ok", "scope": {"type": "business"}, "rules": [${ruleJson({ reason: 'why\\u0000' })}]}`, 'rules.0.event.params.reason'],
    ['an unpaired surrogate in a value', `{"name": "ok", "scope": {"type": "business"}, "rules": [${ruleJson({ value: '\\udc00' })}]}`, 'rules.0.conditions.all.0.value'],
  ];

  it.each(cases)('%s (create)', async (_label, body, field) => {
    const before = await counts();
    const res = await call('POST', '/policies', body);
    expectSnap(res, '4009501');
    expect(res.body.responseMessage).toContain(`Invalid Field Format ${field}`);
    expect(await counts()).toEqual(before);
  });

  it('a new version, a rename and the test endpoint refuse them the same way', async () => {
    const p = (await post('/policies', { name: 'Clean', scope: { type: 'business' }, rules: [rule('r')] })).body.policy;
    const before = await counts();
    const version = await post(`/policies/${p.id}/versions`, { rules: [rule('r', { event: { type: 'decline', params: { reason: 'z\u0000' } } })] });
    expectSnap(version, '4009501');
    expect(version.body.responseMessage).toContain('rules.0.event.params.reason');
    const note = await post(`/policies/${p.id}/versions`, { rules: [rule('r')], note: 'n\u0000' });
    expectSnap(note, '4009501');
    expect(note.body.responseMessage).toContain('note');
    const rename = await call('PATCH', `/policies/${p.id}`, '{"name": "a\\u0000"}');
    expectSnap(rename, '4009501');
    expect(rename.body.responseMessage).toContain('name');
    expect(await counts()).toEqual(before);
    const [policy] = await h.kartu.db.query('SELECT name, version_count FROM policies WHERE id = $1', [p.id]);
    expect(policy).toEqual({ name: 'Clean', version_count: 1 });
    const test = await call('POST', '/policies/test', `{"rules": [${ruleJson({ name: 'x\\ud800' })}], "facts": {"transaction": {"amount": 1}, "merchant": {"mcc": "5814", "country": "ID"}}}`);
    expectSnap(test, '4009501');
    expect(test.body.responseMessage).toContain('rules.0.name');
  });

  it('text that only looks odd (emoji: a paired surrogate, accents, tabs) is kept as written', async () => {
    const res = await post('/policies', { name: 'Kopi ☕ 😀 café', note: 'tab\there', scope: { type: 'business' }, rules: [rule('no 😀 at night', { event: { type: 'review', params: { reason: 'é 😀' } } })] });
    expectSnap(res, '2009500');
    expect(res.body.policy.name).toBe('Kopi ☕ 😀 café');
    expect(res.body.policy.activeVersion.rules[0].name).toBe('no 😀 at night');
  });
});

describe('backtests of a version that reads velocity facts', () => {
  const quiet: VelocityFacts = {
    approvedCount15m: 0, approvedAmount15m: 0, approvedCount1h: 0, approvedAmount1h: 0, approvedCount24h: 0, approvedAmount24h: 0,
    declinedCount1h: 0, distinctCountries24h: 1, isNewMerchant: false, isNewCountry: false, amountZScore: null, secondsSinceLastTransaction: 60,
  };

  it('skip (and count) the recorded authorizations whose velocity facts were not captured, instead of guessing them', async () => {
    const networkId = (await createNetwork(h.kartu, `rv-${randomUUID().slice(0, 6)}`)).networkId;
    const card = (await issueCard(a)).id;
    const at = (hours: number) => new Date(Date.parse('2026-03-01T00:00:00Z') + hours * 3600_000);
    async function seed(hours: number, velocity?: VelocityFacts): Promise<void> {
      const id = randomUUID();
      const merchant = { id: 'M1', name: 'Kopi', mcc: '5814', city: 'Jakarta', country: 'ID' };
      const facts = buildPolicyFacts({
        amount: 50_000n, currency: 'IDR', pos: { entryMode: 'chip', cardPresent: true }, merchant,
        card: { type: 'VIRTUAL', status: 'ACTIVE', createdAt: new Date('2025-01-01T00:00:00Z') },
        cardholder: { createdAt: new Date('2024-01-01T00:00:00Z') }, timeZone: 'Asia/Jakarta', now: at(hours), velocity,
      });
      await h.kartu.db.query(
        `INSERT INTO authorizations (id, network_id, network_message_id, request_hash, business_id, card_id, amount, currency, approved_amount,
                                     decision, response_code, reason, merchant, facts, policy, status, created_at)
         VALUES ($1, $2, $3, 'seed', $4, $5, 50000, 'IDR', 50000, 'approved', '00', 'approved', $6, $7, $8, 'pending', $9)`,
        [id, networkId, `seed-${id}`, a.businessId, card, JSON.stringify(merchant), JSON.stringify({ amount: 50_000, policy: facts }), JSON.stringify({ reviews: [], shadow: [] }), at(hours)],
      );
    }
    // Recorded while no rule in scope read velocity (the usual case: the baseline's are guarded by amounts).
    await seed(1);
    await seed(2);
    // Recorded with velocity facts (some rule needed them then): a quiet card.
    await seed(3, quiet);

    // "Three or more declines in the last hour": written with not, as tenants do.
    const created = await post('/policies', {
      name: 'Declines guard',
      scope: { type: 'card', id: card },
      rules: [{ name: 'declines', conditions: { not: { fact: 'velocity', path: '$.declinedCount1h', operator: 'lessThan', value: 3 } }, event: { type: 'decline', params: { reason: 'declines' } } }],
    });
    expectSnap(created, '2009500');
    const p = created.body.policy;
    const requested = await post(`/policies/${p.id}/backtest`, { versionId: p.activeVersionId, fromDateTime: '2026-03-01T00:00:00Z', toDateTime: '2026-03-02T00:00:00Z' });
    expectSnap(requested, '2009500');
    const done = await runBacktest(h.kartu, requested.body.backtest.id);
    const report = (done ?? (await call('GET', `/policies/${p.id}/backtests/${requested.body.backtest.id}`)).body.backtest).report as {
      totals: Record<string, number>;
      changes: { approveToDecline: { count: number } };
    };
    // Before: the two rows without velocity were "approve → decline" (a missing count is not < 3, so not(...) matched).
    expect(report.changes.approveToDecline.count).toBe(0);
    expect(report.totals).toMatchObject({ authorizations: 3, replayed: 1, skipped: 2, skippedWithoutVelocity: 2, approveToDecline: 0, unchanged: 1 });
  });
});
