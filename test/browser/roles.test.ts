import { describe, expect, it } from 'vitest';
import { browserSuite } from '../support/browser';
import { adminCall, heading, issueCard, purchase, tr } from '../support/dashboard';

/**
 * Roles in the browser: a viewer reads every page and sees no button that writes; a finance admin
 * sees the writes but not the owner's 2FA policy. The server refuses what the UI hides.
 */

const b = browserSuite();

describe('roles', () => {
  it('a viewer sees every page read-only, and the API refuses the writes the UI hides (403)', async () => {
    const biz = await b.seedBusiness();
    const card = await issueCard(b, biz);
    const { authorizationId } = await purchase(b, biz, card.id, '10000.00', { name: 'Warung Sate', mcc: '5812' });
    const page = await b.open('/dashboard/', { as: biz.admins.viewer, locale: 'en' });
    await heading(page, tr('en', 'overview.title'));
    await page.getByText(tr('en', 'overview.balance'), { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: tr('en', 'overview.fundSubmit') }).count()).toBe(0);

    await page.getByRole('link', { name: tr('en', 'nav.cardholders') }).click();
    await page.getByRole('link', { name: 'Siti Rahayu' }).waitFor();
    expect(await page.getByRole('button', { name: tr('en', 'cardholders.new') }).count()).toBe(0);
    await page.getByRole('link', { name: 'Siti Rahayu' }).click();
    await heading(page, 'Siti Rahayu');
    await page.getByRole('region', { name: tr('en', 'cardholders.spend') }).getByText('Warung Sate').waitFor();
    for (const name of [tr('en', 'common.edit'), tr('en', 'cardholders.block')]) {
      expect(await page.getByRole('button', { name }).count(), name).toBe(0);
    }

    await page.goto(`${b.origin}/dashboard/transactions/${authorizationId}`);
    await page.getByRole('dialog').getByRole('heading', { name: tr('en', 'transactions.transfers') }).waitFor();
    expect(await page.getByRole('dialog').getByRole('button', { name: tr('en', 'transactions.clear'), exact: true }).count()).toBe(0);

    await page.goto(`${b.origin}/dashboard/settings`);
    await heading(page, tr('en', 'settings.title'));
    await page.getByText(tr('en', 'settings.ownerOnly')).waitFor();
    expect(await page.getByRole('checkbox', { name: tr('en', 'settings.requireTwoFactor') }).count()).toBe(0);

    // What the UI does not offer, the server refuses.
    const viewer = biz.admins.viewer;
    for (const [method, path, body] of [
      ['post', '/cardholders', { name: 'Eve', email: 'eve@example.com' }],
      ['patch', `/cardholders/${biz.holderId}`, { status: 'BLOCKED' }],
      ['post', '/sandbox/funding', { amount: { value: '1000.00', currency: 'IDR' } }],
      ['post', `/sandbox/authorizations/${authorizationId}/clear`, {}],
      ['patch', '/business/security', { requireTwoFactor: true }],
    ] as const) {
      const res = await adminCall(b, viewer, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.responseCode).toMatch(/^403\d\d01$/);
    }
    const finance = await adminCall(b, biz.admins.finance_admin, 'patch', '/business/security', { requireTwoFactor: true });
    expect(finance.status).toBe(403);
    // Nothing changed.
    const holder = await adminCall(b, viewer, 'get', `/cardholders/${biz.holderId}`);
    expect(holder.body.cardholder.status).toBe('ACTIVE');
  });

  it('a finance admin sees the writes but not the business 2FA policy', async () => {
    const biz = await b.seedBusiness();
    const page = await b.open('/dashboard/settings', { as: biz.admins.finance_admin, locale: 'id' });
    await heading(page, tr('id', 'settings.title'));
    await page.getByText(tr('id', 'settings.ownerOnly')).waitFor();
    await page.getByRole('link', { name: tr('id', 'nav.overview') }).click();
    await page.getByRole('button', { name: tr('id', 'overview.fundSubmit') }).waitFor();
    await page.getByRole('link', { name: tr('id', 'nav.cardholders') }).click();
    await page.getByRole('button', { name: tr('id', 'cardholders.new') }).waitFor();
  });
});
