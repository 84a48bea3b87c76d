import { z } from 'zod';
import { MINOR_UNITS, SUPPORTED_CURRENCIES } from '../../platform/money';

/** Amounts on the network API are integers in ISO 4217 minor units of the message's currency. */
const minorAmount = z.number().int().positive().max(1e15).meta({ description: `Amount in ${MINOR_UNITS}`, example: 15000000 });
const messageId = z.string().min(1).max(64);

/**
 * The cardholder-billing side of a message in a currency other than the card's (ISO 8583 DE6, DE51,
 * DE10): what the network charges the card. Without it Kartu converts with its rate table.
 */
const billingFields = {
  billingAmount: minorAmount.optional().meta({ description: `The amount in billingCurrency (the card's), in ${MINOR_UNITS}, when the network converted it` }),
  billingCurrency: z.enum(SUPPORTED_CURRENCIES).optional().meta({ description: "The card's currency; with billingAmount" }),
  conversionRate: z
    .string()
    .regex(/^\d{1,12}(?:\.\d{1,12})?$/, { message: 'a positive decimal such as "16250.5"' })
    .refine((v) => /[1-9]/.test(v), { message: 'must be positive' })
    .optional()
    .meta({ description: 'Units of billingCurrency per unit of currency the network converted at; with billingAmount', example: '16250.5' }),
};

/** billingAmount and billingCurrency come together; a billing side in the message's own currency is the same amount. */
function billingConsistent(b: { amount: number; currency: string; billingAmount?: number; billingCurrency?: string; conversionRate?: string }, ctx: z.RefinementCtx): void {
  if ((b.billingAmount === undefined) !== (b.billingCurrency === undefined)) {
    ctx.addIssue({ code: 'custom', path: [b.billingAmount === undefined ? 'billingAmount' : 'billingCurrency'], message: 'billingAmount and billingCurrency go together' });
  } else if (b.conversionRate !== undefined && b.billingAmount === undefined) {
    ctx.addIssue({ code: 'custom', path: ['billingAmount'], message: 'conversionRate comes with billingAmount and billingCurrency' });
  } else if (b.billingCurrency === b.currency && b.billingAmount !== b.amount) {
    ctx.addIssue({ code: 'custom', path: ['billingAmount'], message: 'in the message currency the billing amount is the amount' });
  }
}

export const merchantInput = z.strictObject({
  id: z.string().min(1).max(64),
  name: z.string().min(1).max(100),
  mcc: z.string().regex(/^\d{4}$/, { message: '4 digits' }),
  city: z.string().max(100).optional(),
  country: z.string().regex(/^[A-Z]{2}$/, { message: 'ISO 3166-1 alpha-2' }),
});

const cardInput = z.strictObject({
  number: z.string().regex(/^\d{12,19}$/, { message: '12 to 19 digits' }),
  expiry: z.string().regex(/^(0[1-9]|1[0-2])\d{2}$/, { message: 'MMYY' }).optional(),
  cvv: z.string().regex(/^\d{3,4}$/).optional(),
});

export const posInput = z.strictObject({
  entryMode: z.enum(['chip', 'contactless', 'magstripe', 'manual', 'ecommerce', 'credential_on_file']).optional(),
  cardPresent: z.boolean().optional(),
});

export const authorizationRequest = z
  .strictObject({
    id: messageId,
    card: cardInput,
    amount: minorAmount.meta({ description: `The merchant's amount in currency, in ${MINOR_UNITS}` }),
    currency: z.enum(SUPPORTED_CURRENCIES).meta({ description: "The merchant's currency (ISO 4217); another than the card's is converted (billingAmount, or Kartu's rates)" }),
    ...billingFields,
    merchant: merchantInput,
    pos: posInput.optional(),
    partialAllowed: z.boolean().optional(),
    originalId: messageId.nullable().optional(),
  })
  .superRefine(billingConsistent);

export const authorizationResponse = z.object({
  id: z.string().meta({ description: "The network's message id, echoed" }),
  authorizationId: z.string().meta({ description: "Kartu's id of the authorization" }),
  decision: z.enum(['approved', 'declined', 'partial']),
  responseCode: z.string().meta({ description: 'ISO 8583: 00, 10, 05, 14, 51, 54, 57, 59, 61, 62, 65, 82' }),
  approvedAmount: z.number().meta({ description: `Approved amount of billingCurrency, in ${MINOR_UNITS} (0 when declined; less than billingAmount when partial)` }),
  billingAmount: z.number().meta({ description: `What the card was asked for, in billingCurrency (the card's; the request's amount converted when the merchant's currency is another), in ${MINOR_UNITS}` }),
  billingCurrency: z.string().meta({ description: "The card's currency (the request's currency when no card was found)" }),
  authorizationCode: z.string().nullable(),
  reason: z.string(),
});

export const reversalRequest = z.strictObject({
  id: messageId,
  authorizationId: messageId,
  amount: minorAmount.optional(),
});

export const clearingRequest = z
  .strictObject({
    id: messageId,
    authorizationId: messageId.optional(),
    card: cardInput.optional(),
    amount: minorAmount,
    currency: z.enum(SUPPORTED_CURRENCIES),
    ...billingFields,
    merchant: merchantInput.optional(),
  })
  .superRefine(billingConsistent);

export const refundRequest = z
  .strictObject({
    id: messageId,
    card: cardInput,
    amount: minorAmount,
    currency: z.enum(SUPPORTED_CURRENCIES),
    ...billingFields,
    merchant: merchantInput,
  })
  .superRefine(billingConsistent);

export const messageResponse = z.object({
  id: z.string(),
  status: z.enum(['accepted']),
  authorizationId: z.string().nullable(),
  amount: z.number().meta({ description: `What was released, posted or credited, in ${MINOR_UNITS} of the card's currency` }),
  transferId: z.string().nullable(),
});
