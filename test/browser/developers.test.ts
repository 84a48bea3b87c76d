import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEventPipeline, type EventPipeline } from '../../src/modules/events/pipeline';
import { browserSuite, expectAccessible } from '../support/browser';
import { adminCall, exact, heading, tr } from '../support/dashboard';
import { expectSnap } from '../support/partner-fixtures';
import { WebhookReceiver } from '../support/webhook-receiver';
import { waitFor } from '../support/wait-for';

/**
 * The developers page in a real browser (owners): the SNAP credentials, a secret rotation whose new
 * secret is shown once (and signs partner calls), the RSA key refused then replaced, the IP
 * allowlist refused then saved, a webhook endpoint created (its secret shown once) and a real
 * delivery to a receiver on 127.0.0.1 (the worker's event pipeline runs in this process), redelivered,
 * the notification key downloaded; a finance admin sees no such page.
 */

const b = browserSuite({ KARTU_RELAY_INTERVAL_MS: '20' });
let pipeline: EventPipeline;
let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await WebhookReceiver.start();
  pipeline = startEventPipeline(b.h.kartu);
});
afterAll(async () => {
  await pipeline?.close();
  await receiver?.close();
});

describe('developers page', () => {
  it('an owner sees the credentials, rotates the secret, replaces the key, sets the allowlist, runs a webhook endpoint and downloads the notification key', async () => {
    const biz = await b.seedBusiness(0n);
    const creds = biz.partner.creds;
    const page = await b.open('/dashboard/developers', {
      as: biz.admins.owner,
      locale: 'en',
      allowFailures: [
        { url: /^\/admin\/v1\/developers\/public-key$/, status: 400 },
        { url: /^\/admin\/v1\/developers\/access$/, status: 400 },
      ],
    });
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: b.origin });
    await heading(page, tr('en', 'developers.title'));
    const credentials = page.getByRole('region', { name: tr('en', 'developers.credentials.title') });
    await credentials.getByText(creds.clientKey, exact).waitFor();
    await credentials.getByText(creds.partnerId, exact).waitFor();
    await credentials.getByText(creds.channelId, exact).waitFor();
    await credentials.getByText(tr('en', 'developers.credentials.allServices'), exact).waitFor();
    expect(await page.content()).not.toContain(creds.clientSecret);
    // Sandbox without KARTU_OPERATOR_BUSINESS_IDS: every owner operates the board.
    expect(await page.getByRole('link', { name: tr('en', 'developers.queueBoard.open') }).getAttribute('href')).toBe('/admin/queues');
    await expectAccessible(page);

    // Rotate: confirm, the new secret once (copied), gone when the dialog closes and after a reload.
    await credentials.getByRole('button', { name: tr('en', 'developers.rotate.button') }).click();
    const rotate = page.getByRole('dialog', { name: tr('en', 'developers.rotate.title') });
    await rotate.getByText(tr('en', 'developers.rotate.explain', { overlap: tr('en', 'developers.rotate.hours', { n: 24 }) })).waitFor();
    await rotate.getByRole('button', { name: tr('en', 'developers.rotate.confirm') }).click();
    await rotate.getByText(tr('en', 'developers.shownOnce.warning')).waitFor();
    const secret = (await rotate.locator('code.secret').innerText()).trim();
    expect(secret.length).toBeGreaterThan(30);
    await rotate.getByRole('button', { name: tr('en', 'developers.shownOnce.copy') }).click();
    await rotate.getByText(tr('en', 'developers.shownOnce.copied')).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
    await rotate.getByRole('button', { name: tr('en', 'developers.rotate.done') }).click();
    await credentials.getByText(tr('en', 'developers.credentials.previousSecretValidUntil')).waitFor();
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await credentials.getByText(creds.clientKey, exact).waitFor();
    expect(await page.content()).not.toContain(secret);
    // The new secret signs partner calls (the old one too, during the overlap: the integration test).
    expectSnap(await biz.partner.call('POST', '/snap/v1.0/balance-inquiry', '{}', { secret }), '2001100');

    // RSA key: refused on the field, what was typed kept; then a valid one from a file.
    const keyPanel = page.getByRole('region', { name: tr('en', 'developers.publicKey.title') });
    const pem = keyPanel.getByLabel(tr('en', 'developers.publicKey.pem'), exact);
    await pem.fill('-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----');
    await keyPanel.getByRole('button', { name: tr('en', 'developers.publicKey.submit') }).click();
    await keyPanel.getByText(/not a valid PEM RSA public key/).waitFor();
    expect(await pem.getAttribute('aria-invalid')).toBe('true');
    expect(await pem.inputValue()).toContain('not a key');
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const fingerprint = createHash('sha256').update(pair.publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
    await keyPanel.getByLabel(tr('en', 'developers.publicKey.file'), exact).setInputFiles({ name: 'partner.pem', mimeType: 'application/x-pem-file', buffer: Buffer.from(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()) });
    await expect.poll(() => pem.inputValue()).toContain('BEGIN PUBLIC KEY');
    await keyPanel.getByRole('button', { name: tr('en', 'developers.publicKey.submit') }).click();
    await keyPanel.getByText(tr('en', 'developers.publicKey.saved')).waitFor();
    await keyPanel.getByText(fingerprint, exact).waitFor();

    // IP allowlist: a bad CIDR named on the field, then a good list (loopback: this test's calls still pass).
    const access = page.getByRole('region', { name: tr('en', 'developers.access.title') });
    const allowlist = access.getByLabel(tr('en', 'developers.access.allowlist'), exact);
    await allowlist.fill('127.0.0.1\n10.0.0.0/33');
    await access.getByRole('button', { name: tr('en', 'common.save') }).click();
    await access.getByText(/10\.0\.0\.0\/33 is not an IPv4 or IPv6 address/).waitFor();
    expect(await allowlist.getAttribute('aria-invalid')).toBe('true');
    await allowlist.fill('127.0.0.1\n::1');
    await access.getByLabel(tr('en', 'developers.access.rateLimit'), exact).fill('500');
    await access.getByRole('button', { name: tr('en', 'common.save') }).click();
    await access.getByText(tr('en', 'developers.access.saved')).waitFor();
    expect(await allowlist.inputValue()).toBe('127.0.0.1/32\n::1/128');

    // A webhook endpoint: its signing secret once.
    const webhooks = page.getByRole('region', { name: tr('en', 'developers.webhooks.title') });
    await webhooks.getByRole('button', { name: tr('en', 'developers.webhooks.new') }).click();
    const create = page.getByRole('dialog', { name: tr('en', 'developers.webhooks.createTitle') });
    const url = receiver.url(`/hooks/${creds.businessId}`);
    await create.getByLabel(tr('en', 'developers.webhooks.url'), exact).fill(url);
    await create.getByRole('checkbox', { name: tr('en', 'developers.webhooks.allEvents') }).waitFor();
    await create.getByRole('button', { name: tr('en', 'common.create') }).click();
    await create.getByText(tr('en', 'developers.shownOnce.warning')).waitFor();
    const signingSecret = await create.locator('code.secret').innerText();
    expect(signingSecret).toMatch(/^whsec_/);
    await create.getByRole('button', { name: tr('en', 'developers.rotate.done') }).click();
    await webhooks.getByRole('link', { name: url }).waitFor();
    expect(await page.content()).not.toContain(signingSecret);

    // An event (a new cardholder) delivered by the pipeline; its attempt shown; redelivered.
    const holder = await adminCall(b, biz.admins.finance_admin, 'post', '/cardholders', { name: 'Budi Santoso', email: `budi.${creds.businessId.slice(0, 8)}@example.com` });
    expect(holder.status, JSON.stringify(holder.body)).toBe(200);
    const delivered = () => receiver.received.filter((r) => r.path === `/hooks/${creds.businessId}` && r.body.data.id === holder.body.cardholder.id);
    await waitFor('the cardholder.created delivery', () => delivered().length === 1);
    const eventId = delivered()[0]!.body.id;
    await webhooks.getByRole('link', { name: url }).click();
    await heading(page, tr('en', 'developers.deliveries.title', { url }));
    const item = page.getByRole('listitem').filter({ hasText: eventId });
    await item.getByText(tr('en', 'developers.deliveries.status.succeeded'), exact).waitFor();
    const attempts = item.getByRole('table', { name: tr('en', 'developers.deliveries.attemptsOf', { type: 'cardholder.created' }) }).locator('tbody tr');
    expect(await attempts.count()).toBe(1);
    expect(await attempts.first().innerText()).toContain('200');
    await expectAccessible(page);
    await item.getByRole('button', { name: tr('en', 'developers.deliveries.redeliver') }).click();
    await item.getByText(tr('en', 'developers.deliveries.redelivered')).waitFor();
    await waitFor('the redelivery', () => delivered().length === 2);
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: tr('en', 'developers.deliveries.refresh') }).click();
        return attempts.count();
      })
      .toBe(2);
    // Every failed delivery since a time: none failed here.
    const since = page.getByRole('region', { name: tr('en', 'developers.deliveries.redeliverFailed') });
    await since.getByLabel(tr('en', 'developers.deliveries.since'), exact).fill('2026-01-01T00:00');
    await since.getByRole('button', { name: tr('en', 'developers.deliveries.redeliverFailedSubmit') }).click();
    await since.getByText(tr('en', 'developers.deliveries.redeliveredCount', { n: 0 })).waitFor();

    // The notification key, downloaded as PEM: the partner API's key.
    await page.getByRole('link', { name: `← ${tr('en', 'developers.title')}` }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: tr('en', 'developers.notificationKey.download') }).click()]);
    expect(download.suggestedFilename()).toBe('kartu-notification-public-key.pem');
    const partnerKey = await b.h.http().get('/snap/v1.0/notification-public-key');
    expect(await readFile((await download.path())!, 'utf8')).toBe(partnerKey.body.publicKey);
  });

  it('a finance admin has no developers page (Indonesian); an owner reads it in Indonesian', async () => {
    const biz = await b.seedBusiness(0n);
    const page = await b.open('/dashboard/developers', { as: biz.admins.finance_admin, locale: 'id' });
    await heading(page, tr('id', 'developers.title'));
    await page.getByText(tr('id', 'developers.ownersOnly')).waitFor();
    expect(await page.getByRole('navigation', { name: tr('id', 'app.mainNav') }).getByRole('link', { name: tr('id', 'nav.developers') }).count()).toBe(0);
    expect(await page.content()).not.toContain(biz.partner.creds.clientKey);
    await expectAccessible(page);

    const owner = await b.open('/dashboard/developers', { as: biz.admins.owner, locale: 'id' });
    await owner.getByRole('navigation', { name: tr('id', 'app.mainNav') }).getByRole('link', { name: tr('id', 'nav.developers') }).waitFor();
    await owner.getByRole('region', { name: tr('id', 'developers.credentials.title') }).getByText(biz.partner.creds.clientKey, exact).waitFor();
    await owner.getByText(tr('id', 'developers.webhooks.none')).waitFor();
    await expectAccessible(owner);

    // An endpoint disabled and enabled, its event types changed, then deleted (confirmed).
    const url = 'https://example.com/kartu/hooks';
    const made = await adminCall(b, biz.admins.owner, 'post', '/webhook-endpoints', { url, eventTypes: ['*'] });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    await owner.reload();
    const webhooks = owner.getByRole('region', { name: tr('id', 'developers.webhooks.title') });
    const row = webhooks.getByRole('row').filter({ hasText: url });
    await row.getByRole('button', { name: `${tr('id', 'developers.webhooks.disable')} ${url}` }).click();
    await row.getByText(tr('id', 'developers.webhooks.disabled'), exact).waitFor();
    await row.getByRole('button', { name: `${tr('id', 'developers.webhooks.enable')} ${url}` }).click();
    await row.getByText(tr('id', 'developers.webhooks.enabled'), exact).waitFor();
    await row.getByRole('button', { name: `${tr('id', 'developers.webhooks.editEvents')} ${url}` }).click();
    const edit = owner.getByRole('dialog', { name: tr('id', 'developers.webhooks.editTitle', { url }) });
    await edit.getByRole('checkbox', { name: tr('id', 'developers.webhooks.allEvents') }).uncheck();
    await edit.getByRole('checkbox', { name: 'card.*', exact: true }).check();
    await edit.getByRole('checkbox', { name: 'authorization.created', exact: true }).check();
    await edit.getByRole('button', { name: tr('id', 'common.save') }).click();
    await row.getByText('card.*, authorization.created', exact).waitFor();
    await row.getByRole('button', { name: `${tr('id', 'developers.webhooks.delete')} ${url}` }).click();
    const confirm = owner.getByRole('dialog', { name: tr('id', 'developers.webhooks.deleteTitle') });
    await confirm.getByText(tr('id', 'developers.webhooks.deleteConfirm', { url })).waitFor();
    await confirm.getByRole('button', { name: tr('id', 'developers.webhooks.delete') }).click();
    await owner.getByText(tr('id', 'developers.webhooks.none')).waitFor();
  });
});
