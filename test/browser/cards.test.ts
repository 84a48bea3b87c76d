import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import en from '../../web/locales/en.json';
import id from '../../web/locales/id.json';
import { browserSuite, expectAccessible, type Locale, type SeededAdmin, type SeededBusiness } from '../support/browser';

/**
 * The Cards pages in a real browser: issue a card with limits and controls, freeze it, block a
 * category, watch a test purchase get declined with the reason in words, see the limit used,
 * terminate, ship a physical card, reveal as an owner; each role's limits; both languages; axe.
 * Data is seeded through the API; the UI is driven by role and label, with the words taken from
 * the locale files so a wording change does not break a test.
 */

const b = browserSuite();

type Tree = { [key: string]: string | Tree };
const LOCALES: Record<Locale, Tree> = { en: en as Tree, id: id as Tree };

/** The text of a locale key, with {{placeholders}} filled in. */
function tr(lang: Locale, key: string, values: Record<string, string | number> = {}): string {
  let node: string | Tree | undefined = LOCALES[lang];
  for (const part of key.split('.')) node = typeof node === 'object' ? node[part] : undefined;
  if (typeof node !== 'string') throw new Error(`no ${lang} text for ${key}`);
  return node.replace(/{{\s*(\w+)\s*}}/g, (_, name: string) => String(values[name]));
}

const exact = { exact: true } as const;

/** expect.poll with time for a page to load its chunks and answers (vitest's default is 1 s). */
function poll<T>(read: () => Promise<T> | T) {
  return expect.poll(read, { timeout: 10_000 });
}

async function api(admin: SeededAdmin, method: 'get' | 'post' | 'patch', path: string, body?: unknown) {
  const cookie = `kartu_session=${await b.login(admin)}`;
  const req = b.h.http()[method](`/admin/v1${path}`).set('Cookie', cookie);
  const res = await (body === undefined ? req : req.send(body as object));
  return res;
}

