import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { BrowserSuite, Locale, SeededAdmin, SeededBusiness } from './browser';
import { LOCALES, type Tree } from './locales';

/**
 * Helpers of the dashboard's browser tests: the words of the locale files (so a wording change
 * does not break a test), admin API calls as a seeded admin, and seeding cards and purchases.
 */

/** The text of a locale key with its {{placeholders}} filled in. */
export function tr(lang: Locale, key: string, values: Record<string, string | number> = {}): string {
  let node: string | Tree | undefined = LOCALES[lang];
  for (const part of key.split('.')) node = typeof node === 'object' ? node[part] : undefined;
  if (typeof node !== 'string') throw new Error(`no ${lang} text for ${key}`);
  return node.replace(/{{\s*(\w+)\s*}}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`${key} needs {{${name}}}`);
    return String(values[name]);
  });
}

export const exact = { exact: true } as const;

/** An admin API call (supertest) as `admin`, logged in through the API. */
export async function adminCall(b: BrowserSuite, admin: SeededAdmin, method: 'get' | 'post' | 'patch', path: string, body?: unknown) {
  const cookie = `kartu_session=${await b.login(admin)}`;
  const req = b.h.http()[method](`/admin/v1${path}`).set('Cookie', cookie);
  return body === undefined ? req : req.send(body as object);
}

/** A virtual card of the business's cardholder with these spend controls. */
export async function issueCard(b: BrowserSuite, biz: SeededBusiness, spendControls: unknown = {}): Promise<{ id: string; last4: string }> {
  const res = await adminCall(b, biz.admins.finance_admin, 'post', '/cards', { partnerReferenceNo: randomUUID(), cardholderId: biz.holderId, type: 'VIRTUAL', spendControls });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.card;
}

export interface Purchase {
  /** The authorization's id (GET /authorizations/{id}). */
  authorizationId: string;
  decision: string;
}

/** A sandbox test purchase through the full authorization pipeline. */
export async function purchase(b: BrowserSuite, biz: SeededBusiness, cardId: string, value: string, merchant: { name: string; mcc: string; id?: string }): Promise<Purchase> {
  const res = await adminCall(b, biz.admins.finance_admin, 'post', '/sandbox/authorizations', {
    cardId,
    amount: { value, currency: 'IDR' },
    merchant: { id: merchant.id ?? `m-${merchant.mcc}`, name: merchant.name, mcc: merchant.mcc, country: 'ID', city: 'Jakarta' },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { authorizationId: res.body.authorization.authorizationId, decision: res.body.authorization.decision };
}

/** Waits until the page shows a main heading with this text. */
export async function heading(page: Page, text: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: text, exact: true }).waitFor();
}
