import { formToControls, type ControlsForm, type FieldIssue, type SpendControlsInput } from '../../components/controls/controls-model';
import type { Lang } from '../../format';
import type { CardType } from './card-filters';

/**
 * The issue-card form (POST /admin/v1/cards) and the replacement form, checked as the server
 * checks them (src/modules/cards/cards.schemas.ts: cardCreate, shippingInput; the service requires
 * shipping for PHYSICAL cards and refuses it for the others), each problem at the path the server
 * names (`shipping.address.postalCode`).
 */

export const SHIPPING_SERVICES = ['standard', 'express'] as const;
export type ShippingService = (typeof SHIPPING_SERVICES)[number];
export const REPLACEMENT_REASONS = ['lost', 'stolen', 'damaged', 'expired'] as const;
export type ReplacementReason = (typeof REPLACEMENT_REASONS)[number];

export interface ShippingForm {
  name: string;
  line1: string;
  line2: string;
  city: string;
  state: string;
  postalCode: string;
  country: string;
  service: ShippingService;
}

export interface ShippingInput {
  name: string;
  address: { line1: string; line2?: string; city: string; state?: string; postalCode: string; country: string };
  service: ShippingService;
}

export interface IssueCardForm {
  type: CardType;
  cardholderId: string;
  shipping: ShippingForm;
  controls: ControlsForm;
}

export interface IssueCardBody {
  partnerReferenceNo: string;
  cardholderId: string;
  type: CardType;
  spendControls: SpendControlsInput;
  shipping?: ShippingInput;
}

export interface ReplaceCardBody {
  partnerReferenceNo: string;
  cardholderId: string;
  type: CardType;
  replacementFor: string;
  replacementReason: ReplacementReason;
  shipping?: ShippingInput;
}

export function emptyShipping(name = ''): ShippingForm {
  return { name, line1: '', line2: '', city: '', state: '', postalCode: '', country: 'ID', service: 'standard' };
}

/** A card's shipping (GET /cards/{id}) → the form, to ship its replacement to the same place. */
export function shippingToForm(shipping: Pick<ShippingInput, 'name' | 'address' | 'service'> | null): ShippingForm {
  if (!shipping) return emptyShipping();
  const { address } = shipping;
  return {
    name: shipping.name,
    line1: address.line1,
    line2: address.line2 ?? '',
    city: address.city,
    state: address.state ?? '',
    postalCode: address.postalCode,
    country: address.country,
    service: shipping.service,
  };
}

const POSTAL_CODE = /^[A-Za-z0-9 -]{3,12}$/;
const COUNTRY = /^[A-Z]{2}$/;

/** Required text: trimmed, 1..max characters (the server trims too). */
function required(value: string, max: number, field: string, issues: FieldIssue[]): string {
  const trimmed = value.trim();
  if (!trimmed) issues.push({ field, code: 'required' });
  else if (trimmed.length > max) issues.push({ field, code: 'too_long', params: { max } });
  return trimmed;
}

function optional(value: string, max: number, field: string, issues: FieldIssue[]): string | undefined {
  const trimmed = value.trim();
  if (trimmed.length > max) issues.push({ field, code: 'too_long', params: { max } });
  return trimmed || undefined;
}

export function shippingInput(form: ShippingForm, issues: FieldIssue[]): ShippingInput {
  const name = required(form.name, 100, 'shipping.name', issues);
  const line1 = required(form.line1, 200, 'shipping.address.line1', issues);
  const line2 = optional(form.line2, 200, 'shipping.address.line2', issues);
  const city = required(form.city, 100, 'shipping.address.city', issues);
  const state = optional(form.state, 100, 'shipping.address.state', issues);
  const postalCode = form.postalCode.trim();
  if (!postalCode) issues.push({ field: 'shipping.address.postalCode', code: 'required' });
  else if (!POSTAL_CODE.test(postalCode)) issues.push({ field: 'shipping.address.postalCode', code: 'postal_code_format' });
  const country = form.country.trim().toUpperCase();
  if (!COUNTRY.test(country)) issues.push({ field: 'shipping.address.country', code: 'country_format', params: { value: country } });
  return {
    name,
    address: { line1, ...(line2 ? { line2 } : {}), city, ...(state ? { state } : {}), postalCode, country },
    service: form.service,
  };
}

export type Checked<T> = { ok: true; body: T } | { ok: false; issues: FieldIssue[] };

export function issueCardBody(form: IssueCardForm, partnerReferenceNo: string, lang: Lang, groupNames?: readonly string[]): Checked<IssueCardBody> {
  const issues: FieldIssue[] = [];
  if (!form.cardholderId) issues.push({ field: 'cardholderId', code: 'required' });
  const shipping = form.type === 'PHYSICAL' ? shippingInput(form.shipping, issues) : undefined;
  const controls = formToControls(form.controls, lang, groupNames);
  if (!controls.ok) issues.push(...controls.issues);
  if (issues.length || !controls.ok) return { ok: false, issues };
  return {
    ok: true,
    body: { partnerReferenceNo, cardholderId: form.cardholderId, type: form.type, spendControls: controls.controls, ...(shipping ? { shipping } : {}) },
  };
}

/**
 * A replacement: the same cardholder and type, the reason, and for a physical card where to ship
 * it. Its spend controls and currency are the replaced card's (the server copies them).
 */
export function replaceCardBody(
  card: { id: string; cardholderId: string; type: CardType },
  reason: ReplacementReason,
  shipping: ShippingForm,
  partnerReferenceNo: string,
): Checked<ReplaceCardBody> {
  const issues: FieldIssue[] = [];
  const shipTo = card.type === 'PHYSICAL' ? shippingInput(shipping, issues) : undefined;
  if (issues.length) return { ok: false, issues };
  return {
    ok: true,
    body: {
      partnerReferenceNo,
      cardholderId: card.cardholderId,
      type: card.type,
      replacementFor: card.id,
      replacementReason: reason,
      ...(shipTo ? { shipping: shipTo } : {}),
    },
  };
}
