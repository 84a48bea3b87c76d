import type { Page } from 'playwright-core';
import { describe, it } from 'vitest';
import { browserSuite, expectAccessible } from '../support/browser';
import { heading, issueCard, purchase, tr } from '../support/dashboard';

/**
 * axe on every non-card page of the dashboard (and its open dialogs), in both languages: no
 * serious or critical violation. Keyboard: the skip link comes first and every page is reachable
 * from the navigation by Tab and Enter.
 */

const b = browserSuite();

describe('accessibility', () => {
  for (const lang of ['id', 'en'] as const) {
    it(`has no serious axe violation on sign-in, enrolment, overview, transactions, cardholders and settings (${lang})`, async () => {
      const biz = await b.seedBusiness();
      const card = await issueCard(b, biz, { blockedCategories: ['gambling'] });
      const { authorizationId } = await purchase(b, biz, card.id, '250000.00', { name: 'Lucky Casino', mcc: '7995' });

      const anonymous = await b.open('/dashboard/sign-in?next=%2Fsettings', { locale: lang });
      await heading(anonymous, tr(lang, 'signIn.title'));
      await expectAccessible(anonymous);

      const page = await b.open('/dashboard/', { as: biz.admins.owner, locale: lang });
      const visit = async (path: string, title: string, more?: (p: Page) => Promise<void>) => {
        await page.goto(`${b.origin}/dashboard${path}`);
        await heading(page, title);
        await more?.(page);
        await expectAccessible(page);
      };
      await visit('/', tr(lang, 'overview.title'), (p) => p.getByText(`(${tr(lang, 'feed.live')})`).waitFor());
      await visit('/transactions', tr(lang, 'transactions.title'), (p) => p.getByText('Lucky Casino').waitFor());
      await visit(`/transactions/${authorizationId}`, tr(lang, 'transactions.title'), (p) => p.getByRole('dialog').getByRole('heading', { name: tr(lang, 'transactions.transfers') }).waitFor());
      await visit('/cardholders', tr(lang, 'cardholders.title'), async (p) => {
        await p.getByRole('button', { name: tr(lang, 'cardholders.new') }).click();
        await p.getByRole('dialog').waitFor();
      });
      await visit(`/cardholders/${biz.holderId}`, 'Siti Rahayu', (p) => p.getByText('Lucky Casino').waitFor());
      await visit('/settings', tr(lang, 'settings.title'));
      await visit('/two-factor/enrol?next=%2Fsettings', tr(lang, 'enrol.title'), (p) => p.getByRole('img', { name: tr(lang, 'enrol.qrLabel') }).waitFor());
      await visit('/no-such-page', tr(lang, 'app.notFound'));
    }, 90_000);
  }

  it('is usable by keyboard: skip link first, navigation by Tab and Enter, visible focus', async () => {
    const biz = await b.seedBusiness();
    const page = await b.open('/dashboard/', { as: biz.admins.finance_admin, locale: 'en' });
    await heading(page, tr('en', 'overview.title'));
    await page.keyboard.press('Tab');
    const focused = () => page.evaluate('document.activeElement && document.activeElement.textContent');
    if ((await focused()) !== tr('en', 'app.skipToContent')) throw new Error(`first Tab focused ${String(await focused())}`);
    for (let i = 0; i < 20 && (await focused()) !== tr('en', 'nav.cardholders'); i++) await page.keyboard.press('Tab');
    const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
    if (outline === 'none') throw new Error('the focused link shows no outline');
    await page.keyboard.press('Enter');
    await heading(page, tr('en', 'cardholders.title'));
  });
});
