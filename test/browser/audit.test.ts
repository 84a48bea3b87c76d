import { describe, expect, it } from 'vitest';
import { browserSuite, expectAccessible } from '../support/browser';
import { adminCall, exact, heading, issueCard, tr } from '../support/dashboard';

/**
 * The audit log in a real browser (owners): filtered by action prefix and actor, the filters kept in
 * the URL (opened again from it, in Indonesian), and an entry's link to its object.
 */

const b = browserSuite();

describe('audit log page', () => {
  it('an owner filters by action and actor, shares the filtered address, and follows an entry to its card', async () => {
    const biz = await b.seedBusiness();
    const card = await issueCard(b, biz); // card.created by the finance admin
    const holder = await adminCall(b, biz.admins.owner, 'patch', `/cardholders/${biz.holderId}`, { employeeId: 'EMP-7' }); // cardholder.updated by the owner
    expect(holder.status, JSON.stringify(holder.body)).toBe(200);

    const page = await b.open('/dashboard/audit', { as: biz.admins.owner, locale: 'en', allowFailures: [{ url: /^\/admin\/v1\/audit-log\?action=Card/, status: 400 }] });
    await heading(page, tr('en', 'audit.title'));
    const table = page.getByRole('table', { name: tr('en', 'audit.title') });
    await table.getByText('cardholder.updated', exact).waitFor();

    // A malformed action is refused by the server, on the field.
    const action = page.getByLabel(tr('en', 'audit.action'), exact);
    await action.fill('Card!');
    await page.getByRole('button', { name: tr('en', 'common.apply') }).click();
    await expect.poll(() => action.getAttribute('aria-invalid')).toBe('true');

    await action.fill('card.');
    await page.getByLabel(tr('en', 'audit.actor'), exact).fill(biz.admins.finance_admin.email);
    await page.getByRole('button', { name: tr('en', 'common.apply') }).click();
    await page.waitForURL(/action=card\./);
    await page.getByText(tr('en', 'audit.count', { n: 1 })).waitFor();
    const row = table.getByRole('row').nth(1);
    await row.getByText(biz.admins.finance_admin.email).waitFor();
    await row.getByText(tr('en', 'audit.actions.card.created')).waitFor();
    await row.getByText('card.created', exact).waitFor();
    expect(await table.getByText('cardholder.updated', exact).count()).toBe(0);
    await expectAccessible(page);

    // The filtered address, opened by someone else in Indonesian, shows the same entry.
    const shared = await b.open(new URL(page.url()).pathname + new URL(page.url()).search, { as: biz.admins.owner, locale: 'id' });
    await heading(shared, tr('id', 'audit.title'));
    await shared.getByText(tr('id', 'audit.actions.card.created')).waitFor();
    expect(await shared.getByLabel(tr('id', 'audit.action'), exact).inputValue()).toBe('card.');

    // The entry links to its card.
    await row.getByRole('link', { name: `${tr('en', 'audit.targetTypes.card')} ${card.id}` }).click();
    await page.waitForURL(new RegExp(`/dashboard/cards/${card.id}$`));
  });
});
