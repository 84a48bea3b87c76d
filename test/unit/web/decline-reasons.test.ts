import i18next, { type TFunction } from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import en from '../../../web/locales/en.json';
import id from '../../../web/locales/id.json';
import type { Outcome } from '../../../web/src/api-types';
import { checkOfReason, explainDecision, type DecidedAuthorization, type Translate } from '../../../web/src/decline-reasons';
import type { Lang } from '../../../web/src/format';

// The real locale files through i18next, as the dashboard uses them.
const translators: Partial<Record<Lang, Translate>> = {};
beforeAll(async () => {
  for (const lang of ['id', 'en'] as const) {
    const instance = i18next.createInstance();
    await instance.init({ lng: lang, resources: { id: { translation: id }, en: { translation: en } }, interpolation: { escapeValue: false } });
    const t: TFunction = instance.t.bind(instance);
    translators[lang] = (key, values) => t(key, values ?? {}) as string;
  }
});
const explain = (a: DecidedAuthorization, lang: Lang, groups: string[] = []) => explainDecision(a, translators[lang]!, lang, groups);

const blockedGambling: Outcome = {
  stage: 'spend_control',
  check: 'blocked_category',
  responseCode: '57',
  reason: 'merchant category blocked',
  control: { name: 'blockedCategories', entry: 'gambling', entryType: 'group', mcc: '7995' },
};
const declined = (reason: string, responseCode: string, extra: Partial<DecidedAuthorization> = {}): DecidedAuthorization => ({
  decision: 'declined',
  reason,
  responseCode,
  merchant: { id: 'm-1', name: 'Lucky Casino', mcc: '7995', country: 'SG' },
  ...extra,
});

