import { describe, expect, it } from 'vitest';
import { emptyControlsForm, newSpendingLimit } from '../../../web/src/components/controls/controls-model';
import { cardListQuery, filtersFromParams, filtersToParams, pageCount } from '../../../web/src/pages/cards/card-filters';
import { emptyShipping, issueCardBody, replaceCardBody, shippingToForm, type IssueCardForm } from '../../../web/src/pages/cards/issue-card-model';

/** The server's card schema (Node code outside web/tsconfig.json, so imported by a path the checker does not follow). */
const SERVER_SCHEMAS = '../../../src/modules/cards/cards.schemas';
const { cardCreate, cardListQuery: serverListQuery } = (await import(SERVER_SCHEMAS)) as Record<
  'cardCreate' | 'cardListQuery',
  { safeParse(input: unknown): { success: true } | { success: false; error: { issues: Array<{ path: PropertyKey[] }> } } }
>;

function serverPaths(schema: typeof cardCreate, input: unknown): string[] {
  const parsed = schema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => i.path.map(String).join('.'));
}

const HOLDER = '0b8a4c1e-8f7d-4c53-9a57-1d2f3e4a5b6c';
const REFERENCE = 'c6a2d3f4-1b2c-4d5e-8f90-123456789abc';

describe('the cards list filters in the URL', () => {
  it('reads the filters and writes them back without defaults', () => {
    const params = new URLSearchParams({ q: 'ani', status: 'FROZEN', type: 'PHYSICAL', cardholderId: HOLDER, page: '3' });
    const filters = filtersFromParams(params);
    expect(filters).toEqual({ q: 'ani', status: 'FROZEN', type: 'PHYSICAL', cardholderId: HOLDER, page: 3 });
    expect(filtersToParams(filters).toString()).toBe(params.toString());
    expect(filtersToParams({ q: ' ', page: 1 }).toString()).toBe('');
  });

  it('drops what the API would refuse instead of sending it', () => {
    const filters = filtersFromParams(new URLSearchParams({ status: 'LOST', type: 'virtual', cardholderId: 'ani', page: '-1' }));
    expect(filters).toEqual({ q: '', status: undefined, type: undefined, cardholderId: undefined, page: 1 });
    expect(filtersFromParams(new URLSearchParams({ page: '1.5' })).page).toBe(1);
    expect(filtersFromParams(new URLSearchParams({ q: 'x'.repeat(300) })).q).toHaveLength(100);
  });

  it('asks GET /cards for one page, in a query the server accepts', () => {
    const query = cardListQuery({ q: ' 4242 ', status: 'ACTIVE', page: 2 });
    expect(query).toEqual({ q: '4242', status: 'ACTIVE', type: undefined, cardholderId: undefined, pageNumber: 1, pageSize: 20 });
    const defined = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
    expect(serverPaths(serverListQuery, defined)).toEqual([]);
    expect(pageCount(0)).toBe(1);
    expect(pageCount(41)).toBe(3);
  });
});

function issueForm(overrides: Partial<IssueCardForm> = {}): IssueCardForm {
  return {
    type: 'VIRTUAL',
    cardholderId: HOLDER,
    shipping: emptyShipping(),
    controls: { ...emptyControlsForm('IDR'), spendingLimits: [{ ...newSpendingLimit('daily'), amount: '500000' }], blockedCategories: ['gambling'] },
    ...overrides,
  };
}

