import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, vi } from 'vitest';
import type { AppOptions } from '../../src/app';
import type { AdminRole } from '../../src/modules/access/admin.entity';
import { createAdmin } from '../../src/modules/access/admins.service';
import { startHarness, type Harness } from './harness';
import { business, type Biz } from './partner-fixtures';

/**
 * Browser tests (test/browser/*.test.ts) drive Debian's chromium (`apt-get install chromium`; .ci/run
 * installs it when missing) through playwright-core against a Kartu listening on a real port.
 *
 *   const b = browserSuite();                 // one browser and one Kartu for the file
 *   const seeded = await b.seedBusiness();    // through the API: business, cardholder, funds, admins
 *   const page = await b.open('/dashboard/', { as: seeded.admins.owner, locale: 'en' });
 *
 * Every test gets new browser contexts, and fails (after it ends) on any console error, page
 * error, failed same-origin request or CSP violation in them; `allowFailures` names the 4xx/5xx
 * answers a test expects.
 */

export const CHROMIUM_PATH = '/usr/bin/chromium';
/** localStorage key in which the dashboard keeps the language chosen. */
export const LANGUAGE_KEY = 'kartu.lang';
export type Locale = 'id' | 'en';

export interface SeededAdmin {
  id: string;
  email: string;
  password: string;
  role: AdminRole;
}

export interface SeededBusiness extends Biz {
  admins: Record<AdminRole, SeededAdmin>;
}

/** An answer a test expects to fail: same-origin URL (path + query) matching `url`, with `status`. */
export interface AllowedFailure {
  url: RegExp;
  status: number;
}

export interface OpenOptions {
  /** Logged in as this admin (through the API; the cookie is put into the context). */
  as?: SeededAdmin;
  /** Language the dashboard starts in (kept in localStorage `kartu.lang`); unset, the app picks. */
  locale?: Locale;
  allowFailures?: AllowedFailure[];
}

export interface BrowserSuite {
  readonly h: Harness;
  readonly browser: Browser;
  /** `http://127.0.0.1:<port>`: Kartu's origin. */
  readonly origin: string;
  /** A business with a cardholder, `funding` (IDR minor units) in its account and one admin of each role. */
  seedBusiness(funding?: bigint): Promise<SeededBusiness>;
  /** One more admin of the business. */
  createAdmin(businessId: string, role: AdminRole): Promise<SeededAdmin>;
  /** Logs in through the API; the `kartu_session` cookie's value. */
  login(admin: Pick<SeededAdmin, 'email' | 'password'>): Promise<string>;
  /** A new watched context (logged in as `o.as`, in `o.locale`); closed and checked when the test ends. */
  newContext(o?: OpenOptions): Promise<BrowserContext>;
  /** A page of a new context, at `path` (on Kartu's origin). */
  open(path: string, o?: OpenOptions): Promise<Page>;
  /** The problems seen in `context` so far, which then no longer fail the test (for a test that provokes them). */
  takeProblems(context: BrowserContext): Promise<string[]>;
}

interface Watched {
  context: BrowserContext;
  problems: string[];
}

// Playwright calls this binding from the page for every CSP violation the document reports.
const CSP_BINDING = '__kartuCspViolation';
const CSP_LISTENER = `document.addEventListener('securitypolicyviolation', (e) => {
  window.${CSP_BINDING}({ directive: e.effectiveDirective, blockedURI: e.blockedURI, sourceFile: e.sourceFile, line: e.lineNumber, sample: e.sample });
});`;

/**
 * Registers the hooks (of the file, or of the describe it is called in): chromium and a Kartu up
 * before the tests, watched contexts checked after each. `env` configures the Kartu, `app` is
 * passed to createApp (e.g. quicker `streamTimings`).
 */
