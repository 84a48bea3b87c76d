import { describe, expect, it } from 'vitest';
import { browserSuite, type Locale } from '../support/browser';
import { exact, heading, issueCard, purchase, tr } from '../support/dashboard';

/**
 * Transactions in a real browser: every filter lands in the URL and narrows the list, the API's
 * own message shows next to a filter it refuses, the detail drawer explains a decline in words
 * (both languages) with the raw codes beside, Esc closes it back to the filtered list, and the
 * sandbox actions move money.
 */

const b = browserSuite();

async function seeded() {
  const biz = await b.seedBusiness();
  const card = await issueCard(b, biz, { blockedCategories: ['gambling'] });
  const casino = await purchase(b, biz, card.id, '250000.00', { name: 'Lucky Casino', mcc: '7995' });
  const warung = await purchase(b, biz, card.id, '45000.50', { name: 'Warung Sate', mcc: '5812' });
  const big = await purchase(b, biz, card.id, '150000.00', { name: 'Toko Besar', mcc: '5411' });
  return { biz, card, casino, warung, big };
}

const EXPLAINED: Record<Locale, string> = {
  en: 'Blocked category: gambling (MCC 7995) — card control',
  id: 'Kategori diblokir: perjudian (MCC 7995) — kontrol kartu',
};

describe('transactions', () => {
  for (const lang of ['en', 'id'] as const) {
    it(`filters by decision, merchant, MCC and amount through the URL and explains a decline in words (${lang})`, async () => {
      const { biz, casino } = await seeded();
      const page = await b.open('/dashboard/transactions', { as: biz.admins.viewer, locale: lang, allowFailures: [{ url: /^\/admin\/v1\/authorizations\?/, status: 400 }] });
      await heading(page, tr(lang, 'transactions.title'));
      const rows = page.getByRole('table', { name: tr(lang, 'transactions.list') }).locator('tbody tr');
      await expect.poll(() => rows.count()).toBe(3);
      // Newest first.
      expect(await rows.first().innerText()).toContain('Toko Besar');

      await page.getByLabel(tr(lang, 'transactions.decision'), exact).selectOption('declined');
      await page.getByRole('button', { name: tr(lang, 'common.apply') }).click();
      await page.waitForURL(/\?decision=declined$/);
      await expect.poll(() => rows.count()).toBe(1);
      expect(await rows.first().innerText()).toContain(lang === 'en' ? 'Blocked category: gambling (MCC 7995)' : 'Kategori diblokir: perjudian (MCC 7995)');

      await rows.first().getByRole('link').click();
      await page.waitForURL(new RegExp(`/transactions/${casino.authorizationId}\\?decision=declined$`));
      const drawer = page.getByRole('dialog');
      await drawer.getByText(EXPLAINED[lang]).waitFor();
      await drawer.getByText(tr(lang, 'transactions.rawCodes', { code: '57', reason: 'merchant category blocked (blocked_category)' })).waitFor();
      await drawer.getByText(lang === 'en' ? 'IDR 250,000' : 'Rp 250.000').first().waitFor();
      await page.keyboard.press('Escape');
      await page.waitForURL(/\/transactions\?decision=declined$/);
      // The URL changes first; the drawer closes in the render after it.
      await expect.poll(() => page.getByRole('dialog').count()).toBe(0);

      // Clear, then merchant and amount range (typed the language's way).
      await page.getByRole('button', { name: tr(lang, 'common.clear') }).click();
      await expect.poll(() => rows.count()).toBe(3);
      await page.getByLabel(tr(lang, 'transactions.amountMin'), exact).fill(lang === 'en' ? '100,000' : '100.000');
      await page.getByLabel(tr(lang, 'transactions.amountMax'), exact).fill(lang === 'en' ? '200,000.00' : '200.000,00');
      await page.getByRole('button', { name: tr(lang, 'common.apply') }).click();
      await page.waitForURL(/\?amountMin=100000\.00&amountMax=200000\.00$/);
      await expect.poll(() => rows.count()).toBe(1);
      expect(await rows.first().innerText()).toContain('Toko Besar');

      await page.getByRole('button', { name: tr(lang, 'common.clear') }).click();
      await page.getByLabel(tr(lang, 'transactions.merchant'), exact).fill('warung');
      await page.getByLabel(tr(lang, 'transactions.mcc'), exact).fill('5812');
      await page.getByRole('button', { name: tr(lang, 'common.apply') }).click();
      await page.waitForURL(/\?merchant=warung&mcc=5812$/);
      await expect.poll(() => rows.count()).toBe(1);
      expect(await rows.first().innerText()).toContain('Warung Sate');

      // A filter the API refuses: its message next to the field, the typed value kept.
      const mcc = page.getByLabel(tr(lang, 'transactions.mcc'), exact);
      await mcc.fill('12');
      await page.getByRole('button', { name: tr(lang, 'common.apply') }).click();
      await page.getByText('Invalid Field Format mcc').waitFor();
      expect(await mcc.getAttribute('aria-invalid')).toBe('true');
      expect(await mcc.inputValue()).toBe('12');

      // The URL alone (a bookmark) gives the same list.
      await page.goto(`${b.origin}/dashboard/transactions?responseCode=57`);
      await expect.poll(() => rows.count()).toBe(1);
      expect(await page.getByLabel(tr(lang, 'transactions.responseCode'), exact).inputValue()).toBe('57');
    });
  }

  it('pages with Load more, and a finance admin clears and refunds in the sandbox from the drawer', async () => {
    const { biz, card, warung } = await seeded();
    for (let i = 0; i < 24; i++) await purchase(b, biz, card.id, '1000.00', { name: `Kios ${i}`, mcc: '5814' });
    const page = await b.open(`/dashboard/transactions/${warung.authorizationId}`, { as: biz.admins.finance_admin, locale: 'en' });
    const rows = page.getByRole('table', { name: tr('en', 'transactions.list') }).locator('tbody tr');
    const drawer = page.getByRole('dialog');
    await drawer.getByText(tr('en', 'transactions.sandboxActions')).waitFor();
    await drawer.getByRole('button', { name: tr('en', 'transactions.clear'), exact: true }).click();
    await drawer.getByText(tr('en', 'transactions.actionDone')).waitFor();
    await drawer.getByText(tr('en', 'transactions.transferRole.clearing')).waitFor();
    await drawer.getByLabel(tr('en', 'transactions.actionAmount'), exact).fill('5,000.50');
    await drawer.getByRole('button', { name: tr('en', 'transactions.refund'), exact: true }).click();
    await drawer.getByText(tr('en', 'transactions.transferRole.refund')).waitFor();
    await drawer.getByRole('button', { name: tr('en', 'common.close') }).click();
    await page.waitForURL(/\/dashboard\/transactions$/);

    await expect.poll(() => rows.count()).toBe(25);
    await page.getByRole('button', { name: tr('en', 'common.loadMore') }).click();
    await expect.poll(() => rows.count()).toBe(27);
    expect(await page.getByRole('button', { name: tr('en', 'common.loadMore') }).count()).toBe(0);
  });
});
