import { z } from 'zod';
import { snapAmountInput } from '../../platform/money';
import { isKnownCategory } from '../controls/mcc-groups';
import { isoDate } from '../../platform/validation';


const amount = z.object({ value: z.string(), currency: z.string() });

/** A positive decimal with up to 4 places, as a string ("1.5"): multipliers and percentages. */
const decimal = (max: number) =>
  z
    .string()
    .regex(/^\d{1,6}(\.\d{1,4})?$/, { message: 'a decimal string with at most 4 decimal places, such as "1.5"' })
    .refine((v) => Number(v) <= max, { message: `at most ${max}` });

const multiplier = decimal(100).meta({ example: '2', description: 'Applied to the points of a purchase (1 = no change)' });

const category = z.string().refine(isKnownCategory, { message: 'a 4-digit MCC or a group name from rules/mcc-groups.json' });


/**
 * A json-rules-engine rule over the facts of a purchase (amount, currency, mcc, groups, merchantId,
 * merchantCountry, cardId, localDate, birthdayMonth, monthToDateSpend). Its event adds to the points:
 * `{type: "multiplier", params: {multiplier: "2"}}` or `{type: "bonus", params: {points: 100}}`.
 */
export const rewardsRule = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  priority: z.int().min(1).max(100).optional(),
  conditions: z.record(z.string(), z.unknown()),
  event: z.union([
    z.strictObject({ type: z.literal('multiplier'), params: z.strictObject({ multiplier }) }),
    z.strictObject({ type: z.literal('bonus'), params: z.strictObject({ points: z.int().min(1).max(1_000_000) }) }),
  ]),
});

export const programInput = z.strictObject({
  status: z.enum(['ACTIVE', 'PAUSED']).default('ACTIVE').meta({ description: 'PAUSED: purchases earn nothing; refunds still reverse, redemptions still work' }),
  earnRate: z
    .strictObject({
      points: z.int().min(0).max(1_000_000),
      per: snapAmountInput,
    })
    .meta({ description: 'Base points: `points` for every `per` spent (e.g. 1 point per IDR 1,000.00), pro rata' }),
  pointValue: snapAmountInput.meta({ description: 'What one point is worth: booked as liability when earned, credited as cashback when redeemed' }),
  cashbackPercent: decimal(100).optional().meta({ description: 'Extra points worth this percentage of the spend (at pointValue)' }),
  categoryMultipliers: z
    .array(z.strictObject({ categories: z.array(category).min(1).max(50), multiplier }))
    .max(50)
    .default([])
    .meta({ description: 'The highest multiplier whose categories (MCCs or MCC groups) match the merchant applies' }),
  tiers: z
    .array(z.strictObject({ name: z.string().trim().min(1).max(40), minMonthlySpend: snapAmountInput, multiplier }))
    .max(10)
    .default([])
    .meta({ description: "The tier with the highest minMonthlySpend the cardholder's purchases this calendar month (before this one) reach" }),
  promotions: z
    .array(
      z.strictObject({
        name: z.string().trim().min(1).max(100),
        startDate: isoDate,
        endDate: isoDate,
        categories: z.array(category).min(1).max(50).optional(),
        birthdayMonth: z.boolean().optional().meta({ description: "Only in the cardholder's birthday month (dateOfBirth)" }),
        multiplier: multiplier.optional(),
        bonusPoints: z.int().min(1).max(1_000_000).optional(),
      }),
    )
    .max(50)
    .default([])
    .meta({ description: 'Time-boxed (business time zone, inclusive). The highest multiplier of the matching promotions applies; their bonus points add up' }),
  rules: z.array(rewardsRule).max(20).default([]).meta({ description: 'Optional json-rules-engine rules; their multipliers multiply, their bonuses add' }),
});

export type ProgramInput = z.infer<typeof programInput>;

export const programView = programInput.extend({
  currency: z.string(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const balanceQuery = z.strictObject({
  cardholderId: z.uuid().optional().meta({ description: "A cardholder's balance; without it, the business's total" }),
});

export const balanceView = z.object({
  cardholderId: z.string().nullable(),
  points: z.number(),
  value: amount.meta({ description: 'The cashback the points are worth now (the liability booked for them)' }),
  earnedPoints: z.number(),
  reversedPoints: z.number(),
  redeemedPoints: z.number(),
  liability: amount.optional().meta({ description: "Business total only: the rewards_liability account's balance in the ledger" }),
});

export const balanceListQuery = z.strictObject({
  q: z.string().trim().min(1).max(100).optional().meta({ description: "A substring of the cardholder's name or email, case-insensitive" }),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  pageNumber: z.coerce.number().int().min(0).max(100_000).default(0),
});

export const cardholderBalanceView = balanceView.omit({ liability: true }).extend({
  cardholderId: z.string(),
  name: z.string(),
  email: z.string(),
});

export const historyQuery = z.strictObject({
  cardholderId: z.uuid().optional(),
  kind: z.enum(['accrual', 'reversal', 'redemption']).optional(),
  pageSize: z.coerce.number().int().min(1).max(100).default(10),
  pageNumber: z.coerce.number().int().min(0).max(100_000).default(0),
});

export const entryView = z.object({
  id: z.string(),
  kind: z.enum(['accrual', 'reversal', 'redemption']),
  cardholderId: z.string(),
  cardId: z.string().nullable(),
  sourceId: z.string().meta({ description: 'The clearing or refund network id, or the redemption id' }),
  points: z.number(),
  value: amount,
  spendAmount: amount.nullable(),
  merchant: z.record(z.string(), z.unknown()).nullable(),
  breakdown: z.record(z.string(), z.unknown()),
  transferId: z.string().nullable(),
  partnerReferenceNo: z.string().nullable(),
  occurredAt: z.string(),
});

export const redeemInput = z.strictObject({
  partnerReferenceNo: z.string().min(1).max(64).optional().meta({ description: 'Unique per business; a repeat answers 409xx01 and redeems nothing' }),
  cardholderId: z.uuid(),
  points: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
});

export const redemptionView = z.object({
  id: z.string(),
  partnerReferenceNo: z.string().nullable(),
  cardholderId: z.string(),
  points: z.number(),
  amount: amount.meta({ description: 'Cashback credited to the funding account' }),
  transferId: z.string(),
  balance: balanceView,
  createdAt: z.string(),
});
