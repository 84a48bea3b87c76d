import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policiesOf } from '../../src/modules/authorizations/authorize';
import { startBacktestWorker, type BacktestWorker } from '../../src/modules/policies/backtest';
import { browserSuite, expectAccessible } from '../support/browser';
import { adminCall, exact, heading, issueCard, purchase, tr } from '../support/dashboard';

/**
 * The spend-rule pages in a real browser: a policy with a shadow version (made through the API)
 * watched on live sandbox purchases — the list's 24 h counts and the shadow examples — then
 * backtested (the report; a running one's progress bar), promoted, seen declining a purchase, diffed and rolled back;
 * what a viewer sees; both languages; axe on the list and the policy page.
 */

const b = browserSuite();
let worker: BacktestWorker;

beforeAll(async () => {
  worker = await startBacktestWorker(b.h.kartu, { url: b.h.kartu.config.redisUrl, maxRetriesPerRequest: null }, b.h.kartu.config.redisPrefix);
});

afterAll(async () => {
  await worker?.close();
});

const POLICY = 'Large purchases';
const noGambling = {
  name: 'no-gambling',
  conditions: { all: [{ fact: 'merchant', path: '$.mcc', operator: 'inMccGroup', value: ['gambling'] }] },
  event: { type: 'decline', params: { reason: 'no gambling', responseCode: '57' } },
};
const bigSpend = {
  name: 'big-spend',
  // IDR 1,000,000.00 and more, in minor units.
  conditions: { all: [{ fact: 'transaction', path: '$.amount', operator: 'greaterThanInclusive', value: 100_000_000 }] },
  event: { type: 'decline', params: { reason: 'too big', responseCode: '61' } },
};

/** The authorization engine's policies, reloaded up to the newest change (it also polls by itself every 500 ms). */
async function freshPolicies(): Promise<void> {
  const runtime = await policiesOf(b.h.kartu);
  const [{ generation }]: Array<{ generation: string }> = await b.h.kartu.db.query('SELECT generation::text FROM policy_generation');
  for (let i = 0; i < 20 && runtime.loadedGeneration < BigInt(generation); i++) await runtime.refresh();
}

