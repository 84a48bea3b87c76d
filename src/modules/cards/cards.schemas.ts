import { z } from 'zod';
import { SUPPORTED_CURRENCIES } from '../../platform/money';
import { spendControlsInput, spendControlsView } from '../controls/spend-controls';
import { CARD_STATUSES } from './card-state';
import { CARD_TYPES, REPLACEMENT_REASONS } from './card.entity';
import { CARDHOLDER_STATUSES } from './cardholder.entity';
import { isoDate } from '../../platform/validation';

/** Free-form key/value pairs for the partner's own use (Stripe's limits: 50 keys, 40/500 characters). */
export const metadata = z
  .record(z.string().min(1).max(40), z.string().max(500))
  .refine((m) => Object.keys(m).length <= 50, { message: 'at most 50 keys' })
  .meta({ example: { costCenter: 'CC-12' } });


export const cardholderCreate = z.strictObject({
  name: z.string().trim().min(1).max(200),
  email: z.email().max(254),
  phoneNo: z
    .string()
    .regex(/^62\d{7,13}$/, { message: 'an Indonesian number in international form without +, e.g. 6281234567890' })
    .optional(),
  employeeId: z.string().min(1).max(64).optional(),
  dateOfBirth: isoDate.meta({ example: '1990-04-17' }).optional(),
  metadata: metadata.optional(),
});

export const cardholderUpdate = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    email: z.email().max(254).optional(),
    phoneNo: z.string().regex(/^62\d{7,13}$/).nullable().optional(),
    employeeId: z.string().min(1).max(64).nullable().optional(),
    dateOfBirth: isoDate.nullable().optional(),
    status: z.enum(CARDHOLDER_STATUSES).optional(),
    metadata: metadata.optional(),
  })
  .refine((u) => Object.values(u).some((v) => v !== undefined), { path: ['name'], message: 'nothing to update', params: { missing: true } });

export const cardholderView = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  phoneNo: z.string().nullable(),
  employeeId: z.string().nullable(),
  dateOfBirth: z.string().nullable(),
  status: z.enum(CARDHOLDER_STATUSES),
  metadata: z.record(z.string(), z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const pageQuery = {
  pageSize: z.coerce.number().int().min(1).max(100).default(10),
  pageNumber: z.coerce.number().int().min(0).max(100_000).default(0),
};

export const cardholderListQuery = z.strictObject({
  status: z.enum(CARDHOLDER_STATUSES).optional(),
  email: z.string().max(254).optional(),
  employeeId: z.string().max(64).optional(),
  q: z.string().trim().min(1).max(100).optional().meta({ description: "Search: a substring of the cardholder's name or email (case-insensitive)" }),
  ...pageQuery,
});

const shippingAddress = z.strictObject({
  line1: z.string().trim().min(1).max(200),
  line2: z.string().trim().max(200).optional(),
  city: z.string().trim().min(1).max(100),
  state: z.string().trim().max(100).optional(),
  postalCode: z.string().regex(/^[A-Za-z0-9 -]{3,12}$/),
  country: z.string().regex(/^[A-Z]{2}$/, { message: 'ISO 3166-1 alpha-2, e.g. ID' }),
});

export const shippingInput = z.strictObject({
  name: z.string().trim().min(1).max(100),
  address: shippingAddress,
  service: z.enum(['standard', 'express']).default('standard'),
});

export const cardCreate = z.strictObject({
  partnerReferenceNo: z.string().min(1).max(64),
  cardholderId: z.uuid(),
  type: z.enum(CARD_TYPES),
  currency: z.enum(SUPPORTED_CURRENCIES).optional(),
  spendControls: spendControlsInput.optional(),
  shipping: shippingInput.optional(),
  metadata: metadata.optional(),
  replacementFor: z.uuid().optional(),
  replacementReason: z.enum(REPLACEMENT_REASONS).optional(),
});

export const cardUpdate = z
  .strictObject({
    status: z.enum(['ACTIVE', 'FROZEN', 'TERMINATED']).optional(),
    spendControls: spendControlsInput.optional(),
    metadata: metadata.optional(),
  })
  .refine((u) => Object.values(u).some((v) => v !== undefined), { path: ['status'], message: 'nothing to update: give status, spendControls or metadata', params: { missing: true } });

export const cardListQuery = z.strictObject({
  cardholderId: z.uuid().optional(),
  status: z.enum(CARD_STATUSES).optional(),
  type: z.enum(CARD_TYPES).optional(),
  last4: z.string().regex(/^\d{4}$/, { message: '4 digits' }).optional(),
  partnerReferenceNo: z.string().min(1).max(64).optional().meta({ description: 'The card issued with this partnerReferenceNo (at most one)' }),
  q: z.string().trim().min(1).max(100).optional().meta({ description: "Search: a substring of the cardholder's name or email (case-insensitive), or the card's last4" }),
  ...pageQuery,
});

export const pinInput = z.strictObject({
  pin: z.string().regex(/^\d{4,6}$/, { message: '4 to 6 digits' }),
  currentPin: z.string().regex(/^\d{4,6}$/).optional(),
});

export const shippingAdvance = z.strictObject({
  status: z.enum(['shipped', 'delivered', 'returned', 'failure']),
  carrier: z.string().min(1).max(50).optional(),
  trackingNumber: z.string().min(1).max(64).optional(),
});

export const cardView = z.object({
  id: z.string(),
  cardholderId: z.string(),
  partnerReferenceNo: z.string(),
  type: z.enum(CARD_TYPES),
  status: z.enum(CARD_STATUSES),
  last4: z.string(),
  expiryMonth: z.number(),
  expiryYear: z.number(),
  currency: z.string(),
  spendControls: spendControlsView,
  shipping: z.record(z.string(), z.unknown()).nullable(),
  metadata: z.record(z.string(), z.string()),
  replacementFor: z.string().nullable(),
  replacementReason: z.enum(REPLACEMENT_REASONS).nullable(),
  pinSet: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const revealedCard = z.object({
  id: z.string(),
  last4: z.string(),
  number: z.string(),
  cvv: z.string(),
  expiry: z.string().meta({ description: 'MMYY', example: '1130' }),
});
