import { describe, expect, it } from 'vitest';
import { browserSuite } from '../support/browser';
import { exact, heading, issueCard, purchase, tr } from '../support/dashboard';

/**
 * Cardholders in a real browser: create (the API's message next to the field it names, what was
 * typed kept), find by a part of the name or email, edit, block with confirmation and unblock,
 * and the cardholder's cards and spend.
 */

const b = browserSuite();

describe('cardholders', () => {
  it('creates, finds, edits, blocks and unblocks a cardholder, keeping what was typed when the API refuses it', async () => {
    const biz = await b.seedBusiness();
    const page = await b.open('/dashboard/cardholders', {
      as: biz.admins.finance_admin,
      locale: 'en',
      allowFailures: [{ url: /^\/admin\/v1\/cardholders$/, status: 400 }],
    });
    await heading(page, tr('en', 'cardholders.title'));
    await page.getByRole('link', { name: 'Siti Rahayu' }).waitFor();

    await page.getByRole('button', { name: tr('en', 'cardholders.new') }).click();
    const dialog = page.getByRole('dialog', { name: tr('en', 'cardholders.createTitle') });
    await dialog.getByLabel(tr('en', 'cardholders.name'), exact).fill('Budi Santoso');
    await dialog.getByLabel(tr('en', 'cardholders.email'), exact).fill('budi@example.com');
    const phone = dialog.getByLabel(`${tr('en', 'cardholders.phoneNo')} (${tr('en', 'common.optional')})`, exact);
    await phone.fill('0812345');
    await dialog.getByRole('button', { name: tr('en', 'common.create') }).click();
    await dialog.getByText(/Invalid Field Format phoneNo/).waitFor();
    expect(await phone.getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.getByLabel(tr('en', 'cardholders.name'), exact).inputValue()).toBe('Budi Santoso');
    expect(await dialog.getByLabel(tr('en', 'cardholders.email'), exact).inputValue()).toBe('budi@example.com');
    await phone.fill('6281234567890');
    await dialog.getByRole('button', { name: tr('en', 'common.create') }).click();
    await heading(page, 'Budi Santoso');
    await page.getByText('6281234567890').waitFor();

    // Edit.
    await page.getByRole('button', { name: tr('en', 'common.edit') }).click();
    const edit = page.getByRole('dialog', { name: tr('en', 'cardholders.editTitle') });
    await edit.getByLabel(tr('en', 'cardholders.name'), exact).fill('Budi S. Santoso');
    await edit.getByLabel(`${tr('en', 'cardholders.employeeId')} (${tr('en', 'common.optional')})`, exact).fill('EMP-7');
    await edit.getByRole('button', { name: tr('en', 'common.save') }).click();
    await heading(page, 'Budi S. Santoso');
    await page.getByText('EMP-7').waitFor();

    // Block (confirmed in a dialog), then unblock.
    await page.getByRole('button', { name: tr('en', 'cardholders.block') }).click();
    const confirm = page.getByRole('dialog', { name: tr('en', 'cardholders.block') });
    await confirm.getByText(tr('en', 'cardholders.blockConfirm', { name: 'Budi S. Santoso' })).waitFor();
    await confirm.getByRole('button', { name: tr('en', 'cardholders.block') }).click();
    await page.getByRole('button', { name: tr('en', 'cardholders.unblock') }).waitFor();
    await page.getByText(tr('en', 'cardholders.statuses.BLOCKED'), exact).waitFor();
    await page.getByRole('button', { name: tr('en', 'cardholders.unblock') }).click();
    await page.getByRole('button', { name: tr('en', 'cardholders.block') }).waitFor();

    // The list finds them by a part of the name or the email (any case), and by status.
    await page.getByRole('link', { name: `← ${tr('en', 'cardholders.title')}` }).click();
    const rows = page.getByRole('table', { name: tr('en', 'cardholders.title') }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const search = page.getByLabel(tr('en', 'cardholders.search'), exact);
    await search.fill('s. sant');
    await page.getByRole('button', { name: tr('en', 'common.search') }).click();
    await page.waitForURL(/\?q=s\.\+sant$/);
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().innerText()).toContain('Budi S. Santoso');
    await search.fill('RAHAYU');
    await page.getByRole('button', { name: tr('en', 'common.search') }).click();
    await page.waitForURL(/\?q=RAHAYU$/);
    await expect.poll(() => rows.first().innerText()).toContain('Siti Rahayu');
    expect(await rows.count()).toBe(1);
    await search.fill('BUDI@EXAMPLE');
    await page.getByRole('button', { name: tr('en', 'common.search') }).click();
    await expect.poll(() => rows.first().innerText()).toContain('Budi S. Santoso');
    expect(await rows.count()).toBe(1);
    await page.getByLabel(tr('en', 'cardholders.statusFilter'), exact).selectOption('BLOCKED');
    await page.getByText(tr('en', 'cardholders.noMatch')).waitFor();
    // A wildcard is just a character: nobody's name or email has a %.
    await page.getByLabel(tr('en', 'cardholders.statusFilter'), exact).selectOption('');
    await expect.poll(() => rows.count()).toBe(1);
    await search.fill('%');
    await page.getByRole('button', { name: tr('en', 'common.search') }).click();
    await page.getByText(tr('en', 'cardholders.noMatch')).waitFor();
  });

  it("shows a cardholder's cards and spend (Indonesian)", async () => {
    const biz = await b.seedBusiness();
    const card = await issueCard(b, biz);
    await purchase(b, biz, card.id, '75000.00', { name: 'Kopi Kenangan', mcc: '5814' });
    const page = await b.open(`/dashboard/cardholders/${biz.holderId}`, { as: biz.admins.viewer, locale: 'id' });
    await heading(page, 'Siti Rahayu');
    const cards = page.getByRole('region', { name: tr('id', 'cardholders.cards') });
    await cards.getByRole('link', { name: `•••• ${card.last4}` }).waitFor();
    const spend = page.getByRole('region', { name: tr('id', 'cardholders.spend') });
    await spend.getByText('Kopi Kenangan').waitFor();
    await spend.getByText('Rp 75.000').waitFor();
  });
});
