import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, expectAccessible, LANGUAGE_KEY, type Locale, type SeededBusiness } from '../support/browser';

/**
 * The dashboard as kartu serve serves it, in a real chromium, and the browser-test machinery on it:
 * / leads to /dashboard under the strict CSP with nothing blocked, deep links load the app, a
 * missing asset is not the app, the language a test asks for is the one shown, and the watcher and
 * the axe check do catch what they are there to catch. Words come from web/locales.
 */

const b = browserSuite();

type Messages = Record<string, unknown>;
const messages = Object.fromEntries(
  (['id', 'en'] as const).map((l) => [l, JSON.parse(readFileSync(path.resolve(__dirname, '../../web/locales', `${l}.json`), 'utf8')) as Messages]),
) as Record<Locale, Messages>;

/** The dashboard's text for `key` (dotted) in `lang`. */
function t(lang: Locale, key: string): string {
  const text = key.split('.').reduce<unknown>((node, part) => (node as Messages | undefined)?.[part], messages[lang]);
  if (typeof text !== 'string') throw new Error(`no ${lang} text for ${key}`);
  return text;
}

// Before signing in, the dashboard asks who is signed in: 401, which it answers by showing sign-in.
const signedOut = [{ url: /^\/admin\/v1\/me$/, status: 401 }];

let biz: SeededBusiness;
beforeAll(async () => {
  biz = await b.seedBusiness();
});

describe('the dashboard as served', () => {
  it('/ leads to /dashboard/, served under the strict CSP, and its sign-in page renders with nothing blocked', async () => {
    const context = await b.newContext({ locale: 'en', allowFailures: signedOut });
    const page = await context.newPage();
    const res = (await page.goto(`${b.origin}/`))!;
    expect(res.request().redirectedFrom()?.url()).toBe(`${b.origin}/`);
    expect(res.url()).toBe(`${b.origin}/dashboard/`);
    const csp = res.headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self';style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers()['cache-control']).toBe('no-cache');
    await page.getByRole('heading', { name: t('en', 'signIn.title') }).waitFor();
    // Its scripts and styles are hashed files cached for good.
    const assets = await page.evaluate(() =>
      (globalThis as unknown as { performance: { getEntriesByType(t: string): Array<{ name: string }> } }).performance
        .getEntriesByType('resource')
        .map((e) => e.name)
        .filter((n) => n.includes('/dashboard/assets/')),
    );
    expect(assets.length).toBeGreaterThan(0);
    const asset = await page.request.get(assets[0]!);
    expect(asset.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await page.request.get(`${b.origin}/dashboard/assets/index-NOTBUILT.js`)).status()).toBe(404);
  });

  it('a deep link loads the app at that page, in the language asked for', async () => {
    for (const lang of ['id', 'en'] as const) {
      const page = await b.open('/dashboard/no-such-page', { as: biz.admins.viewer, locale: lang });
      await page.getByRole('heading', { name: t(lang, 'app.notFound') }).waitFor();
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      expect(await page.evaluate((key) => (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem(key), LANGUAGE_KEY)).toBe(lang);
      await page.getByRole('main').getByRole('link', { name: t(lang, 'app.backHome') }).click();
      await page.getByRole('heading', { name: t(lang, 'overview.title') }).waitFor();
    }
  });
});

describe('the browser-test machinery on the dashboard', () => {
  it('sees a CSP violation, a console error and an unexpected error answer', async () => {
    const page = await b.open('/dashboard/', { as: biz.admins.owner, locale: 'en' });
    await page.getByRole('heading', { name: t('en', 'overview.title') }).waitFor();
    await page.evaluate(async () => {
      const doc = (globalThis as unknown as { document: { createElement(t: string): { textContent: string }; body: { append(n: unknown): void } } }).document;
      const inline = doc.createElement('script');
      inline.textContent = 'window.injected = true';
      doc.body.append(inline);
      await fetch('/admin/v1/no-such-route');
    });
    const problems = await b.takeProblems(page.context());
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^CSP violation on \/dashboard\/: script-src-elem blocked inline/),
        expect.stringMatching(/^console error on \/dashboard\/: Executing inline script violates/),
        'GET /admin/v1/no-such-route answered 404',
      ]),
    );
    expect(await page.evaluate(() => (globalThis as unknown as { injected?: boolean }).injected)).toBeUndefined();
  });

  it('axe passes the sign-in page, and names what it fails', async () => {
    const page = await b.open('/dashboard/sign-in', { locale: 'id', allowFailures: signedOut });
    await page.getByRole('heading', { name: t('id', 'signIn.title') }).waitFor();
    await expectAccessible(page);
    // An unlabelled input and an image without a text alternative: axe's critical findings.
    await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { insertAdjacentHTML(w: string, h: string): void } } }).document;
      doc.querySelector('main, body')!.insertAdjacentHTML('beforeend', '<input type="text"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">');
    });
    const failure = await expectAccessible(page).then(
      () => undefined,
      (err: Error) => err.message,
    );
    expect(failure).toMatch(/^axe found \d+ serious or critical violation\(s\) on /);
    expect(failure).toMatch(/^image-alt \(critical\): /m);
    expect(failure).toMatch(/^label \(critical\): /m);
  });
});