describe('explainDecision', () => {
  it('says which category blocked it, with the MCC and where the rule lives, in both languages', () => {
    const a = declined('merchant category blocked', '57', { outcome: blockedGambling });
    expect(explain(a, 'en').sentence).toBe('Blocked category: gambling (MCC 7995) — card control');
    expect(explain(a, 'id').sentence).toBe('Kategori diblokir: perjudian (MCC 7995) — kontrol kartu');
    const e = explain(a, 'en');
    expect([e.responseCode, e.reason, e.check]).toEqual(['57', 'merchant category blocked', 'blocked_category']);
  });

  it('names a blocked MCC entry and, without an outcome, the merchant\'s group or just the code', () => {
    const byCode = declined('merchant category blocked', '57', { outcome: { ...blockedGambling, control: { name: 'blockedCategories', entry: '7995', entryType: 'mcc', mcc: '7995' } } });
    expect(explain(byCode, 'en').sentence).toBe('Blocked category: MCC 7995 — card control');
    expect(explain(declined('merchant category blocked', '57'), 'en', ['gambling']).sentence).toBe('Blocked category: gambling (MCC 7995) — card control');
    expect(explain(declined('merchant category blocked', '57'), 'id').sentence).toBe('Kategori diblokir: MCC 7995 — kontrol kartu');
    // Counted by reason (the overview): no merchant to name.
    expect(explain({ decision: 'declined', reason: 'merchant category blocked', responseCode: '57' }, 'en').sentence).toBe('Blocked category — card control');
    expect(explain({ decision: 'declined', reason: 'merchant country blocked', responseCode: '57' }, 'id').sentence).toBe('Negara diblokir — kontrol kartu');
  });

  it('explains a spending limit with its interval, amount and what was left', () => {
    const outcome: Outcome = {
      stage: 'spend_control',
      check: 'spending_limit',
      responseCode: '61',
      reason: 'exceeds spending limit',
      control: {
        name: 'spendingLimits',
        mcc: '5812',
        limit: { interval: 'daily', categories: [], kind: 'amount', limit: { value: '500000.00', currency: 'IDR' }, used: { value: '450000.00', currency: 'IDR' }, remaining: { value: '50000.00', currency: 'IDR' }, windowStart: '2026-12-03' },
      },
    };
    const a = declined('exceeds spending limit', '61', { outcome });
    expect(explain(a, 'en').sentence).toBe('Over the daily spending limit of IDR 500,000 (IDR 50,000 left) — card control');
    expect(explain(a, 'id').sentence).toBe('Melebihi limit pengeluaran harian sebesar Rp 500.000 (sisa Rp 50.000) — kontrol kartu');
    expect(explain(declined('exceeds spending limit', '61'), 'en').sentence).toBe('Over a spending limit — card control');
    expect(explain(declined('exceeds frequency limit', '65'), 'id').sentence).toBe('Melebihi limit jumlah transaksi — kontrol kartu');
  });

  it('names the policy and rule that declined, with the policy\'s own reason', () => {
    const outcome: Outcome = {
      stage: 'policy',
      check: 'policy',
      responseCode: '59',
      reason: 'night-time gambling',
      policy: { id: 'p-1', name: 'Risk rules', versionId: 'v-1', versionNumber: 3, rule: 'night_gambling' },
    };
    expect(explain(declined('night-time gambling', '59', { outcome }), 'en').sentence).toBe('Declined by policy Risk rules, rule night_gambling: night-time gambling — spend policy');
    expect(explain(declined('night-time gambling', '59'), 'id').sentence).toBe('Ditolak oleh kebijakan pengeluaran: night-time gambling — kebijakan pengeluaran');
  });

  it('words card, cardholder and funds refusals', () => {
    expect(explain(declined('card frozen', '62'), 'en').sentence).toBe('Card is frozen — card check');
    expect(explain(declined('card frozen', '62'), 'id').sentence).toBe('Kartu dibekukan — pemeriksaan kartu');
    expect(explain(declined('cardholder blocked', '62'), 'en').sentence).toBe('Cardholder is blocked — card check');
    expect(explain(declined('card currency is USD', '05'), 'en').sentence).toBe('Card is in USD — card check');
    expect(explain(declined('insufficient funds', '51'), 'en').sentence).toBe('Insufficient funds — funding account');
    expect(explain(declined('insufficient funds', '51'), 'id').sentence).toBe('Dana tidak cukup — akun pendanaan');
    expect(explain(declined('merchant country blocked', '57'), 'en').sentence).toBe('Blocked country: SG — card control');
    expect(explain(declined('merchant blocked', '57'), 'en').sentence).toBe('Blocked merchant: Lucky Casino — card control');
    expect(explain(declined('CVV does not match', '82'), 'id').sentence).toBe('CVV tidak cocok — pemeriksaan kartu');
  });

  it('says approved, and how much of a partial approval went through', () => {
    const approved: DecidedAuthorization = { decision: 'approved', reason: 'approved', responseCode: '00' };
    expect(explain(approved, 'en')).toMatchObject({ sentence: 'Approved', source: undefined });
    expect(explain(approved, 'id').sentence).toBe('Disetujui');
    const partial: DecidedAuthorization = {
      decision: 'partial',
      reason: 'partial: funds',
      responseCode: '10',
      amount: { value: '200000.00', currency: 'IDR' },
      approvedAmount: { value: '150000.00', currency: 'IDR' },
    };
    expect(explain(partial, 'en').sentence).toBe('Partly approved: IDR 150,000 of IDR 200,000 (funds ran short)');
    expect(explain(partial, 'id').sentence).toBe('Disetujui sebagian: Rp 150.000 dari Rp 200.000 (dana kurang)');
  });

  it('falls back to the raw reason for one it does not know', () => {
    const outcome: Outcome = { stage: 'unknown', check: 'unknown', responseCode: '96', reason: 'something new' };
    expect(explain({ decision: 'declined', reason: 'something new', responseCode: '96', outcome }, 'en').sentence).toBe('Declined: something new');
  });
});

describe('checkOfReason', () => {
  it('matches the checks the API names for decide()\'s reasons', () => {
    expect(checkOfReason('declined', 'merchant category blocked')).toEqual({ stage: 'spend_control', check: 'blocked_category' });
    expect(checkOfReason('declined', 'business suspended')).toEqual({ stage: 'card', check: 'business_status' });
    expect(checkOfReason('declined', 'a policy reason')).toEqual({ stage: 'policy', check: 'policy' });
    expect(checkOfReason('approved', 'approved')).toEqual({ stage: 'approved', check: 'approved' });
  });
});