describe('issuing a card', () => {
  it('builds the body of POST /cards, which the server accepts', () => {
    const result = issueCardBody(issueForm(), REFERENCE, 'id');
    expect(result).toEqual({
      ok: true,
      body: {
        partnerReferenceNo: REFERENCE,
        cardholderId: HOLDER,
        type: 'VIRTUAL',
        spendControls: expect.objectContaining({
          spendingLimits: [{ amount: { value: '500000.00', currency: 'IDR' }, interval: 'daily' }],
          blockedCategories: ['gambling'],
        }),
      },
    });
    if (result.ok) expect(serverPaths(cardCreate, result.body)).toEqual([]);
  });

  it('ships only a physical card, and a physical card needs its address', () => {
    const shipping = { ...emptyShipping('Ani'), line1: ' Jl. Sudirman 1 ', city: 'Jakarta', postalCode: '10220', country: 'id' };
    const virtual = issueCardBody(issueForm({ shipping }), REFERENCE, 'en');
    expect(virtual.ok && 'shipping' in virtual.body).toBe(false);
    const physical = issueCardBody(issueForm({ type: 'PHYSICAL', shipping }), REFERENCE, 'en');
    expect(physical.ok && physical.body.shipping).toEqual({
      name: 'Ani',
      address: { line1: 'Jl. Sudirman 1', city: 'Jakarta', postalCode: '10220', country: 'ID' },
      service: 'standard',
    });
    if (physical.ok) expect(serverPaths(cardCreate, physical.body)).toEqual([]);

    const missing = issueCardBody(issueForm({ type: 'PHYSICAL', cardholderId: '', shipping: { ...emptyShipping(), postalCode: '1', country: 'IDN' } }), REFERENCE, 'en');
    expect(missing.ok).toBe(false);
    if (!missing.ok) {
      expect(missing.issues.map((i) => [i.field, i.code])).toEqual([
        ['cardholderId', 'required'],
        ['shipping.name', 'required'],
        ['shipping.address.line1', 'required'],
        ['shipping.address.city', 'required'],
        ['shipping.address.postalCode', 'postal_code_format'],
        ['shipping.address.country', 'country_format'],
      ]);
      // The server names the same shipping fields for the same input.
      const sent = { partnerReferenceNo: REFERENCE, cardholderId: HOLDER, type: 'PHYSICAL', shipping: { name: '', address: { line1: '', city: '', postalCode: '1', country: 'IDN' } } };
      expect(serverPaths(cardCreate, sent)).toEqual(missing.issues.slice(1).map((i) => i.field));
    }
  });

  it('reports the controls problems with the rest of the form', () => {
    const form = issueForm();
    form.controls.spendingLimits[0]!.amount = '500000,001';
    const result = issueCardBody(form, REFERENCE, 'id');
    expect(result.ok || result.issues.map((i) => [i.field, i.code])).toEqual([['spendControls.spendingLimits.0.amount.value', 'amount_decimals']]);
  });
});

describe('replacing a card', () => {
  const shipping = { name: 'Ani', address: { line1: 'Jl. Sudirman 1', city: 'Jakarta', postalCode: '10220', country: 'ID' }, service: 'express' as const, status: 'delivered' };

  it('issues the same type to the same cardholder, naming the card and the reason', () => {
    const card = { id: 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6', cardholderId: HOLDER, type: 'VIRTUAL' as const };
    const result = replaceCardBody(card, 'stolen', emptyShipping(), REFERENCE);
    expect(result).toEqual({
      ok: true,
      body: { partnerReferenceNo: REFERENCE, cardholderId: HOLDER, type: 'VIRTUAL', replacementFor: card.id, replacementReason: 'stolen' },
    });
    if (result.ok) expect(serverPaths(cardCreate, result.body)).toEqual([]);
  });

  it('ships a physical replacement, by default where the old card went', () => {
    const card = { id: 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6', cardholderId: HOLDER, type: 'PHYSICAL' as const };
    const form = shippingToForm(shipping);
    expect(form).toEqual({ name: 'Ani', line1: 'Jl. Sudirman 1', line2: '', city: 'Jakarta', state: '', postalCode: '10220', country: 'ID', service: 'express' });
    const result = replaceCardBody(card, 'damaged', form, REFERENCE);
    expect(result.ok && result.body.shipping).toEqual({ name: 'Ani', address: shipping.address, service: 'express' });
    expect(replaceCardBody(card, 'lost', { ...form, city: '' }, REFERENCE)).toEqual({ ok: false, issues: [{ field: 'shipping.address.city', code: 'required' }] });
    expect(shippingToForm(null)).toEqual(emptyShipping());
  });
});
