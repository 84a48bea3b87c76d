import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { totpCode } from '../../src/modules/access/totp';
import { browserSuite, expectAccessible, type SeededAdmin } from '../support/browser';
import { adminCall, exact, heading, tr } from '../support/dashboard';

/**
 * The Team page in a real browser: an owner invites a finance admin and copies the one-time link;
 * the link, opened in a browser with no session, sets a password and signs the new admin in; the
 * owner makes them a viewer, disables them (their next page load goes to sign-in), is refused
 * demoting themselves as the last owner, and resets an enrolled admin's 2FA. Both languages, axe
 * scans of the team page and the invitation page.
 */

const b = browserSuite();
const PASSWORD = 'correct horse battery staple';

/** The row of the admins table that holds `email`. */
const adminRow = (page: Page, email: string): Locator => page.getByRole('table', { name: tr('en', 'team.admins') }).getByRole('row').filter({ hasText: email });

/** The business's name, as the invitation page shows it. */
async function businessName(owner: SeededAdmin): Promise<string> {
  return (await adminCall(b, owner, 'get', '/me')).body.business.name;
}

/** Turns 2FA on for `admin` through the API (enrol, then confirm with the current code). */
async function enrol(admin: SeededAdmin): Promise<void> {
  const cookie = `kartu_session=${await b.login(admin)}`;
  const enrolment = await b.h.http().post('/admin/v1/two-factor/enrolment').set('Cookie', cookie);
  expect(enrolment.status, JSON.stringify(enrolment.body)).toBe(200);
  const confirm = await b.h.http().post('/admin/v1/two-factor/enrolment/confirm').set('Cookie', cookie).send({ code: totpCode(enrolment.body.enrolment.secret, b.h.clock.now()) });
  expect(confirm.status, JSON.stringify(confirm.body)).toBe(200);
}

