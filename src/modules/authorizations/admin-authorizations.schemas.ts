import { z } from 'zod';
import { isoDateTime } from '../../platform/validation';

export const money = z.object({ value: z.string(), currency: z.string() }).meta({ example: { value: '450000.00', currency: 'IDR' } });

/** A decimal amount as a query parameter, in the business currency ("150000.00"). */
export const decimalAmount = z
  .string()
  .regex(/^(?:0|[1-9]\d{0,13})(?:\.\d{1,18})?$/, { message: 'a non-negative decimal such as "150000.00" (in the business currency)' })
  .meta({ example: '150000.00' });

export const keysetPage = {
  cursor: z.string().min(1).max(200).optional().meta({ description: 'nextCursor of the previous page (opaque)' }),
  pageSize: z.coerce.number().int().min(1).max(100).default(25),
};

export const authorizationListQuery = z.strictObject({
  cardId: z.uuid().optional(),
  cardholderId: z.uuid().optional(),
  decision: z.enum(['approved', 'declined', 'partial']).optional(),
  responseCode: z.string().regex(/^[0-9A-Z]{2}$/, { message: 'a 2-character ISO 8583 response code such as 51' }).optional(),
  merchant: z.string().trim().min(1).max(100).optional().meta({ description: "A merchant id (exact) or a substring of the merchant's name (case-insensitive)" }),
  mcc: z.string().regex(/^\d{4}$/, { message: '4 digits' }).optional(),
  amountMin: decimalAmount.optional(),
  amountMax: decimalAmount.optional(),
  from: isoDateTime.optional(),
  to: isoDateTime.optional(),
  ...keysetPage,
});

export const authorizationListItem = z.object({
  id: z.string(),
  cardId: z.string().nullable(),
  cardLast4: z.string().nullable(),
  cardholderId: z.string().nullable(),
  cardholderName: z.string().nullable(),
  amount: money,
  approvedAmount: money,
  decision: z.enum(['approved', 'declined', 'partial']),
  responseCode: z.string().meta({ description: 'ISO 8583 response code' }),
  reason: z.string(),
  merchant: z.object({ id: z.string().nullable(), name: z.string().nullable(), mcc: z.string().nullable(), city: z.string().nullable(), country: z.string().nullable() }),
  status: z.enum(['pending', 'closed', 'declined']).meta({ description: 'pending: its hold is open; closed: cleared, reversed or expired' }),
  originalId: z.string().nullable().meta({ description: 'For an incremental authorization: the authorization it extends' }),
  authorizationCode: z.string().nullable(),
  createdAt: z.string(),
});

const limitExplanation = z.object({
  interval: z.string(),
  categories: z.array(z.string()),
  kind: z.enum(['amount', 'count']),
  limit: z.union([money, z.number()]),
  used: z.union([money, z.number()]).nullable(),
  remaining: z.union([money, z.number()]),
  windowStart: z.string().nullable(),
});

export const outcome = z.object({
  stage: z.enum(['card', 'spend_control', 'policy', 'funds', 'approved', 'unknown']),
  check: z.string().meta({ description: 'card_not_found, card_expired, expiry_mismatch, cvv_mismatch, card_status, cardholder_status, business_status, merchant_lock, single_use_used, currency_mismatch, original_not_open, blocked_category, category_not_allowed, blocked_country, country_not_allowed, blocked_merchant, merchant_not_allowed, spending_limit, count_limit, policy, insufficient_funds, approved, partial, unknown' }),
  responseCode: z.string(),
  reason: z.string(),
  control: z
    .object({
      name: z.enum(['blockedCategories', 'allowedCategories', 'blockedCountries', 'allowedCountries', 'blockedMerchantIds', 'allowedMerchantIds', 'spendingLimits', 'countLimits']),
      entry: z.string().nullable().optional(),
      entryType: z.enum(['mcc', 'group', 'country', 'merchant']).optional(),
      mcc: z.string().optional(),
      country: z.string().optional(),
      merchantId: z.string().optional(),
      allowed: z.array(z.string()).optional(),
      limit: limitExplanation.nullable().optional(),
    })
    .optional(),
  policy: z.object({ id: z.string(), name: z.string().nullable(), versionId: z.string(), versionNumber: z.number().nullable(), rule: z.string() }).optional(),
  funds: z.object({ available: money.nullable(), requested: money }).optional(),
  partial: z.object({ cappedBy: z.enum(['funds', 'spending_limit']), approvedAmount: money }).optional(),
});

export const transferView = z.object({
  id: z.string(),
  kind: z.string().meta({ description: 'The ledger kind: hold, post, void, over_capture, force_post, refund' }),
  role: z.enum(['hold', 'clearing', 'release', 'reversal', 'expiry', 'refund']),
  amount: money,
  status: z.enum(['pending', 'posted', 'voided']),
  openAmount: money.optional().meta({ description: 'Holds: still held' }),
  postedAmount: money.optional().meta({ description: 'Holds: posted by clearings' }),
  releasedAmount: money.optional().meta({ description: 'Holds: released by reversals, expiry, or a clearing of less than was held' }),
  authorizationId: z.string().nullable(),
  createdAt: z.string(),
});

const policyEvent = z.object({ type: z.enum(['decline', 'review', 'approve']), rule: z.string(), reason: z.string(), responseCode: z.string().optional() });

export const authorizationDetail = authorizationListItem.extend({
  pos: z.record(z.string(), z.unknown()),
  facts: z.object({
    merchantGroups: z.array(z.string()),
    partialAllowed: z.boolean(),
    available: money.nullable(),
    usage: z.array(z.object({ limitKey: z.string(), windowStart: z.string(), kind: z.enum(['amount', 'count']), used: z.union([money, z.number()]) })),
    policy: z.record(z.string(), z.unknown()).nullable().meta({ description: 'The facts the spend policies saw (amounts in minor units), as recorded' }),
  }),
  outcome,
  reviews: z.array(z.object({ policyId: z.string(), versionId: z.string(), rule: z.string(), reason: z.string() })),
  shadow: z.array(z.object({ policyId: z.string(), name: z.string().nullable(), versionId: z.string(), events: z.array(policyEvent) })),
  increments: z.array(authorizationListItem),
  transfers: z.array(transferView),
});
