import { z } from 'zod';
import { MINOR_UNITS } from '../../platform/money';
import { cardholderView, cardView } from '../cards/cards.schemas';
import { backtestView } from '../policies/policies.schemas';
import type { ApiDocs } from '../../platform/openapi';
import { EVENT_TYPES, type EventType } from './event-types';

/**
 * The `data` of every event type, as the modules record it (recordEvent, and the authorization
 * write's SQL for authorization.created and fraud.alert): the webhooks section of the OpenAPI
 * document and docs/events.md are built from these, and test/integration/event-payloads.test.ts
 * checks real events against them.
 */

const minor = z.number().int().meta({ description: `Amount in ${MINOR_UNITS}` });
const snapAmount = z.object({ value: z.string().meta({ example: '150000.00' }), currency: z.string().meta({ example: 'IDR' }) });
/** The merchant's side of a transaction in another currency than the card's (docs/ledger-and-authorizations.md, "Foreign currency"). */
const merchantSide = {
  merchantAmount: minor.meta({ description: `The merchant's amount in merchantCurrency, in ${MINOR_UNITS} (equal to amount in the card's currency)` }),
  merchantCurrency: z.string(),
  fxRate: z.string().nullable().meta({ description: 'Units of currency per unit of merchantCurrency the amount was converted at (null in the card\'s own currency)', example: '16250.5' }),
};
const merchant = z.object({ id: z.string(), name: z.string(), mcc: z.string(), city: z.string().optional(), country: z.string() });

export interface EventDescription {
  /** When the event fires. */
  when: string;
  data: z.ZodType;
}

export const EVENT_PAYLOADS = {
  'authorization.created': {
    when: 'A card network asked for an authorization (or the sandbox simulated one) and Kartu decided: approved, partial or declined. Declined ones too, with their ISO 8583 responseCode.',
    data: z.object({
      id: z.string().meta({ description: "The network's message id" }),
      authorizationId: z.string(),
      decision: z.enum(['approved', 'partial', 'declined']),
      responseCode: z.string().meta({ description: 'ISO 8583 (docs/errors.md)' }),
      approvedAmount: minor,
      authorizationCode: z.string().nullable(),
      reason: z.string(),
      cardId: z.string().nullable().meta({ description: 'null when no card has the number (14)' }),
      amount: minor.meta({ description: `What the card was asked for, in currency (the card's), in ${MINOR_UNITS}` }),
      currency: z.string(),
      ...merchantSide,
      standIn: z.boolean().meta({ description: 'An advice: the network approved it on the issuer\'s behalf (ISO 8583 0120) and Kartu recorded it' }),
      merchant,
      originalId: z.string().nullable().meta({ description: 'The authorization an increment adds to' }),
    }),
  },
  'authorization.updated': {
    when: "An authorization's hold was released: by a reversal (change: reversed) or because it expired uncleared (change: expired).",
    data: z.object({
      authorizationId: z.string(),
      cardId: z.string(),
      change: z.enum(['reversed', 'expired']),
      amount: minor.meta({ description: `What was released, in ${MINOR_UNITS}` }),
    }),
  },
  'transaction.cleared': {
    when: 'A purchase was posted to the ledger by a clearing: against its authorization, or forced (forced: true) without one.',
    data: z.object({
      clearingId: z.string(),
      authorizationId: z.string().nullable(),
      cardId: z.string(),
      amount: minor.meta({ description: `What was posted, in currency (the card's), in ${MINOR_UNITS}` }),
      currency: z.string(),
      ...merchantSide,
      merchant: merchant.nullable(),
      forced: z.boolean(),
    }),
  },
  'transaction.refunded': {
    when: "A merchant refund was credited to the card's funding account.",
    data: z.object({ refundId: z.string(), cardId: z.string(), amount: minor, currency: z.string(), ...merchantSide, merchant }),
  },
  'card.created': {
    when: 'A card was issued (partner or admin API).',
    data: cardView,
  },
  'card.updated': {
    when: "A card changed: status (freeze, activation, termination, expiry), spend controls, metadata, PIN or shipment. `changed` names what.",
    data: cardView.extend({ changed: z.array(z.string()) }),
  },
  'cardholder.created': {
    when: 'A cardholder was created.',
    data: cardholderView,
  },
  'cardholder.updated': {
    when: 'A cardholder changed; `changed` names the fields.',
    data: cardholderView.extend({ changed: z.array(z.string()) }),
  },
  'funding.credited': {
    when: 'The business funding account was credited by a top-up (in the sandbox, simulated funding).',
    data: z.object({ transferId: z.string(), amount: snapAmount }),
  },
  'rewards.accrued': {
    when: "A cleared purchase earned the cardholder points under the business's rewards program.",
    data: z.object({ entryId: z.string(), cardholderId: z.string(), cardId: z.string(), clearingId: z.string(), points: z.number().int(), value: snapAmount }),
  },
  'rewards.reversed': {
    when: 'A refund took back points its purchase had earned.',
    data: z.object({ entryId: z.string(), cardholderId: z.string(), cardId: z.string(), refundId: z.string(), points: z.number().int(), value: snapAmount }),
  },
  'rewards.redeemed': {
    when: "A cardholder's points were turned into cashback on the funding account.",
    data: z.object({ redemptionId: z.string(), cardholderId: z.string(), points: z.number().int(), amount: snapAmount, transferId: z.string() }),
  },
  'report.completed': {
    when: 'A requested report finished generating; download it from GET /snap/v1.0/reports/{reportId}/file.',
    data: z.object({ reportId: z.string(), type: z.string(), format: z.string(), fromDate: z.string(), toDate: z.string() }),
  },
  'fraud.alert': {
    when: 'An enforced spend policy reviewed an approved authorization: it went through, and someone should look at it.',
    data: z.object({
      authorizationId: z.string(),
      cardId: z.string().nullable(),
      amount: minor,
      currency: z.string(),
      merchant,
      reviews: z.array(z.object({ policyId: z.string(), versionId: z.string(), rule: z.string(), reason: z.string() })),
    }),
  },
  'policy.backtest.completed': {
    when: 'A policy backtest finished; `backtest` is what GET /policies/{id}/backtests/{backtestId} answers.',
    data: z.object({ backtest: backtestView }),
  },
  'self_test.webhook': {
    when: 'The webhook scenario of a sandbox self-test run: the partner must receive it and acknowledge it (2xx) for the scenario to pass.',
    data: z.object({ selfTestId: z.string(), scenarioId: z.string(), nonce: z.string() }),
  },
} as const satisfies Record<EventType, EventDescription>;

/** The envelope every delivery's body has (docs/webhooks.md): `data` is the type's payload. */
export function eventEnvelope(type: EventType): z.ZodObject {
  return z.object({
    id: z.string().meta({ description: 'Stable across retries: de-duplicate on it' }),
    type: z.literal(type),
    createdAt: z.string().meta({ description: 'ISO 8601' }),
    data: EVENT_PAYLOADS[type].data,
  });
}

/** The OpenAPI document's webhooks section: one entry per event type. */
export function documentEvents(docs: ApiDocs): void {
  for (const type of EVENT_TYPES) docs.registerWebhook(type, { when: EVENT_PAYLOADS[type].when, envelope: eventEnvelope(type) });
}