async function issueThroughApi(biz: SeededBusiness, body: Record<string, unknown> = {}): Promise<{ id: string; last4: string }> {
  const res = await api(biz.admins.finance_admin, 'post', '/cards', { partnerReferenceNo: crypto.randomUUID(), cardholderId: biz.holderId, type: 'VIRTUAL', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.card;
}

/** Runs a sandbox test purchase from the card page; the result's text once it is shown. */
async function testPurchase(page: Page, lang: Locale, amount: string, mcc: string): Promise<string> {
  const panel = page.getByRole('region', { name: tr(lang, 'cards.testPurchase.title') });
  const result = panel.getByRole('status');
  // Each result links to its own authorization: a new link is the new result.
  const link = result.getByRole('link', { name: tr(lang, 'cards.testPurchase.open') });
  const before = (await link.count()) ? await link.getAttribute('href') : null;
  await panel.getByLabel(tr(lang, 'cards.testPurchase.amount', { currency: 'IDR' }), exact).fill(amount);
  await panel.getByLabel(tr(lang, 'cards.testPurchase.mcc'), exact).fill(mcc);
  await panel.getByRole('button', { name: tr(lang, 'cards.testPurchase.submit') }).click();
  await poll(async () => {
    const href = (await link.count()) ? await link.getAttribute('href') : null;
    return href !== null && href !== before;
  }).toBe(true);
  return result.innerText();
}

/** Chooses the seeded cardholder in the issue form's picker. */
async function chooseCardholder(page: Page, lang: Locale, name = 'Siti Rahayu'): Promise<void> {
  const select = page.getByLabel(tr(lang, 'cards.issue.cardholder'), exact);
  await poll(() => select.locator('option', { hasText: name }).count()).toBe(1);
  await select.selectOption((await select.locator('option', { hasText: name }).getAttribute('value'))!);
}

describe('cards pages', () => {
  it('a finance admin issues a card with a daily limit and a blocked category, freezes it, blocks another category, and sees a test purchase declined in words', async () => {
    const biz = await b.seedBusiness();
    const page = await b.open('/dashboard/cards', { as: biz.admins.finance_admin, locale: 'en' });
    await poll(() => page.getByText(tr('en', 'cards.list.none')).isVisible()).toBe(true);
    await page.getByRole('link', { name: tr('en', 'cards.list.issue') }).click();

    // The issue-card flow: virtual (the default), the seeded cardholder, a daily limit, gambling blocked.
    await page.getByLabel(tr('en', 'cards.issue.findCardholder')).fill('siti');
    await chooseCardholder(page, 'en');
    await page.getByRole('button', { name: tr('en', 'cards.controls.addSpendingLimit') }).click();
    const limit = page.getByRole('group', { name: tr('en', 'cards.controls.spendingLimitN', { n: 1 }) });
    await limit.getByLabel(tr('en', 'cards.controls.amount', { currency: 'IDR' })).fill('500,000');
    await limit.getByLabel(tr('en', 'cards.controls.interval')).selectOption({ label: tr('en', 'cards.interval.daily') });
    const blocked = page.getByLabel(tr('en', 'cards.controls.blockedCategories'), exact);
    await blocked.fill('casinos');
    await blocked.press('Enter');
    // A name that is no category is refused as it is added, with the reason next to the input.
    await poll(() => page.getByText(tr('en', 'cards.errors.unknown_category', { value: 'casinos' })).isVisible()).toBe(true);
    await blocked.fill('Gambling');
    await blocked.press('Enter');
    await page.getByRole('button', { name: tr('en', 'cards.issue.submit') }).click();

    await page.waitForURL(/\/dashboard\/cards\/[0-9a-f-]{36}$/);
    const cardId = page.url().split('/').pop()!;
    await poll(() => page.getByRole('status').filter({ hasText: tr('en', 'cards.card.notice.issued') }).count()).toBe(1);
    const issued = (await api(biz.admins.viewer, 'get', `/cards/${cardId}`)).body.card;
    expect(issued.type).toBe('VIRTUAL');
    expect(issued.spendControls.spendingLimits).toEqual([{ amount: { value: '500000.00', currency: 'IDR' }, interval: 'daily' }]);
    expect(issued.spendControls.blockedCategories).toEqual(['gambling']);

    // Freeze and unfreeze.
    await page.getByRole('button', { name: tr('en', 'cards.actions.freeze'), exact: true }).click();
    await poll(async () => (await api(biz.admins.viewer, 'get', `/cards/${cardId}`)).body.card.status).toBe('FROZEN');
    await poll(() => page.getByRole('region', { name: tr('en', 'cards.card.details') }).innerText()).toContain(tr('en', 'cards.status.FROZEN'));
    // A frozen card declines, with the reason in words.
    expect(await testPurchase(page, 'en', '10000', '5411')).toContain(`${tr('en', 'decision.declined')} — ${tr('en', 'decline.check.card_status', { status: 'frozen' })}`);
    await page.getByRole('button', { name: tr('en', 'cards.actions.unfreeze') }).click();
    await poll(async () => (await api(biz.admins.viewer, 'get', `/cards/${cardId}`)).body.card.status).toBe('ACTIVE');

    // Block another category on the card page and save.
    const controls = page.getByRole('region', { name: tr('en', 'cards.controls.title') });
    const blockedOnPage = controls.getByLabel(tr('en', 'cards.controls.blockedCategories'), exact);
    await blockedOnPage.fill('fuel');
    await blockedOnPage.press('Enter');
    await controls.getByRole('button', { name: tr('en', 'cards.controls.save') }).click();
    await poll(() => controls.getByRole('status').innerText()).toBe(tr('en', 'cards.controls.saved'));
    expect((await api(biz.admins.viewer, 'get', `/cards/${cardId}`)).body.card.spendControls.blockedCategories).toEqual(['gambling', 'fuel']);

    // Declined at a gambling merchant, said in words with the raw codes beside, in English…
    const declined = await testPurchase(page, 'en', '150000', '7995');
    expect(declined).toContain(`${tr('en', 'decision.declined')} — ${tr('en', 'decline.sentence', { what: tr('en', 'decline.check.blocked_category', { category: 'gambling', mcc: '7995' }), source: tr('en', 'decline.stage.spend_control') })}`);
    expect(declined).toContain(tr('en', 'cards.testPurchase.codes', { code: '57', reason: 'merchant category blocked' }));
    // …and in Indonesian.
    await page.getByLabel(tr('en', 'app.language')).selectOption('id');
    const ditolak = await testPurchase(page, 'id', '150000', '5541');
    expect(ditolak).toContain(
      `${tr('id', 'decision.declined')} — ${tr('id', 'decline.sentence', { what: tr('id', 'decline.check.blocked_category', { category: tr('id', 'mccGroups.fuel'), mcc: '5541' }), source: tr('id', 'decline.stage.spend_control') })}`,
    );

    // An approved purchase fills the daily limit's bar: Rp 150.000 of Rp 500.000, reset at the business's midnight.
    expect(await testPurchase(page, 'id', '150.000', '5411')).toContain(tr('id', 'decision.approved'));
    const usage = page.getByRole('region', { name: tr('id', 'cards.usage.title') });
    const meter = usage.getByRole('meter', { name: `${tr('id', 'cards.interval.daily')} · ${tr('id', 'cards.usage.allPurchases')}` });
    await poll(() => meter.evaluate((m) => [(m as unknown as { value: number }).value, (m as unknown as { max: number }).max])).toEqual([150000, 500000]);
    const usageText = await usage.innerText();
    expect(usageText).toContain(tr('id', 'cards.usage.amountUsed', { used: 'Rp 150.000', limit: 'Rp 500.000', remaining: 'Rp 350.000' }));
    const [{ resetsAt }] = (await api(biz.admins.viewer, 'get', `/cards/${cardId}/limit-usage`)).body.limits;
    expect(resetsAt).toMatch(/T00:00:00\+07:00$/);

    // The card's transactions list all four, newest first, each opening the transactions drawer.
    const transactions = page.getByRole('region', { name: tr('id', 'cards.transactions.title') });
    await poll(() => transactions.getByRole('row').count()).toBe(5);
    await transactions.getByRole('row').nth(1).getByRole('link').click();
    await page.waitForURL(/\/dashboard\/transactions\/[0-9a-f-]{36}$/);
  }, 60_000);

  it('keeps what was typed when the API refuses the submit, shows its message next to the field, and never issues twice on a retry', async () => {
    const biz = await b.seedBusiness();
    const page = await b.open('/dashboard/cards/new', {
      as: biz.admins.finance_admin,
      locale: 'en',
      allowFailures: [
        { url: /^\/admin\/v1\/cards$/, status: 400 },
        { url: /^\/admin\/v1\/cards$/, status: 409 },
      ],
    });
    await chooseCardholder(page, 'en');
    await page.getByRole('button', { name: tr('en', 'cards.controls.addSpendingLimit') }).click();
    await page.getByLabel(tr('en', 'cards.controls.amount', { currency: 'IDR' })).fill('250000');
    // ZZ is well-formed but not an assigned country: only the server knows.
    const countries = page.getByLabel(tr('en', 'cards.controls.blockedCountries'), exact);
    await countries.fill('zz');
    await countries.press('Enter');
    await page.getByRole('button', { name: tr('en', 'cards.issue.submit') }).click();
    await poll(() => countries.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await countries.getAttribute('aria-describedby'))!.split(' ');
    const message = await page.locator(`[id="${describedBy.at(-1)}"]`).innerText();
    expect(message).toMatch(/^Invalid Field Format spendControls\.blockedCountries\.0 .*ISO 3166-1 alpha-2/);
    // Nothing typed is lost.
    expect(await page.getByLabel(tr('en', 'cards.controls.amount', { currency: 'IDR' })).inputValue()).toBe('250000');
    expect(await page.getByRole('list', { name: tr('en', 'cards.controls.entriesOf', { list: tr('en', 'cards.controls.blockedCountries') }) }).innerText()).toContain('ZZ');

    // Fixed, and submitted while the answer is lost on the way back: the card is issued but the page does not know.
    await page.getByRole('list', { name: tr('en', 'cards.controls.entriesOf', { list: tr('en', 'cards.controls.blockedCountries') }) }).getByRole('button').click();
    await countries.fill('SG');
    await countries.press('Enter');
    let lost = 0;
    await page.route('**/admin/v1/cards', async (route) => {
      if (route.request().method() !== 'POST' || lost++ > 0) return route.fallback();
      await route.fetch();
      await route.abort('aborted');
    });
    await page.getByRole('button', { name: tr('en', 'cards.issue.submit') }).click();
    await poll(() => page.getByRole('alert').count()).toBeGreaterThan(0);
    expect(page.url()).toMatch(/\/cards\/new$/);
    // The retry sends the same partnerReferenceNo: the API answers Duplicate, and the page finds the card issued the first time.
    await page.getByRole('button', { name: tr('en', 'cards.issue.submit') }).click();
    await page.waitForURL(/\/dashboard\/cards\/[0-9a-f-]{36}$/);
    await poll(() => page.getByText(tr('en', 'cards.card.notice.alreadyIssued')).isVisible()).toBe(true);
    const { cards } = (await api(biz.admins.viewer, 'get', `/cards?cardholderId=${biz.holderId}`)).body;
    expect(cards).toHaveLength(1);
    expect(cards[0].id).toBe(page.url().split('/').pop());
    expect(cards[0].spendControls.blockedCountries).toEqual(['SG']);
  });

  it('terminates a card only after a confirmation, and then offers nothing more', async () => {
    const biz = await b.seedBusiness();
    const card = await issueThroughApi(biz);
    const page = await b.open(`/dashboard/cards/${card.id}`, { as: biz.admins.finance_admin, locale: 'id' });
    await page.getByRole('button', { name: tr('id', 'cards.actions.terminate'), exact: true }).click();
    const dialog = page.getByRole('dialog', { name: tr('id', 'cards.actions.terminateTitle', { last4: card.last4 }) });
    expect(await dialog.innerText()).toContain(tr('id', 'cards.actions.terminateWarning'));
    await dialog.getByRole('button', { name: tr('id', 'common.cancel') }).click();
    await poll(() => dialog.count()).toBe(0);
    expect((await api(biz.admins.viewer, 'get', `/cards/${card.id}`)).body.card.status).toBe('ACTIVE');

    await page.getByRole('button', { name: tr('id', 'cards.actions.terminate'), exact: true }).click();
    await dialog.getByRole('button', { name: tr('id', 'cards.actions.terminateConfirm') }).click();
    await poll(() => page.getByText(tr('id', 'cards.actions.noneTerminated')).isVisible()).toBe(true);
    expect((await api(biz.admins.viewer, 'get', `/cards/${card.id}`)).body.card.status).toBe('TERMINATED');
    // No status buttons, no controls editor for a terminated card.
    expect(await page.getByRole('button', { name: tr('id', 'cards.actions.freeze') }).count()).toBe(0);
    expect(await page.getByRole('button', { name: tr('id', 'cards.controls.save') }).count()).toBe(0);
  });

  it('replaces a stolen card: the new one keeps its controls and the old one stops at once', async () => {
    const biz = await b.seedBusiness();
    const controls = { spendingLimits: [{ amount: { value: '750000.00', currency: 'IDR' }, interval: 'weekly' }], blockedCategories: ['gambling'] };
    const old = await issueThroughApi(biz, { spendControls: controls });
    const page = await b.open(`/dashboard/cards/${old.id}`, { as: biz.admins.finance_admin, locale: 'id' });
    await page.getByRole('button', { name: tr('id', 'cards.actions.replace') }).click();
    const dialog = page.getByRole('dialog', { name: tr('id', 'cards.replace.title', { last4: old.last4 }) });
    await dialog.getByRole('radio', { name: new RegExp(`^${tr('id', 'cards.replace.reasons.stolen')}`) }).check();
    await dialog.getByRole('button', { name: tr('id', 'cards.replace.submit') }).click();
    await page.waitForURL((url) => /\/dashboard\/cards\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(old.id));
    await poll(() => page.getByText(tr('id', 'cards.card.notice.replaced')).isVisible()).toBe(true);
    // The new card's page starts afresh: the old page's dialog is gone.
    await poll(() => page.getByRole('dialog').count()).toBe(0);
    const replacement = (await api(biz.admins.viewer, 'get', `/cards/${page.url().split('/').pop()}`)).body.card;
    expect([replacement.replacementFor, replacement.replacementReason, replacement.status]).toEqual([old.id, 'stolen', 'ACTIVE']);
    expect(replacement.spendControls.spendingLimits).toEqual(controls.spendingLimits);
    expect((await api(biz.admins.viewer, 'get', `/cards/${old.id}`)).body.card.status).toBe('TERMINATED');
    // The new card's page links to the one it replaces.
    await page.getByRole('link', { name: tr('id', 'cards.card.replacedCard') }).click();
    await poll(() => page.getByText(tr('id', 'cards.actions.noneTerminated')).isVisible()).toBe(true);
  });

  it('edits every kind of control: a per-category limit, a count limit, countries and merchants, and shows their usage', async () => {
    const biz = await b.seedBusiness();
    const card = await issueThroughApi(biz);
    const page = await b.open(`/dashboard/cards/${card.id}`, { as: biz.admins.finance_admin, locale: 'en' });
    const controls = page.getByRole('region', { name: tr('en', 'cards.controls.title') });
    const add = async (label: string, value: string, within = controls) => {
      const input = within.getByLabel(label, exact);
      await input.fill(value);
      await input.press('Enter');
    };
    await controls.getByRole('button', { name: tr('en', 'cards.controls.addSpendingLimit') }).click();
    const perCategory = controls.getByRole('group', { name: tr('en', 'cards.controls.spendingLimitN', { n: 1 }) });
    await perCategory.getByLabel(tr('en', 'cards.controls.amount', { currency: 'IDR' })).fill('200000.50');
    await perCategory.getByLabel(tr('en', 'cards.controls.interval')).selectOption('monthly');
    await add(tr('en', 'cards.controls.limitCategories'), 'restaurants', perCategory);
    await add(tr('en', 'cards.controls.limitCategories'), '5411', perCategory);
    await controls.getByRole('button', { name: tr('en', 'cards.controls.addSpendingLimit') }).click();
    const perPurchase = controls.getByRole('group', { name: tr('en', 'cards.controls.spendingLimitN', { n: 2 }) });
    await perPurchase.getByLabel(tr('en', 'cards.controls.amount', { currency: 'IDR' })).fill('1,000,000');
    await perPurchase.getByLabel(tr('en', 'cards.controls.interval')).selectOption('per_authorization');
    await controls.getByRole('button', { name: tr('en', 'cards.controls.addCountLimit') }).click();
    const count = controls.getByRole('group', { name: tr('en', 'cards.controls.countLimitN', { n: 1 }) });
    await count.getByLabel(tr('en', 'cards.controls.count')).fill('3');
    await count.getByLabel(tr('en', 'cards.controls.interval')).selectOption('daily');
    // The count interval has no per-purchase choice: one purchase is always one.
    expect(await count.getByLabel(tr('en', 'cards.controls.interval')).locator('option[value="per_authorization"]').count()).toBe(0);
    await add(tr('en', 'cards.controls.allowedCategories'), 'travel');
    await add(tr('en', 'cards.controls.allowedCategories'), 'groceries');
    await add(tr('en', 'cards.controls.allowedCountries'), 'id');
    await add(tr('en', 'cards.controls.blockedMerchantIds'), 'M-999');
    // Allowed and blocked countries at once is refused before the API is asked, next to the list.
    await add(tr('en', 'cards.controls.blockedCountries'), 'SG');
    await controls.getByRole('button', { name: tr('en', 'cards.controls.save') }).click();
    await poll(() => controls.getByLabel(tr('en', 'cards.controls.allowedCountries'), exact).getAttribute('aria-invalid')).toBe('true');
    expect(await controls.innerText()).toContain(tr('en', 'cards.errors.allowed_and_blocked'));
    await controls
      .getByRole('list', { name: tr('en', 'cards.controls.entriesOf', { list: tr('en', 'cards.controls.blockedCountries') }) })
      .getByRole('button')
      .click();
    await controls.getByRole('button', { name: tr('en', 'cards.controls.save') }).click();
    await poll(() => controls.getByRole('status').innerText()).toBe(tr('en', 'cards.controls.saved'));

    const saved = (await api(biz.admins.viewer, 'get', `/cards/${card.id}`)).body.card.spendControls;
    expect(saved).toEqual({
      spendingLimits: [
        { amount: { value: '200000.50', currency: 'IDR' }, interval: 'monthly', categories: ['restaurants', '5411'] },
        { amount: { value: '1000000.00', currency: 'IDR' }, interval: 'per_authorization' },
      ],
      countLimits: [{ count: 3, interval: 'daily' }],
      allowedCategories: ['travel', 'groceries'],
      blockedCategories: [],
      allowedCountries: ['ID'],
      blockedCountries: [],
      allowedMerchantIds: [],
      blockedMerchantIds: ['M-999'],
    });

    // A grocery purchase counts towards the category limit and the count limit.
    expect(await testPurchase(page, 'en', '50000', '5411')).toContain(tr('en', 'decision.approved'));
    const usage = page.getByRole('region', { name: tr('en', 'cards.usage.title') });
    await poll(() => usage.innerText()).toContain(tr('en', 'cards.usage.countUsed', { used: 1, limit: 3, remaining: 2 }));
    expect(await usage.innerText()).toContain(tr('en', 'cards.usage.amountUsed', { used: 'IDR 50,000', limit: 'IDR 200,000.50', remaining: 'IDR 150,000.50' }));
    expect(await usage.innerText()).toContain(tr('en', 'cards.usage.perPurchase', { limit: 'IDR 1,000,000' }));
    expect(await usage.getByRole('meter').count()).toBe(2);
    // A fuel station is outside the allowed categories.
    expect(await testPurchase(page, 'en', '50000', '5541')).toContain(tr('en', 'decision.declined'));
  }, 60_000);

  it('issues a physical card to an address, advances its shipment in the sandbox and activates it', async () => {
    const biz = await b.seedBusiness();
    const page = await b.open('/dashboard/cards/new', { as: biz.admins.finance_admin, locale: 'en' });
    await page.getByRole('radio', { name: new RegExp(`^${tr('en', 'cards.type.PHYSICAL')}`) }).check();
    // A cardholder created inline, without leaving the form.
    await page.getByRole('button', { name: tr('en', 'cards.issue.newCardholder') }).click();
    const dialog = page.getByRole('dialog', { name: tr('en', 'cards.issue.newCardholder') });
    await dialog.getByLabel(tr('en', 'cardholders.name'), exact).fill('Dewi Lestari');
    await dialog.getByLabel(tr('en', 'cardholders.email'), exact).fill(`dewi.${crypto.randomUUID().slice(0, 8)}@example.com`);
    await dialog.getByRole('button', { name: tr('en', 'common.create') }).click();
    await poll(() => dialog.count()).toBe(0);
    const picked = await page.getByLabel(tr('en', 'cards.issue.cardholder'), exact).evaluate((el) => (el as unknown as { selectedOptions: Array<{ text: string }> }).selectedOptions[0]!.text);
    expect(picked).toMatch(/^Dewi Lestari \(/);
    // Physical cards need an address: the form says so before asking the API.
    await page.getByRole('button', { name: tr('en', 'cards.issue.submit') }).click();
    const line1 = page.getByLabel(tr('en', 'cards.shipping.line1'), exact);
    await poll(() => line1.getAttribute('aria-invalid')).toBe('true');
    // The recipient is the new cardholder unless changed.
    expect(await page.getByLabel(tr('en', 'cards.shipping.name'), exact).inputValue()).toBe('Dewi Lestari');
    await line1.fill('Jl. Jenderal Sudirman Kav. 52-53');
    await page.getByLabel(tr('en', 'cards.shipping.city'), exact).fill('Jakarta Selatan');
    await page.getByLabel(tr('en', 'cards.shipping.postalCode'), exact).fill('12190');
    await page.getByLabel(tr('en', 'cards.shipping.service'), exact).selectOption('express');
    await page.getByRole('button', { name: tr('en', 'cards.issue.submit') }).click();
    await page.waitForURL(/\/dashboard\/cards\/[0-9a-f-]{36}$/);
    const cardId = page.url().split('/').pop()!;

    const shipment = page.getByRole('region', { name: tr('en', 'cards.shipping.title') });
    await poll(() => shipment.innerText()).toContain(tr('en', 'cards.shipping.statuses.pending'));
    await shipment.getByRole('button', { name: tr('en', 'cards.shipping.advance') }).click();
    await poll(() => shipment.getByRole('listitem').count()).toBe(2);
    expect(await shipment.getByRole('listitem').nth(1).innerText()).toContain(tr('en', 'cards.shipping.statuses.shipped'));
    await shipment.getByLabel(tr('en', 'cards.shipping.nextStatus')).selectOption('delivered');
    await shipment.getByRole('button', { name: tr('en', 'cards.shipping.advance') }).click();
    await poll(() => shipment.getByRole('listitem').count()).toBe(3);
    // Delivered: nothing further to advance.
    expect(await shipment.getByRole('button', { name: tr('en', 'cards.shipping.advance') }).count()).toBe(0);

    const before = (await api(biz.admins.viewer, 'get', `/cards/${cardId}`)).body.card;
    expect([before.status, before.shipping.status, before.shipping.service, before.shipping.name, before.shipping.address.country]).toEqual(['INACTIVE', 'delivered', 'express', 'Dewi Lestari', 'ID']);
    expect((await api(biz.admins.viewer, 'get', `/cardholders/${before.cardholderId}`)).body.cardholder.name).toBe('Dewi Lestari');
    await page.getByRole('button', { name: tr('en', 'cards.actions.activate') }).click();
    await poll(async () => (await api(biz.admins.viewer, 'get', `/cards/${cardId}`)).body.card.status).toBe('ACTIVE');
  });

  it("shows an owner the card's number and CVV, masked again after 30 seconds and when the page is left, and keeps them out of storage", async () => {
    const biz = await b.seedBusiness();
    const card = await issueThroughApi(biz);
    const context = await b.newContext({ as: biz.admins.owner, locale: 'en' });
    const page = await context.newPage();
    await page.clock.install();
    await page.goto(`${b.origin}/dashboard/cards/${card.id}`);
    const reveal = page.getByRole('region', { name: tr('en', 'cards.reveal.title') });
    await reveal.getByRole('button', { name: tr('en', 'cards.reveal.show') }).click();
    const pan = (await api(biz.admins.owner, 'post', `/cards/${card.id}/reveal`)).body.card;
    const grouped = pan.number.replace(/(\d{4})(?=\d)/g, '$1 ');
    await poll(() => reveal.innerText()).toContain(grouped);
    expect(await reveal.innerText()).toContain(pan.cvv);
    // Nowhere but on screen.
    const stored = await page.evaluate(() => {
      const w = globalThis as unknown as { localStorage: object; sessionStorage: object };
      return JSON.stringify({ ...w.localStorage }) + JSON.stringify({ ...w.sessionStorage });
    });
    expect(stored).not.toContain(pan.number);

    await page.clock.runFor(29_000);
    expect(await reveal.innerText()).toContain(grouped);
    await page.clock.runFor(2_000);
    await poll(() => reveal.innerText()).not.toContain(pan.number);
    expect(await reveal.innerText()).toContain(`•••• •••• •••• ${card.last4}`);

    // Shown again, then the page is left and come back to: masked.
    await reveal.getByRole('button', { name: tr('en', 'cards.reveal.show') }).click();
    await poll(() => reveal.innerText()).toContain(grouped);
    await page.getByRole('navigation').getByRole('link', { name: tr('en', 'nav.cards'), exact: true }).click();
    await poll(() => page.getByRole('heading', { level: 1, name: tr('en', 'cards.list.title') }).isVisible()).toBe(true);
    await page.goBack();
    await poll(() => reveal.innerText()).toContain(`•••• •••• •••• ${card.last4}`);
    expect(await reveal.innerText()).not.toContain(pan.number);
  });

  it('gives a viewer no write buttons and a finance admin no reveal', async () => {
    const biz = await b.seedBusiness();
    const card = await issueThroughApi(biz, { type: 'PHYSICAL', shipping: { name: 'Siti', address: { line1: 'Jl. Thamrin 1', city: 'Jakarta', postalCode: '10310', country: 'ID' } } });
    const viewer = await b.open('/dashboard/cards', { as: biz.admins.viewer, locale: 'en' });
    await poll(() => viewer.getByRole('link', { name: new RegExp(card.last4) }).count()).toBe(1);
    expect(await viewer.getByRole('link', { name: tr('en', 'cards.list.issue') }).count()).toBe(0);
    await viewer.getByRole('link', { name: new RegExp(card.last4) }).click();
    await poll(() => viewer.getByRole('region', { name: tr('en', 'cards.controls.title') }).isVisible()).toBe(true);
    // Not one button on the page: everything is read-only.
    const buttons = await viewer.getByRole('main').getByRole('button').allInnerTexts();
    expect(buttons).toEqual([]);
    expect(await viewer.getByRole('main').getByRole('textbox').count()).toBe(0);
    // The issue page sends a viewer back to the list.
    await viewer.goto(`${b.origin}/dashboard/cards/new`);
    await viewer.waitForURL(/\/dashboard\/cards$/);

    const finance = await b.open(`/dashboard/cards/${card.id}`, { as: biz.admins.finance_admin, locale: 'en' });
    await poll(() => finance.getByRole('button', { name: tr('en', 'cards.actions.activate') }).isVisible()).toBe(true);
    expect(await finance.getByRole('region', { name: tr('en', 'cards.reveal.title') }).count()).toBe(0);
    expect(await finance.getByRole('button', { name: tr('en', 'cards.reveal.show') }).count()).toBe(0);
    // And the server refuses them too.
    expect((await api(biz.admins.finance_admin, 'post', `/cards/${card.id}/reveal`)).status).toBe(403);
  });

  it('finds cards by cardholder, last4, status and type, with the filters in the URL', async () => {
    const biz = await b.seedBusiness();
    const other = (await api(biz.admins.finance_admin, 'post', '/cardholders', { name: 'Budi Santoso', email: `budi.${crypto.randomUUID().slice(0, 8)}@example.com` })).body.cardholder;
    const siti = await issueThroughApi(biz);
    const budi = await issueThroughApi(biz, { cardholderId: other.id, type: 'SINGLE_USE' });
    await api(biz.admins.finance_admin, 'patch', `/cards/${siti.id}`, { status: 'FROZEN' });

    const page = await b.open('/dashboard/cards', { as: biz.admins.viewer, locale: 'en' });
    const rows = page.getByRole('table').getByRole('row');
    await poll(() => rows.count()).toBe(3);
    await page.getByLabel(tr('en', 'cards.list.search'), exact).fill('budi');
    await page.getByRole('button', { name: tr('en', 'common.search') }).click();
    await poll(() => rows.count()).toBe(2);
    expect(await rows.nth(1).innerText()).toContain(budi.last4);
    expect(page.url()).toMatch(/\?q=budi$/);

    await page.getByLabel(tr('en', 'cards.list.search'), exact).fill(siti.last4);
    await page.getByRole('button', { name: tr('en', 'common.search') }).click();
    await poll(() => rows.nth(1).innerText()).toContain(siti.last4);

    await page.getByRole('button', { name: tr('en', 'common.clear') }).click();
    await page.getByLabel(tr('en', 'cards.list.status'), exact).selectOption('FROZEN');
    await poll(() => rows.count()).toBe(2);
    expect(await rows.nth(1).innerText()).toContain(siti.last4);
    expect(page.url()).toMatch(/\?status=FROZEN$/);
    // The URL is the list: opened afresh it shows the same.
    await page.reload();
    await poll(() => rows.count()).toBe(2);
    expect(await page.getByLabel(tr('en', 'cards.list.status'), exact).inputValue()).toBe('FROZEN');

    await page.goto(`${b.origin}/dashboard/cards?type=SINGLE_USE`);
    await poll(() => rows.count()).toBe(2);
    expect(await rows.nth(1).innerText()).toContain(budi.last4);
    await page.goto(`${b.origin}/dashboard/cards?cardholderId=${other.id}&status=ACTIVE`);
    await poll(() => rows.count()).toBe(2);
    await page.goto(`${b.origin}/dashboard/cards?q=nobody`);
    await poll(() => page.getByText(tr('en', 'cards.list.noMatch')).isVisible()).toBe(true);
  });

  it("the issue form's cardholder picker searches all active cardholders by a part of the name or email, beyond the newest 100", async () => {
    const biz = await b.seedBusiness();
    const cookie = `kartu_session=${await b.login(biz.admins.finance_admin)}`;
    const create = async (name: string, email: string) => {
      const res = await b.h.http().post('/admin/v1/cardholders').set('Cookie', cookie).send({ name, email });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.cardholder as { id: string };
    };
    const tag = crypto.randomUUID().slice(0, 8);
    // The oldest of 102 active cardholders, and a blocked one who matches too.
    const wanted = await create('Ayu Kartika', `ayu.kartika.${tag}@example.com`);
    const blocked = await create('Ayu Blocked', `ayu.blocked.${tag}@example.com`);
    await b.h.http().patch(`/admin/v1/cardholders/${blocked.id}`).set('Cookie', cookie).send({ status: 'BLOCKED' });
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => create(`Filler ${batch * 10 + i}`, `filler.${batch * 10 + i}.${tag}@example.com`)));
    }

    const page = await b.open('/dashboard/cards/new', { as: biz.admins.finance_admin, locale: 'en' });
    const select = page.getByLabel(tr('en', 'cards.issue.cardholder'), exact);
    // Without a search: the newest 100 active ones, and a word that there are more.
    await poll(() => select.locator('option').count()).toBe(101);
    expect(await page.getByText(tr('en', 'cards.issue.moreCardholders', { shown: 100, total: 102 })).isVisible()).toBe(true);
    expect(await select.locator('option', { hasText: 'Ayu' }).count()).toBe(0);

    // By a part of the email (the blocked one who matches too is not offered), or of the name in any case.
    const find = page.getByLabel(tr('en', 'cards.issue.findCardholder'), exact);
    await find.fill('ayu.');
    await poll(() => select.locator('option').count()).toBe(2);
    expect(await select.locator('option').nth(1).innerText()).toBe(`Ayu Kartika (ayu.kartika.${tag}@example.com)`);
    await find.fill('nobody by this name');
    await poll(() => select.locator('option').count()).toBe(1);
    expect(await page.getByText(tr('en', 'cards.issue.noCardholderFound')).isVisible()).toBe(true);
    await find.fill('KARTIKA');
    await poll(() => select.locator('option').count()).toBe(2);
    await chooseCardholder(page, 'en', 'Ayu Kartika');
    // A search that finds nobody keeps the one chosen.
    await find.fill('nobody by this name');
    await poll(() => page.getByText(tr('en', 'cards.issue.noCardholderFound')).isVisible()).toBe(true);
    expect(await select.inputValue()).toBe(wanted.id);

    await page.getByRole('button', { name: tr('en', 'cards.issue.submit') }).click();
    await page.waitForURL(/\/dashboard\/cards\/[0-9a-f-]{36}$/);
    const card = (await api(biz.admins.viewer, 'get', `/cards/${page.url().split('/').pop()}`)).body.card;
    expect(card.cardholderId).toBe(wanted.id);
  });

  it('pages through the list, the page in the URL', async () => {
    const biz = await b.seedBusiness();
    const issued: string[] = [];
    for (let i = 0; i < 21; i++) issued.push((await issueThroughApi(biz)).last4);
    const page = await b.open('/dashboard/cards', { as: biz.admins.viewer, locale: 'id' });
    const rows = page.getByRole('table').getByRole('row');
    await poll(() => rows.count()).toBe(21);
    expect(await page.getByRole('navigation', { name: tr('id', 'cards.list.pages') }).innerText()).toContain(tr('id', 'cards.list.pageOf', { page: 1, pages: 2, total: 21 }));
    expect(await page.getByRole('button', { name: tr('id', 'cards.list.previous') }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: tr('id', 'cards.list.next') }).click();
    await poll(() => rows.count()).toBe(2);
    expect(page.url()).toMatch(/\?page=2$/);
    // Newest first: the first card issued is alone on the second page.
    expect(await rows.nth(1).innerText()).toContain(issued[0]);
    expect(await page.getByRole('button', { name: tr('id', 'cards.list.next') }).isDisabled()).toBe(true);
  });

  for (const lang of ['id', 'en'] as const) {
    it(`has no serious accessibility problems on the cards pages (${lang})`, async () => {
      const biz = await b.seedBusiness();
      const card = await issueThroughApi(biz, {
        spendControls: { spendingLimits: [{ amount: { value: '500000.00', currency: 'IDR' }, interval: 'daily' }], countLimits: [{ count: 5, interval: 'weekly' }], blockedCategories: ['gambling'], allowedCountries: ['ID'] },
      });
      const page = await b.open('/dashboard/cards', { as: biz.admins.owner, locale: lang });
      await poll(() => page.getByRole('table').isVisible()).toBe(true);
      await expectAccessible(page);

      await page.goto(`${b.origin}/dashboard/cards/new`);
      await page.getByRole('radio', { name: new RegExp(`^${tr(lang, 'cards.type.PHYSICAL')}`) }).check();
      await page.getByRole('button', { name: tr(lang, 'cards.controls.addSpendingLimit') }).click();
      await page.getByRole('button', { name: tr(lang, 'cards.controls.addCountLimit') }).click();
      await page.getByRole('button', { name: tr(lang, 'cards.issue.submit') }).click();
      await poll(() => page.locator('[aria-invalid="true"]').count()).toBeGreaterThan(0);
      await expectAccessible(page);
      await page.getByRole('button', { name: tr(lang, 'cards.issue.newCardholder') }).click();
      await poll(() => page.getByRole('dialog').isVisible()).toBe(true);
      await expectAccessible(page);
      await page.keyboard.press('Escape');

      await page.goto(`${b.origin}/dashboard/cards/${card.id}`);
      await poll(() => page.getByRole('meter').count()).toBe(2);
      await testPurchase(page, lang, '100000', '7995');
      await page.getByRole('button', { name: tr(lang, 'cards.reveal.show') }).click();
      await expectAccessible(page);
      await page.getByRole('button', { name: tr(lang, 'cards.actions.replace') }).click();
      await expectAccessible(page);
    }, 90_000);
  }

  it('is usable from the keyboard, with the focus visible: a category added with Enter, the card issued without a mouse', async () => {
    const biz = await b.seedBusiness();
    const page = await b.open('/dashboard/cards/new', { as: biz.admins.finance_admin, locale: 'en' });
    const select = page.getByLabel(tr('en', 'cards.issue.cardholder'), exact);
    await poll(() => select.locator('option').count()).toBe(2);
    await select.focus();
    await page.keyboard.press('ArrowDown');
    expect(await select.inputValue()).toBe(biz.holderId);
    const blocked = page.getByLabel(tr('en', 'cards.controls.blockedCategories'), exact);
    await blocked.focus();
    await page.keyboard.type('7995');
    await page.keyboard.press('Enter');
    // Enter added the entry and did not submit the form.
    expect(page.url()).toMatch(/\/cards\/new$/);
    expect(await page.getByRole('list', { name: tr('en', 'cards.controls.entriesOf', { list: tr('en', 'cards.controls.blockedCategories') }) }).innerText()).toContain('MCC 7995');
    // Tab on through the form to the submit button; each stop shows where the focus is.
    const submit = page.getByRole('button', { name: tr('en', 'cards.issue.submit') });
    for (let i = 0; i < 40 && !(await submit.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)); i++) {
      await page.keyboard.press('Tab');
      const outline = await page.evaluate(() => {
        const w = globalThis as unknown as { document: { activeElement: unknown }; getComputedStyle(el: unknown): { outlineStyle: string } };
        return w.getComputedStyle(w.document.activeElement).outlineStyle;
      });
      expect(outline).not.toBe('none');
    }
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/dashboard\/cards\/[0-9a-f-]{36}$/);
    const card = (await api(biz.admins.viewer, 'get', `/cards/${page.url().split('/').pop()}`)).body.card;
    expect(card.spendControls.blockedCategories).toEqual(['7995']);
  });
});
