import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite } from '../support/browser';
import { exact, heading, issueCard, purchase, tr } from '../support/dashboard';

/**
 * The Overview in a real browser: balance and today's numbers, a sandbox purchase declined live
 * in the feed within 2 s with its reason in words (and the numbers following it), the feed item
 * opening the transaction drawer, and the sandbox funding form; and, with streams that end every
 * 1.5 s, the feed staying live across their ends and resuming after the browser gave one up,
 * losing no purchase made in between.
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

describe('the live feed across stream ends', () => {
  // Streams end after 1.5 s here (5 minutes in kartu serve); the browser reconnects after the server's 1 s hint.
  const q = browserSuite({}, { app: { streamTimings: { pollMs: 250, pollRetryMs: 2_000, heartbeatMs: 100, lifetimeMs: 1_500 } } });
  const STREAM = /\/admin\/v1\/stream(\?|$)/;

  /** Every text the feed's heading shows from now on, kept in the page. */
  async function recordFeedHeading(page: Page): Promise<() => Promise<string[]>> {
    await page.evaluate(() => {
      const w = globalThis as unknown as { document: { getElementById(id: string): { textContent: string } | null }; MutationObserver: new (cb: () => void) => { observe(node: unknown, o: object): void }; feedHeadings: string[] };
      const heading = w.document.getElementById('live-feed')!;
      w.feedHeadings = [heading.textContent];
      new w.MutationObserver(() => w.feedHeadings.push(heading.textContent)).observe(heading, { subtree: true, childList: true, characterData: true });
    });
    return () => page.evaluate(() => (globalThis as unknown as { feedHeadings: string[] }).feedHeadings);
  }

  it('stays live through planned stream ends, and a purchase made between two streams is in the feed', async () => {
    const biz = await q.seedBusiness();
    const card = await issueCard(q, biz);
    const page = await q.open('/dashboard/', { as: biz.admins.finance_admin, locale: 'en' });
    const feed = page.getByRole('region', { name: new RegExp(`^${tr('en', 'feed.title')}`) });
    await feed.getByText(`(${tr('en', 'feed.live')})`).waitFor();
    const headings = await recordFeedHeading(page);
    // A reconnect goes on once the purchase of the moment has been made: had it not resumed, the
    // new stream would start after the purchase, without it.
    let purchased: Promise<unknown> = Promise.resolve();
    let reconnects = 0;
    await page.route(STREAM, async (route) => {
      reconnects++;
      await purchased;
      await route.continue();
    });

    for (const [i, name] of ['Warung Satu', 'Warung Dua', 'Warung Tiga'].entries()) {
      // The stream ends (its whole body arrived); the purchase commits before the browser is back.
      await page.waitForEvent('requestfinished', { predicate: (req) => STREAM.test(req.url()), timeout: 10_000 });
      purchased = purchase(q, biz, card.id, `${10_000 + i}.00`, { name, mcc: '5812' });
      await purchased;
      await feed.getByRole('listitem').filter({ hasText: name }).waitFor({ timeout: 5_000 });
    }
    // The browser reconnected by itself each time, and the feed never said it was reconnecting.
    expect(reconnects).toBeGreaterThanOrEqual(3);
    expect(new Set(await headings())).toEqual(new Set([`${tr('en', 'feed.title')} (${tr('en', 'feed.live')})`]));
    expect(await feed.getByRole('listitem').count()).toBe(3);
  });

  it('after the browser gives up on a stream, a new one resumes from the last event received: nothing made meanwhile is lost', async () => {
    const biz = await q.seedBusiness();
    const card = await issueCard(q, biz);
    const page = await q.open('/dashboard/', { as: biz.admins.finance_admin, locale: 'en', allowFailures: [{ url: STREAM, status: 503 }] });
    const feed = page.getByRole('region', { name: new RegExp(`^${tr('en', 'feed.title')}`) });
    await feed.getByText(`(${tr('en', 'feed.live')})`).waitFor();
    await purchase(q, biz, card.id, '20000.00', { name: 'Before Outage', mcc: '5812' });
    await feed.getByRole('listitem').filter({ hasText: 'Before Outage' }).waitFor({ timeout: 5_000 });

    // The next reconnect is answered 503 (not a stream): the browser closes the EventSource for good.
    let refused = 0;
    await page.route(STREAM, (route) => {
      refused++;
      return route.fulfill({ status: 503, contentType: 'application/json', body: '{"responseCode":"5039700","responseMessage":"Service Unavailable"}' });
    });
    await expect.poll(() => refused, { timeout: 10_000 }).toBe(1);
    await feed.getByText(`(${tr('en', 'feed.reconnecting')})`).waitFor();
    await purchase(q, biz, card.id, '30000.00', { name: 'During Outage', mcc: '5812' });
    const resumed = page.waitForRequest((req) => STREAM.test(req.url()), { timeout: 15_000 });
    await page.unroute(STREAM);
    const request = await resumed;
    expect(refused).toBe(1);
    // The new EventSource names the last event received (Before Outage's), having no Last-Event-ID of its own.
    expect(new URL(request.url()).searchParams.get('lastEventId')).toMatch(/^\d+\.[0-9a-f-]{36}$/);
    await feed.getByRole('listitem').filter({ hasText: 'During Outage' }).waitFor({ timeout: 5_000 });
    await feed.getByText(`(${tr('en', 'feed.live')})`).waitFor();
    expect(await feed.getByRole('listitem').count()).toBe(2);
  });
});