describe('team', () => {
  it('invites a finance admin who signs in from the link; the owner changes their role, disables them, is refused as the last owner and resets 2FA (en)', async () => {
    const biz = await b.seedBusiness();
    const { owner, finance_admin: enrolled } = biz.admins;
    await enrol(enrolled);
    const name = await businessName(owner);
    const page = await b.open('/dashboard/team', { as: owner, locale: 'en', allowFailures: [{ url: /^\/admin\/v1\/team\/admins\/[^/]+$/, status: 409 }] });
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: b.origin });
    await heading(page, tr('en', 'team.title'));
    await adminRow(page, owner.email).waitFor();
    await expectAccessible(page);

    // Invite: the link is shown once, and copied.
    const invited = `new.finance.${Date.now()}@example.com`;
    await page.getByRole('button', { name: tr('en', 'team.invite') }).click();
    const inviteDialog = page.getByRole('dialog', { name: tr('en', 'team.inviteTitle') });
    await inviteDialog.getByLabel(tr('en', 'team.email'), exact).fill(invited);
    await inviteDialog.getByLabel(tr('en', 'team.role'), exact).selectOption('finance_admin');
    await inviteDialog.getByRole('button', { name: tr('en', 'team.inviteSubmit') }).click();
    const linkDialog = page.getByRole('dialog', { name: tr('en', 'team.linkTitle', { email: invited }) });
    const link = await linkDialog.getByLabel(tr('en', 'team.link'), exact).inputValue();
    expect(link).toMatch(new RegExp(`^${b.origin}/dashboard/invitations/[A-Za-z0-9_-]{43}$`));
    await linkDialog.getByRole('button', { name: tr('en', 'team.copy') }).click();
    await linkDialog.getByText(tr('en', 'team.copied')).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(link);
    await linkDialog.getByRole('button', { name: tr('en', 'team.done') }).click();
    await page.getByRole('table', { name: tr('en', 'team.invitations') }).getByRole('row').filter({ hasText: invited }).getByText(tr('en', 'team.statuses.invited'), exact).waitFor();

    // The invited admin, in a browser of their own: the link, a password, signed in.
    const newcomer = await (await b.newContext({
      locale: 'en',
      allowFailures: [
        { url: /^\/admin\/v1\//, status: 401 },
        { url: /^\/admin\/v1\/login$/, status: 403 },
      ],
    })).newPage();
    await newcomer.goto(link);
    await heading(newcomer, tr('en', 'team.accept.title', { business: name }));
    expect(await newcomer.getByLabel(tr('en', 'team.accept.email'), exact).inputValue()).toBe(invited);
    await expectAccessible(newcomer);
    await newcomer.getByLabel(tr('en', 'team.accept.password'), exact).fill(PASSWORD);
    await newcomer.getByLabel(tr('en', 'team.accept.confirm'), exact).fill('not the same password');
    await newcomer.getByRole('button', { name: tr('en', 'team.accept.submit') }).click();
    await newcomer.getByText(tr('en', 'team.accept.mismatch')).waitFor();
    expect(await newcomer.getByLabel(tr('en', 'team.accept.password'), exact).inputValue()).toBe(PASSWORD);
    await newcomer.getByLabel(tr('en', 'team.accept.confirm'), exact).fill(PASSWORD);
    await newcomer.getByRole('button', { name: tr('en', 'team.accept.submit') }).click();
    await heading(newcomer, tr('en', 'overview.title'));
    await newcomer.getByText(tr('en', 'app.signedInAs', { email: invited, role: tr('en', 'roles.finance_admin') })).waitFor();

    // The owner makes them a viewer, then disables them: their next page load goes to sign-in.
    await page.reload();
    const row = adminRow(page, invited);
    await row.getByText(tr('en', 'team.statuses.active')).waitFor();
    await row.getByRole('button', { name: tr('en', 'team.manageLabel', { email: invited }) }).click();
    const manage = page.getByRole('dialog', { name: tr('en', 'team.manageTitle', { email: invited }) });
    await manage.getByLabel(tr('en', 'team.role'), exact).selectOption('viewer');
    await manage.getByRole('button', { name: tr('en', 'team.changeRole') }).click();
    await manage.getByText(tr('en', 'team.roleSaved', { role: tr('en', 'roles.viewer') })).waitFor();
    await manage.getByRole('button', { name: tr('en', 'team.disable') }).click();
    await manage.getByText(tr('en', 'team.disabledNotice')).waitFor();
    await manage.getByRole('button', { name: tr('en', 'common.close') }).click();
    await row.getByText(tr('en', 'team.statuses.disabled')).waitFor();
    expect(await row.getByRole('cell').nth(1).innerText()).toBe(tr('en', 'roles.viewer'));
    await newcomer.reload();
    await heading(newcomer, tr('en', 'signIn.title'));
    await newcomer.getByLabel(tr('en', 'signIn.email'), exact).fill(invited);
    await newcomer.getByLabel(tr('en', 'signIn.password'), exact).fill(PASSWORD);
    await newcomer.getByRole('button', { name: tr('en', 'signIn.submit') }).click();
    await newcomer.getByRole('alert').getByText(tr('en', 'signIn.disabled')).waitFor();

    // The last owner cannot demote themselves: refused in words, nothing changed.
    await adminRow(page, owner.email).getByRole('button', { name: tr('en', 'team.manageLabel', { email: owner.email }) }).click();
    const self = page.getByRole('dialog', { name: tr('en', 'team.manageTitle', { email: owner.email }) });
    await self.getByLabel(tr('en', 'team.role'), exact).selectOption('finance_admin');
    await self.getByRole('button', { name: tr('en', 'team.changeRole') }).click();
    await self.getByRole('alert').getByText(tr('en', 'team.lastOwner')).waitFor();
    expect(await self.getByLabel(tr('en', 'team.role'), exact).inputValue()).toBe('finance_admin');
    await self.getByRole('button', { name: tr('en', 'common.close') }).click();

    // Reset the 2FA of an enrolled admin.
    const enrolledRow = adminRow(page, enrolled.email);
    expect(await enrolledRow.getByRole('cell').nth(3).innerText()).toBe(tr('en', 'team.on'));
    await enrolledRow.getByRole('button', { name: tr('en', 'team.manageLabel', { email: enrolled.email }) }).click();
    const reset = page.getByRole('dialog', { name: tr('en', 'team.manageTitle', { email: enrolled.email }) });
    await reset.getByRole('button', { name: tr('en', 'team.resetTwoFactor') }).click();
    await reset.getByText(tr('en', 'team.resetDone')).waitFor();
    await reset.getByText(tr('en', 'team.noTwoFactor')).waitFor();
    await reset.getByRole('button', { name: tr('en', 'common.close') }).click();
    await expect.poll(() => enrolledRow.getByRole('cell').nth(3).innerText()).toBe(tr('en', 'team.off'));
    const team = await adminCall(b, owner, 'get', '/team/admins');
    expect(team.body.admins.find((a: { email: string }) => a.email === owner.email)).toMatchObject({ role: 'owner', status: 'active' });
  });

  it('in Indonesian: the team page read-only for a viewer, the invitation page, and a link that is no longer valid (id)', async () => {
    const biz = await b.seedBusiness();
    const issued = await adminCall(b, biz.admins.owner, 'post', '/team/invitations', { email: `viewer.${Date.now()}@example.com`, role: 'viewer' });
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    const name = await businessName(biz.admins.owner);

    const page = await b.open('/dashboard/team', { as: biz.admins.viewer, locale: 'id' });
    await heading(page, tr('id', 'team.title'));
    await page.getByText(tr('id', 'team.readOnly')).waitFor();
    await page.getByRole('table', { name: tr('id', 'team.invitations') }).getByText(tr('id', 'team.statuses.invited'), exact).waitFor();
    expect(await page.getByRole('button', { name: tr('id', 'team.invite') }).count()).toBe(0);
    expect(await page.getByRole('button', { name: tr('id', 'team.manage') }).count()).toBe(0);
    await expectAccessible(page);

    const invitation = await b.open(issued.body.acceptPath, { locale: 'id', allowFailures: [{ url: /^\/admin\/v1\/invitations\/preview$/, status: 404 }] });
    await heading(invitation, tr('id', 'team.accept.title', { business: name }));
    await invitation.getByText(tr('id', 'team.accept.intro', { business: name, role: tr('id', 'roles.viewer') })).waitFor();
    await expectAccessible(invitation);

    const revoked = await adminCall(b, biz.admins.owner, 'post', `/team/invitations/${issued.body.invitation.id}/revoke`);
    expect(revoked.status).toBe(200);
    await invitation.reload();
    await heading(invitation, tr('id', 'team.accept.notValidTitle'));
    await invitation.getByText(tr('id', 'team.accept.notValid')).waitFor();
  });
});