describe('spend-rule pages', () => {
  it('shadow on live traffic, backtest, promote, a purchase declined by it, diff and rollback; viewers read only; en and id', async () => {
    const biz = await b.seedBusiness(1_000_000_000n); // IDR 10,000,000.00
    const fa = biz.admins.finance_admin;
    const card = await issueCard(b, biz);
    const created = await adminCall(b, fa, 'post', '/policies', { name: POLICY, scope: { type: 'business' }, rules: [noGambling] });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const policyId: string = created.body.policy.id;
    const v1: string = created.body.policy.activeVersionId;
    const shadow = await adminCall(b, fa, 'post', `/policies/${policyId}/versions`, { mode: 'shadow', rules: [noGambling, bigSpend] });
    expect(shadow.status, JSON.stringify(shadow.body)).toBe(200);
    await freshPolicies();
    expect((await purchase(b, biz, card.id, '2000000.00', { name: 'Toko Besar', mcc: '5411' })).decision).toBe('approved');
    expect((await purchase(b, biz, card.id, '100000.00', { name: 'Lucky Casino', mcc: '7995' })).decision).toBe('declined');

    // The list: the policy under its scope with its versions and the last 24 hours' counts.
    const page = await b.open('/dashboard/policies', { as: fa, locale: 'en' });
    await heading(page, tr('en', 'policies.title'));
    const business = page.getByRole('region', { name: tr('en', 'policies.list.scope.business') });
    const row = business.getByRole('row').filter({ hasText: POLICY });
    await expect.poll(() => row.innerText(), { timeout: 10_000 }).toContain(tr('en', 'policies.list.shadowCounts', { declines: 2, reviews: 0 }));
    const cells = await row.getByRole('cell').allInnerTexts();
    expect(cells.slice(2, 7)).toEqual([tr('en', 'policies.status.ACTIVE'), tr('en', 'policies.mode.enforceAndShadow'), 'v1', 'v2', '1']);
    await page.getByRole('region', { name: tr('en', 'policies.list.scope.platform') }).getByRole('row').nth(1).waitFor();
    expect(await page.getByRole('link', { name: tr('en', 'policies.list.new') }).getAttribute('href')).toBe('/dashboard/policies/new');
    await expectAccessible(page);

    // The policy's page: what the shadow version would have done, with the real decisions beside.
    await row.getByRole('link', { name: POLICY }).click();
    await heading(page, POLICY);
    const shadowPanel = page.getByRole('region', { name: tr('en', 'policies.shadow.title') });
    const examples = shadowPanel.getByRole('table', { name: tr('en', 'policies.shadow.examples') });
    await examples.getByRole('row').nth(2).waitFor();
    const big = examples.getByRole('row').filter({ hasText: 'Toko Besar' });
    expect(await big.innerText()).toContain(tr('en', 'decision.approved'));
    expect(await big.innerText()).toContain(`${tr('en', 'policies.event.decline')} · big-spend`);
    expect(await big.innerText()).toContain('IDR 2,000,000');
    expect(await shadowPanel.getByRole('definition').first().innerText()).toBe('2');
    await expectAccessible(page);

    // A backtest of the shadow version over the last week: progress, then the report.
    const backtest = page.getByRole('region', { name: tr('en', 'policies.backtest.title') });
    await backtest.getByRole('button', { name: tr('en', 'policies.backtest.run') }).click();
    await backtest.getByText(tr('en', 'policies.backtest.done', { n: 2 })).waitFor({ timeout: 20_000 });
    await backtest.getByText(tr('en', 'policies.backtest.approveToDecline', { count: 1 })).waitFor();
    expect(await backtest.getByRole('row').filter({ hasText: 'Toko Besar' }).innerText()).toContain('big-spend');
    const byRule = backtest.getByRole('table', { name: tr('en', 'policies.backtest.byRule') });
    expect(await byRule.getByRole('row').filter({ hasText: 'big-spend' }).getByRole('cell').allInnerTexts()).toEqual(['1', '1', '0', '0', '1']);
    await backtest.getByRole('button', { name: tr('en', 'policies.backtest.item', { n: 2, status: tr('en', 'policies.backtest.status.completed') }) }).waitFor();

    // Promote: the shadow rules are enforced as v3; the next large purchase is declined by the policy.
    await shadowPanel.getByRole('button', { name: tr('en', 'policies.shadow.promote', { n: 2 }) }).click();
    await shadowPanel.getByText(tr('en', 'policies.shadow.promoted', { n: 3 })).waitFor();
    const versions = page.getByRole('region', { name: tr('en', 'policies.versions.title') });
    await versions.getByRole('row').filter({ hasText: tr('en', 'policies.versions.isEnforced') }).getByRole('rowheader', { name: 'v3' }).waitFor();
    await freshPolicies();
    const declined = await purchase(b, biz, card.id, '1500000.00', { name: 'Toko Besar', mcc: '5411' });
    expect(declined.decision).toBe('declined');
    const drawer = await b.open(`/dashboard/transactions/${declined.authorizationId}`, { as: biz.admins.viewer, locale: 'en' });
    await drawer.getByText(tr('en', 'decline.check.policy_rule', { policy: POLICY, rule: 'big-spend', reason: 'too big' }), { exact: false }).first().waitFor();

    // The diff of v1 and v3, marked in words; then roll back to v1 in one click.
    await versions.getByLabel(tr('en', 'policies.diff.left'), exact).selectOption({ label: tr('en', 'policies.diff.option', { n: 1, mode: tr('en', 'policies.versionMode.enforce') }) });
    const diff = versions.getByRole('table', { name: tr('en', 'policies.diff.caption', { left: 1, right: 3 }) });
    const added = diff.getByRole('row').filter({ hasText: '"name": "big-spend"' });
    await added.waitFor();
    expect(await added.getByRole('cell').allInnerTexts()).toContain(tr('en', 'policies.diff.added'));
    await versions.getByRole('button', { name: tr('en', 'policies.versions.rollBack', { n: 1 }) }).click();
    await versions.getByText(tr('en', 'policies.versions.enforcing', { n: 1 })).waitFor();
    expect((await adminCall(b, biz.admins.viewer, 'get', `/policies/${policyId}`)).body.policy.activeVersionId).toBe(v1);
    const [audit]: Array<{ details: { versionId: string; previousVersionId: string } }> = await b.h.kartu.db.query(
      "SELECT details FROM audit_log WHERE action = 'policy.version.activated' AND target_id = $1",
      [policyId],
    );
    expect(audit!.details.versionId).toBe(v1);

    // In Indonesian.
    await page.getByLabel(tr('en', 'app.language')).selectOption('id');
    await versions.page().getByRole('button', { name: tr('id', 'policies.versions.activate', { n: 3 }) }).waitFor();
    await page.getByRole('heading', { name: tr('id', 'policies.shadow.title') }).waitFor();

    // A viewer reads the same pages without a single write control; the server refuses the writes anyway.
    // A backtest half-way through (a row no worker runs: it was never queued) shows its progress bar.
    await b.h.kartu.db.query(
      `INSERT INTO policy_backtests (business_id, policy_id, version_id, from_time, to_time, status, total, processed, requested_by_type, requested_by_id, started_at)
       VALUES ($1, $2, $3, now() - interval '1 day', now(), 'running', 10, 4, 'admin', $4, now())`,
      [biz.businessId, policyId, v1, fa.id],
    );
    const viewer = await b.open(`/dashboard/policies/${policyId}`, { as: biz.admins.viewer, locale: 'id' });
    await heading(viewer, POLICY);
    const progress = viewer.getByRole('progressbar', { name: tr('id', 'policies.backtest.progress', { processed: 4, total: 10 }) });
    expect([await progress.getAttribute('value'), await progress.getAttribute('max')]).toEqual(['4', '10']);
    await viewer.getByRole('region', { name: tr('id', 'policies.versions.title') }).getByRole('row').nth(3).waitFor();
    for (const name of [tr('id', 'policies.versions.activate', { n: 3 }), tr('id', 'policies.settings.rename'), tr('id', 'policies.settings.disable'), tr('id', 'policies.backtest.run')]) {
      expect(await viewer.getByRole('button', { name }).count(), name).toBe(0);
    }
    expect(await viewer.getByRole('link', { name: tr('id', 'policies.policy.newVersion') }).count()).toBe(0);
    expect((await adminCall(b, biz.admins.viewer, 'post', `/policies/${policyId}/versions/${v1}/activate`)).status).toBe(403);
    await viewer.goto(`${b.origin}/dashboard/policies`);
    await heading(viewer, tr('id', 'policies.title'));
    expect(await viewer.getByRole('link', { name: tr('id', 'policies.list.new') }).count()).toBe(0);
  }, 60_000);
});
