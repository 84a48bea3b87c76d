import { z } from 'zod';
import { MINOR_UNITS, SUPPORTED_CURRENCIES } from '../../platform/money';

/** Amounts on the network API are integers in ISO 4217 minor units of the message's currency. */
const minorAmount = z.number().int().positive().max(1e15).meta({ description: `Amount in ${MINOR_UNITS}`, example: 15000000 });
const messageId = z.string().min(1).max(64);

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

export const authorizationRequest = z.strictObject({
  id: messageId,
  card: cardInput,
  amount: minorAmount,
  currency: z.enum(SUPPORTED_CURRENCIES),
  merchant: merchantInput,
  pos: posInput.optional(),
  partialAllowed: z.boolean().optional(),
  originalId: messageId.nullable().optional(),
});

export const authorizationResponse = z.object({
  id: z.string().meta({ description: "The network's message id, echoed" }),
  authorizationId: z.string().meta({ description: "Kartu's id of the authorization" }),
  decision: z.enum(['approved', 'declined', 'partial']),
  responseCode: z.string().meta({ description: 'ISO 8583: 00, 10, 05, 14, 51, 54, 57, 59, 61, 62, 65, 82' }),
  approvedAmount: z.number().meta({ description: `Approved amount in ${MINOR_UNITS} (0 when declined; less than the amount when partial)` }),
  authorizationCode: z.string().nullable(),
  reason: z.string(),
});

export const reversalRequest = z.strictObject({
  id: messageId,
  authorizationId: messageId,
  amount: minorAmount.optional(),
});

export const clearingRequest = z.strictObject({
  id: messageId,
  authorizationId: messageId.optional(),
  card: cardInput.optional(),
  amount: minorAmount,
  currency: z.enum(SUPPORTED_CURRENCIES),
  merchant: merchantInput.optional(),
});

export const refundRequest = z.strictObject({
  id: messageId,
  card: cardInput,
  amount: minorAmount,
  currency: z.enum(SUPPORTED_CURRENCIES),
  merchant: merchantInput,
});

export const messageResponse = z.object({
  id: z.string(),
  status: z.enum(['accepted']),
  authorizationId: z.string().nullable(),
  amount: z.number().meta({ description: `What was released, posted or credited, in ${MINOR_UNITS}` }),
  transferId: z.string().nullable(),
});
