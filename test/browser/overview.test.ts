import { describe, expect, it } from 'vitest';
import { browserSuite } from '../support/browser';
import { exact, heading, issueCard, purchase, tr } from '../support/dashboard';

/**
 * The Overview in a real browser: balance and today's numbers, a sandbox purchase declined live
 * in the feed within 2 s with its reason in words (and the numbers following it), the feed item
 * opening the transaction drawer, and the sandbox funding form.
 */

const b = browserSuite();

describe('overview', () => {
  it('shows a declined purchase in the live feed within 2 s, in words, and updates the day', async () => {
    const biz = await b.seedBusiness();
    const card = await issueCard(b, biz, { blockedCategories: ['gambling'] });
    const page = await b.open('/dashboard/', { as: biz.admins.finance_admin, locale: 'en' });
    await heading(page, tr('en', 'overview.title'));
    const feed = page.getByRole('region', { name: new RegExp(`^${tr('en', 'feed.title')}`) });
    await feed.getByText(`(${tr('en', 'feed.live')})`).waitFor();
    await page.getByText('IDR 1,000,000').first().waitFor();

    const started = Date.now();
    const declined = purchase(b, biz, card.id, '250000.00', { name: 'Lucky Casino', mcc: '7995' });
    const item = feed.getByRole('listitem').filter({ hasText: 'Lucky Casino' });
    await item.waitFor({ timeout: 2_000 });
    const { authorizationId } = await declined;
    expect(Date.now() - started).toBeLessThan(2_000);
    const text = await item.innerText();
    expect(text).toContain('IDR 250,000');
    expect(text).toContain(tr('en', 'decision.declined'));
    expect(text).toContain('Blocked category: gambling (MCC 7995) — card control');
    expect(text).toContain('57 · merchant category blocked');

    // The day's numbers follow the feed.
    const declines = page.locator('.panel', { has: page.getByText(tr('en', 'overview.declines'), exact) });
    await expect.poll(() => declines.locator('.stat').innerText()).toBe('1');
    await page.getByRole('region', { name: tr('en', 'overview.declinesByReason') }).getByText('Blocked category — card control').waitFor();

    // An approved one, then the feed item opens the drawer.
    await purchase(b, biz, card.id, '45000.50', { name: 'Warung Sate', mcc: '5812' });
    await feed.getByRole('listitem').filter({ hasText: 'Warung Sate' }).waitFor({ timeout: 2_000 });
    expect(await feed.getByRole('listitem').first().innerText()).toContain('IDR 45,000.50');
    await item.getByRole('link', { name: new RegExp(`^${tr('en', 'feed.open')}`) }).click();
    await page.waitForURL(new RegExp(`/dashboard/transactions/${authorizationId}$`));
    await page.getByRole('dialog').getByText('Blocked category: gambling (MCC 7995) — card control').waitFor();
  });

  it('lets a finance admin fund the sandbox account, with the amount read in the language', async () => {
    const biz = await b.seedBusiness();
    const page = await b.open('/dashboard/', { as: biz.admins.finance_admin, locale: 'id' });
    await heading(page, tr('id', 'overview.title'));
    const amount = page.getByLabel(tr('id', 'overview.fundAmount', { currency: 'IDR' }), exact);
    await amount.fill('2.500.000,50');
    await page.getByRole('button', { name: tr('id', 'overview.fundSubmit') }).click();
    await page.getByText(tr('id', 'overview.funded', { amount: 'Rp 2.500.000,50', available: 'Rp 3.500.000,50' })).waitFor();
    await page.getByText('Rp 3.500.000,50').first().waitFor();
    // Not an amount: said next to the field, nothing sent.
    await amount.fill('12abc');
    await page.getByRole('button', { name: tr('id', 'overview.fundSubmit') }).click();
    await page.getByText(tr('id', 'transactions.invalidAmount', { currency: 'IDR' })).waitFor();
    expect(await amount.inputValue()).toBe('12abc');
  });
});
