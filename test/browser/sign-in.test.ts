import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { totpCode } from '../../src/modules/access/totp';
import { browserSuite, type SeededAdmin } from '../support/browser';
import { exact, heading, tr } from '../support/dashboard';

/**
 * Signing in to the dashboard in a real browser: email and password typed, a wrong password
 * refused in words, the page asked for reached after signing in; a session that ends sends the
 * admin to sign-in and back to the same page (filters included); two-factor enrolment through the
 * QR page, then signing in with a code and with a recovery code; the business policy.
 */

const b = browserSuite();
const signInFailures = [
  { url: /^\/admin\/v1\/me$/, status: 401 },
  { url: /^\/admin\/v1\/login$/, status: 401 },
];

async function signIn(page: Page, admin: Pick<SeededAdmin, 'email' | 'password'>, lang: 'en' | 'id' = 'en'): Promise<void> {
  await page.getByLabel(tr(lang, 'signIn.email'), exact).fill(admin.email);
  await page.getByLabel(tr(lang, 'signIn.password'), exact).fill(admin.password);
  await page.getByRole('button', { name: tr(lang, 'signIn.submit') }).click();
}

describe('sign in', () => {
  it('refuses a wrong password in words, keeps the email, and after the right one opens the page that was asked for', async () => {
    const biz = await b.seedBusiness();
    const page = await b.open('/dashboard/transactions?decision=declined', { locale: 'en', allowFailures: signInFailures });
    await page.waitForURL(/\/dashboard\/sign-in\?next=%2Ftransactions%3Fdecision%3Ddeclined$/);
    await heading(page, tr('en', 'signIn.title'));

    await signIn(page, { email: biz.admins.owner.email, password: 'not the password' });
    await expect.poll(() => page.getByRole('alert').innerText()).toBe(tr('en', 'signIn.failed'));
    expect(await page.getByLabel(tr('en', 'signIn.email'), exact).inputValue()).toBe(biz.admins.owner.email);
    expect(await page.getByLabel(tr('en', 'signIn.password'), exact).inputValue()).toBe('');

    await signIn(page, biz.admins.owner);
    await page.waitForURL(/\/dashboard\/transactions\?decision=declined$/);
    await heading(page, tr('en', 'transactions.title'));
    expect(await page.getByLabel(tr('en', 'transactions.decision'), exact).inputValue()).toBe('declined');
    // Who is signed in, and as what.
    await page.getByText(tr('en', 'app.signedInAs', { email: biz.admins.owner.email, role: tr('en', 'roles.owner') })).waitFor();
  });

  it('in Indonesian by default for an IDR business, and signs out', async () => {
    const biz = await b.seedBusiness();
    const page = await b.open('/dashboard/', { as: biz.admins.viewer });
    await heading(page, tr('id', 'overview.title'));
    expect(await page.evaluate('document.documentElement.lang')).toBe('id');
    await page.getByLabel(tr('id', 'app.language'), exact).selectOption('en');
    await heading(page, tr('en', 'overview.title'));
    expect(await page.evaluate("[document.documentElement.lang, localStorage.getItem('kartu.lang')]")).toEqual(['en', 'en']);
    await page.getByRole('button', { name: tr('en', 'app.signOut') }).click();
    await heading(page, tr('en', 'signIn.title'));
    const me = await page.request.get(`${b.origin}/admin/v1/me`);
    expect(me.status()).toBe(401);
  });

  it('sends an admin whose session ended to sign in and back to the page, its filters kept', async () => {
    const biz = await b.seedBusiness();
    const page = await b.open('/dashboard/transactions', {
      as: biz.admins.finance_admin,
      locale: 'en',
      allowFailures: [...signInFailures, { url: /^\/admin\/v1\/authorizations\?/, status: 401 }],
    });
    await heading(page, tr('en', 'transactions.title'));
    // 30 minutes without a request end a session.
    b.h.clock.advance(31 * 60_000);
    await page.getByLabel(tr('en', 'transactions.merchant'), exact).fill('Warung');
    await page.getByRole('button', { name: tr('en', 'common.apply') }).click();
    await page.waitForURL(/\/dashboard\/sign-in\?next=%2Ftransactions%3Fmerchant%3DWarung$/);
    await page.getByText(tr('en', 'signIn.expired')).waitFor();
    await signIn(page, biz.admins.finance_admin);
    await page.waitForURL(/\/dashboard\/transactions\?merchant=Warung$/);
    expect(await page.getByLabel(tr('en', 'transactions.merchant'), exact).inputValue()).toBe('Warung');
  });

  it('enrols two-factor authentication from Settings with the QR page, then signs in with a code and with a recovery code', async () => {
    const biz = await b.seedBusiness();
    const owner = biz.admins.owner;
    const page = await b.open('/dashboard/settings', {
      as: owner,
      locale: 'en',
      allowFailures: [...signInFailures, { url: /^\/admin\/v1\/two-factor\/enrolment\/confirm$/, status: 400 }, { url: /^\/admin\/v1\/login\/two-factor$/, status: 401 }],
    });
    await heading(page, tr('en', 'settings.title'));
    await page.getByRole('link', { name: tr('en', 'settings.enrol') }).click();
    await heading(page, tr('en', 'enrol.title'));
    // The QR code is drawn in the page (SVG), from the otpauth URL; the secret is there as text too.
    const qr = page.getByRole('img', { name: tr('en', 'enrol.qrLabel') });
    expect(await qr.evaluate((svg) => [svg.tagName, svg.querySelectorAll('rect').length > 100])).toEqual(['svg', true]);
    const secret = (await page.locator('code.secret').innerText()).replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);

    const code = page.getByLabel(tr('en', 'twoFactor.code'), exact);
    await code.fill('000000');
    await page.getByRole('button', { name: tr('en', 'enrol.confirm') }).click();
    await page.getByText('Invalid Field Format code').waitFor();
    await code.fill(totpCode(secret, b.h.clock.now()));
    await page.getByRole('button', { name: tr('en', 'enrol.confirm') }).click();
    await heading(page, tr('en', 'enrol.recoveryTitle'));
    const recoveryCodes = await page.getByRole('list', { name: tr('en', 'enrol.recoveryList') }).getByRole('listitem').allInnerTexts();
    expect(recoveryCodes).toHaveLength(10);
    const done = page.getByRole('button', { name: tr('en', 'enrol.done') });
    expect(await done.isDisabled()).toBe(true);
    await page.getByLabel(tr('en', 'enrol.savedConfirm')).check();
    await done.click();
    await heading(page, tr('en', 'settings.title'));
    await page.getByRole('button', { name: tr('en', 'settings.disableSubmit') }).waitFor();

    // Signing in again asks for a code: a wrong one is said so, the right one opens the page.
    await page.getByRole('button', { name: tr('en', 'app.signOut') }).click();
    await page.goto(`${b.origin}/dashboard/cardholders`);
    await signIn(page, owner);
    await heading(page, tr('en', 'twoFactor.title'));
    b.h.clock.advance(30_000);
    const login = page.getByLabel(tr('en', 'twoFactor.code'), exact);
    await login.fill('123456');
    await page.getByRole('button', { name: tr('en', 'twoFactor.submit') }).click();
    await page.getByText(tr('en', 'twoFactor.wrongCode')).waitFor();
    await login.fill(totpCode(secret, b.h.clock.now()));
    await page.getByRole('button', { name: tr('en', 'twoFactor.submit') }).click();
    await page.waitForURL(/\/dashboard\/cardholders$/);
    await heading(page, tr('en', 'cardholders.title'));

    // A recovery code instead of the app.
    await page.getByRole('button', { name: tr('en', 'app.signOut') }).click();
    await signIn(page, owner);
    await heading(page, tr('en', 'twoFactor.title'));
    await page.getByRole('button', { name: tr('en', 'twoFactor.useRecovery') }).click();
    await page.getByLabel(tr('en', 'twoFactor.recoveryCode'), exact).fill(recoveryCodes[3]!);
    await page.getByRole('button', { name: tr('en', 'twoFactor.submit') }).click();
    await heading(page, tr('en', 'overview.title'));

    // The owner, signed in with a second factor, requires it for everyone: a finance admin
    // without it must enrol at sign-in.
    await page.getByRole('link', { name: tr('en', 'nav.settings') }).click();
    await page.getByLabel(tr('en', 'settings.requireTwoFactor')).check();
    await page.getByRole('button', { name: tr('en', 'common.save') }).click();
    await page.getByText(tr('en', 'settings.policySaved')).waitFor();
    await page.getByText(tr('en', 'settings.requiredByBusiness')).waitFor();

    const other = await (await b.newContext({ locale: 'en', allowFailures: signInFailures })).newPage();
    await other.goto(`${b.origin}/dashboard/sign-in`);
    await signIn(other, biz.admins.finance_admin);
    await heading(other, tr('en', 'enrol.title'));
    await other.getByText(tr('en', 'enrol.required')).waitFor();
  });
});
