import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { rewardsSubscriber } from '../../src/modules/rewards/rewards.subscriber';
import { browserSuite, expectAccessible, type SeededBusiness } from '../support/browser';
import { adminCall, exact, heading, issueCard, purchase, tr } from '../support/dashboard';
import { outboxEvents } from '../support/spend-fixtures';

/**
 * The rewards pages in a real browser: a finance admin creates the program (a server refusal shown
 * on its field), a cleared purchase earns points, the balances list and the business total show
 * them, a redemption is refused for more points than there are and then pays the cashback it
 * showed; the cardholder's history; a viewer in Indonesian reads but cannot change anything.
 * Earning runs in the event worker, which the harness does not run: the cleared purchase's outbox
 * event is handed to the rewards subscriber as the relay would (as test/integration/rewards.test.ts does).
 */

const b = browserSuite();

/** A restaurant purchase of IDR 50,000.00, cleared, and its points accrued. */
async function clearedPurchase(biz: SeededBusiness): Promise<void> {
  const card = await issueCard(b, biz);
  const { authorizationId } = await purchase(b, biz, card.id, '50000.00', { name: 'Kopi Kenangan', mcc: '5814' });
  const cleared = await adminCall(b, biz.admins.finance_admin, 'post', `/sandbox/authorizations/${authorizationId}/clear`, {});
  expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
  const [event] = await outboxEvents(b.h, biz.businessId, 'transaction.cleared');
  await rewardsSubscriber.handle(b.h.kartu, event!);
}

const balancesTable = (page: Page) => page.getByRole('table', { name: tr('en', 'rewards.balances.title') });

describe('rewards pages', () => {
  it('a finance admin creates the program, sees the points of a cleared purchase, redeems some; a viewer (id) only reads', async () => {
    const biz = await b.seedBusiness();
    // The refused save is a 400 (before the program exists the page reads program: null, no error).
    const allowFailures = [{ url: /^\/admin\/v1\/rewards\/program$/, status: 400 }];
    const page = await b.open('/dashboard/rewards', { as: biz.admins.finance_admin, locale: 'en', allowFailures });
    await heading(page, tr('en', 'rewards.title'));
    await page.getByText(tr('en', 'rewards.program.none')).waitFor();
    await expectAccessible(page);

    // The editor: 1 point per IDR 1,000.00 (the default), restaurants ×2; a point worth 0 is refused by the server, on its field.
    await page.getByRole('link', { name: tr('en', 'rewards.program.create') }).click();
    await heading(page, tr('en', 'rewards.editor.title'));
    await page.getByRole('button', { name: tr('en', 'rewards.editor.addMultiplier') }).click();
    const categories = page.getByLabel(tr('en', 'rewards.editor.categories', { n: 1 }), exact);
    await categories.fill('restaurants');
    await categories.press('Enter');
    const pointValue = page.getByLabel(tr('en', 'rewards.editor.pointValue', { currency: 'IDR' }), exact);
    await pointValue.fill('0');
    await page.getByRole('button', { name: tr('en', 'rewards.editor.save') }).click();
    await expect.poll(() => pointValue.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await pointValue.getAttribute('aria-describedby'))!.split(' ').at(-1)!;
    expect(await page.locator(`[id="${describedBy}"]`).innerText()).toMatch(/at least one minor unit/);
    expect(await page.getByLabel(tr('en', 'rewards.editor.multiplier', { n: 1 }), exact).inputValue()).toBe('2');
    await expectAccessible(page);
    await pointValue.fill('10.00');
    await page.getByRole('button', { name: tr('en', 'rewards.editor.save') }).click();
    await heading(page, tr('en', 'rewards.title'));
    await page.getByRole('status').getByText(tr('en', 'rewards.program.saved', { version: 1 })).waitFor();
    await page.getByText(tr('en', 'rewards.program.earnRateValue', { points: 1, per: 'IDR 1,000' })).waitFor();
    await page.getByText('restaurants ×2').waitFor();

    // A cleared purchase of IDR 50,000 at a restaurant: 50 × 2 = 100 points worth IDR 1,000.
    await clearedPurchase(biz);
    await page.reload();
    const row = balancesTable(page).getByRole('row', { name: /Siti Rahayu/ });
    await row.getByRole('cell', { name: '100', exact: true }).first().waitFor(); // points (and earned)
    await row.getByRole('cell', { name: 'IDR 1,000', exact: true }).waitFor();
    const totals = page.getByRole('region', { name: tr('en', 'rewards.totals.title') });
    await totals.getByText('IDR 1,000').nth(1).waitFor(); // the cashback value and the ledger liability

    // Redeem: more than there is is refused on the field; 40 points show and pay IDR 400.
    await row.getByRole('button', { name: tr('en', 'rewards.redeem.openFor', { name: 'Siti Rahayu' }) }).click();
    const dialog = page.getByRole('dialog', { name: tr('en', 'rewards.redeem.title', { name: 'Siti Rahayu' }) });
    const points = dialog.getByLabel(tr('en', 'rewards.redeem.points'), exact);
    await points.fill('150');
    await dialog.getByRole('button', { name: tr('en', 'rewards.redeem.submit') }).click();
    await dialog.getByText(tr('en', 'rewards.redeem.notEnough', { points: '100' })).waitFor();
    await points.fill('40');
    await dialog.getByText('IDR 400').waitFor();
    await expectAccessible(page);
    await dialog.getByRole('button', { name: tr('en', 'rewards.redeem.submit') }).click();
    await dialog.getByText(tr('en', 'rewards.redeem.done', { points: '40', amount: 'IDR 400' })).waitFor();
    await dialog.getByRole('button', { name: tr('en', 'common.close'), exact: true }).last().click();
    await row.getByRole('cell', { name: '60', exact: true }).waitFor();

    // The cardholder's history: the accrual and the redemption.
    await row.getByRole('link', { name: 'Siti Rahayu' }).click();
    await heading(page, tr('en', 'rewards.cardholder.title', { name: 'Siti Rahayu' }));
    const history = page.getByRole('table', { name: tr('en', 'rewards.history.title') });
    await history.getByRole('row', { name: new RegExp(`${tr('en', 'rewards.kinds.redemption')}.*−40`) }).waitFor();
    await history.getByRole('row', { name: new RegExp(`${tr('en', 'rewards.kinds.accrual')}.*\\+100.*Kopi Kenangan`) }).waitFor();
    await expectAccessible(page);

    // A viewer, in Indonesian: the figures, no editing, no redeeming.
    const viewer = await b.open('/dashboard/rewards', { as: biz.admins.viewer, locale: 'id' });
    await heading(viewer, tr('id', 'rewards.title'));
    const viewerRow = viewer.getByRole('table', { name: tr('id', 'rewards.balances.title') }).getByRole('row', { name: /Siti Rahayu/ });
    await viewerRow.getByRole('cell', { name: 'Rp 600', exact: true }).waitFor();
    await viewer.getByText(tr('id', 'rewards.program.earnRateValue', { points: 1, per: 'Rp 1.000' })).waitFor();
    expect(await viewer.getByRole('link', { name: tr('id', 'rewards.program.edit') }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: tr('id', 'rewards.redeem.openFor', { name: 'Siti Rahayu' }) }).count()).toBe(0);
    await expectAccessible(viewer);
    const refused = await adminCall(b, biz.admins.viewer, 'post', '/rewards/redeem', { cardholderId: biz.holderId, points: 1 });
    expect(refused.status).toBe(403);
  });
});