export function browserSuite(env: Record<string, string> = {}, o: { app?: AppOptions } = {}): BrowserSuite {
  // A page, a few steps and an axe scan or two take seconds, many more on a busy machine.
  vi.setConfig({ testTimeout: 60_000 });
  let h: Harness | undefined;
  let browser: Browser | undefined;
  let server: Server | undefined;
  let origin = '';
  let watched: Watched[] = [];
  let ipCounter = 0;

  beforeAll(async () => {
    [browser, h] = await Promise.all([chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'], headless: true }), startHarness(env, { app: o.app })]);
    server = createServer(h.app);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    const done = watched;
    watched = [];
    // What closing the contexts causes (aborted requests) is not the test's doing: read before.
    const problems = (await Promise.all(done.map(takeProblems))).flat();
    await Promise.all(done.map((w) => w.context.close()));
    expect(problems, `browser problems:\n  ${problems.join('\n  ')}`).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    }
    await h?.close();
  });

  const started = () => {
    if (!h || !browser) throw new Error('browserSuite() is used before its beforeAll ran');
    return { h, browser };
  };

  const suite: BrowserSuite = {
    get h() {
      return started().h;
    },
    get browser() {
      return started().browser;
    },
    get origin() {
      return origin;
    },

    async createAdmin(businessId, role) {
      const created = await createAdmin(started().h.kartu, { businessId, email: `${role}.${randomBytes(4).toString('hex')}@example.com`, role });
      return { id: created.adminId, email: created.email, password: created.password, role };
    },

    async seedBusiness(funding = 100_000_000n) {
      const biz = await business(started().h, funding);
      const [owner, finance_admin, viewer] = await Promise.all([
        suite.createAdmin(biz.businessId, 'owner'),
        suite.createAdmin(biz.businessId, 'finance_admin'),
        suite.createAdmin(biz.businessId, 'viewer'),
      ]);
      return { ...biz, admins: { owner, finance_admin, viewer } };
    },

    async login(admin) {
      // POST /login is limited per client IP (trusted from loopback): each login comes from its own address.
      const ip = `198.51.100.${(ipCounter++ % 250) + 1}`;
      const res = await started().h.http().post('/admin/v1/login').set('X-Forwarded-For', ip).send({ email: admin.email, password: admin.password });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('kartu_session='));
      if (!cookie) throw new Error('login answered no session cookie');
      return cookie.split(';')[0]!.slice('kartu_session='.length);
    },

    async newContext(o = {}) {
      const context = await started().browser.newContext();
      const w: Watched = { context, problems: [] };
      watched.push(w);
      await watch(w, origin, o.allowFailures ?? []);
      if (o.locale) {
        // Only when none is kept yet: a language the test switches to survives its next navigation.
        // Only on Kartu's pages (not the about:blank a page starts on, which has no storage).
        await context.addInitScript(
          ([key, locale, kartu]) => {
            const w = globalThis as unknown as { location: { origin: string }; localStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void } };
            if (w.location.origin === kartu && w.localStorage.getItem(key) === null) w.localStorage.setItem(key, locale);
          },
          [LANGUAGE_KEY, o.locale, origin] as const,
        );
      }
      if (o.as) {
        const value = await suite.login(o.as);
        await context.addCookies([{ name: 'kartu_session', value, url: origin, httpOnly: true, sameSite: 'Strict' }]);
      }
      return context;
    },

    async takeProblems(context) {
      const w = watched.find((x) => x.context === context);
      if (!w) throw new Error('not a context of this test (made by newContext or open)');
      return takeProblems(w);
    },

    async open(path, o = {}) {
      const context = await suite.newContext(o);
      const page = await context.newPage();
      const res = await page.goto(origin + path);
      if (!res) throw new Error(`no response for ${path}`);
      return page;
    },
  };
  return suite;
}

/** What `w` has collected, emptied; a round trip to each page first, so CSP reports on their way are in. */
async function takeProblems(w: Watched): Promise<string[]> {
  await Promise.all(w.context.pages().map((page) => page.evaluate('0').catch(() => undefined)));
  return w.problems.splice(0);
}

/** Collects into `w.problems` what must fail the test; answers in `allowed` and their console lines are expected. */
async function watch(w: Watched, origin: string, allowed: AllowedFailure[]): Promise<void> {
  // The browser asks for /favicon.ico by itself when a page names no icon: not the page's request.
  const sameOrigin = (url: string) => url.startsWith(`${origin}/`) && url !== `${origin}/favicon.ico`;
  const pathOf = (url: string) => url.slice(origin.length);
  const isAllowed = (url: string, status: number) => sameOrigin(url) && allowed.some((a) => a.status === status && a.url.test(pathOf(url)));

  await w.context.exposeBinding(CSP_BINDING, ({ page }, v: { directive: string; blockedURI: string; sourceFile: string; line: number; sample: string }) => {
    w.problems.push(`CSP violation on ${pathOf(page.url())}: ${v.directive} blocked ${v.blockedURI || 'inline'}${v.sample ? ` (${v.sample})` : ''} at ${v.sourceFile}:${v.line}`);
  });
  await w.context.addInitScript({ content: CSP_LISTENER });

  w.context.on('page', (page) => {
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const at = msg.location().url;
      // Chromium logs every 4xx/5xx answer as "Failed to load resource: the server responded with a
      // status of 401 (Unauthorized)"; the answer itself is judged by the response listener.
      const failedLoad = /^Failed to load resource: the server responded with a status of (\d{3})/.exec(msg.text());
      if (failedLoad && (!sameOrigin(at) || isAllowed(at, Number(failedLoad[1])))) return;
      w.problems.push(`console error on ${pathOf(page.url())}: ${msg.text()}${at ? ` (${pathOf(at)})` : ''}`);
    });
    page.on('pageerror', (err) => w.problems.push(`page error on ${pathOf(page.url())}: ${err.stack ?? err.message}`));
  });
  w.context.on('response', (res) => {
    const url = res.url();
    if (!sameOrigin(url) || res.status() < 400) return;
    if (!isAllowed(url, res.status())) w.problems.push(`${res.request().method()} ${pathOf(url)} answered ${res.status()}`);
  });
  w.context.on('requestfailed', (req) => {
    const failure = req.failure()?.errorText ?? 'failed';
    // Aborts are the page's own doing (navigation, an EventSource or fetch it closed), not an error.
    if (sameOrigin(req.url()) && failure !== 'net::ERR_ABORTED') w.problems.push(`${req.method()} ${pathOf(req.url())} failed: ${failure}`);
  });
}

export interface AxeOptions {
  /** CSS selectors left out of the scan. */
  exclude?: string[];
}

/** Runs axe on the page as it is now; fails listing every serious or critical violation. */
export async function expectAccessible(page: Page, o: AxeOptions = {}): Promise<void> {
  let builder = new AxeBuilder({ page });
  for (const selector of o.exclude ?? []) builder = builder.exclude(selector);
  const results = await builder.analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const lines = serious.flatMap((v) => [
    `${v.id} (${v.impact}): ${v.help} — ${v.helpUrl}`,
    ...v.nodes.slice(0, 5).map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.replaceAll('\n', ' ') ?? ''}`),
  ]);
  if (serious.length > 0) throw new Error(`axe found ${serious.length} serious or critical violation(s) on ${page.url()}:\n${lines.join('\n')}`);
}
