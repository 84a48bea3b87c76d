import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';
import { sandboxOnly } from '../access/access.routes';
import {
  cardCreate,
  cardholderCreate,
  cardholderListQuery,
  cardholderUpdate,
  cardholderView,
  cardListQuery,
  cardUpdate,
  cardView,
  pinInput,
  revealedCard,
  shippingAdvance,
} from './cards.schemas';
import { createCardholder, getCardholder, listCardholders, updateCardholder } from './cardholders.service';
import { activateCard, advanceShipping, getCard, issueCard, listCards, revealCard, setPin, updateCard } from './cards.service';

/** Who may do what on one surface: the partner API guards everything with its signature; the admin API by role. */
export interface CardGuards {
  read: RequestHandler[];
  write: RequestHandler[];
  /** Revealing a card's number and CVV (on the admin API owners only). */
  reveal: RequestHandler[];
  security: string[];
  headers?: z.ZodObject;
  /** The partner surface also serves the sandbox shipping simulator. */
  sandbox: boolean;
}

const page = { pageNumber: z.number(), pageSize: z.number(), totalCount: z.number() };

/**
 * Cardholders (SNAP 94) and cards (90 issue, 91 inquiry, 92 update, 93 reveal), mounted on the
 * partner API and on the admin API with the same handlers, scoped by the caller's business.
 */
export function cardRoutes(k: Kartu, r: ApiRouter, g: CardGuards): void {
  const common = { security: g.security, headers: g.headers };

  r.route({
    ...common,
    method: 'post',
    path: '/cardholders',
    operationId: 'createCardholder',
    description:
      'Creates the person cards are issued to; cards, limits and rewards can then be scoped to them.',
    service: '94',
    tag: 'Cardholders',
    summary: 'Create a cardholder',
    guards: g.write,
    body: cardholderCreate,
    response: z.object({ cardholder: cardholderView }),
    handler: async ({ req, body }) => ({ cardholder: await createCardholder(k, req.caller, body) }),
  });
  r.route({
    ...common,
    method: 'get',
    path: '/cardholders',
    operationId: 'listCardholders',
    description:
      "The business's cardholders, newest first, paged.",
    service: '94',
    tag: 'Cardholders',
    summary: 'List cardholders, newest first',
    guards: g.read,
    query: cardholderListQuery,
    response: z.object({ cardholders: z.array(cardholderView), ...page }),
    handler: ({ req, query }) => listCardholders(k, req.caller.businessId, query),
  });
  r.route({
    ...common,
    method: 'get',
    path: '/cardholders/:id',
    operationId: 'getCardholder',
    description:
      "One cardholder. 404xx01 when it is not the business's.",
    service: '94',
    tag: 'Cardholders',
    summary: 'Get a cardholder',
    guards: g.read,
    response: z.object({ cardholder: cardholderView }),
    handler: async ({ req }) => ({ cardholder: await getCardholder(k, req.caller.businessId, String(req.params.id)) }),
  });
  r.route({
    ...common,
    method: 'patch',
    path: '/cardholders/:id',
    operationId: 'updateCardholder',
    description:
      "Changes a cardholder's details or status; BLOCKED and INACTIVE cardholders' cards are declined. 404xx01 when it is not the business's.",
    service: '94',
    tag: 'Cardholders',
    summary: 'Update a cardholder (details, status ACTIVE/INACTIVE/BLOCKED, metadata)',
    guards: g.write,
    body: cardholderUpdate,
    response: z.object({ cardholder: cardholderView }),
    handler: async ({ req, body }) => ({ cardholder: await updateCardholder(k, req.caller, String(req.params.id), body) }),
  });

  r.route({
    ...common,
    method: 'post',
    path: '/cards',
    operationId: 'issueCard',
    description:
      "Issues a card to a cardholder with its spend controls. Send the same partnerReferenceNo again to find out whether an earlier try went through: 409xx01 with the existing card. 404xx11 for a cardholder that is not the business's; 403xx18 when the cardholder is not active.",
    service: '90',
    tag: 'Cards',
    summary: 'Issue a card (VIRTUAL and SINGLE_USE/MERCHANT_LOCKED start ACTIVE; PHYSICAL starts INACTIVE and ships)',
    guards: g.write,
    body: cardCreate,
    response: z.object({ card: cardView }),
    handler: async ({ req, body }) => ({ card: await issueCard(k, req.caller, body) }),
  });
  r.route({
    ...common,
    method: 'get',
    path: '/cards',
    operationId: 'listCards',
    description:
      "The business's cards, newest first, filtered and paged; partnerReferenceNo finds the card of one issue request.",
    service: '91',
    tag: 'Cards',
    summary: 'List cards, newest first, by cardholder, status, type, last4 or a search (q: cardholder name/email substring or last4)',
    guards: g.read,
    query: cardListQuery,
    response: z.object({ cards: z.array(cardView), ...page }),
    handler: ({ req, query }) => listCards(k, req.caller.businessId, query),
  });
  r.route({
    ...common,
    method: 'get',
    path: '/cards/:cardId',
    operationId: 'getCard',
    description:
      "One card with its controls, never its number. 404xx01 when it is not the business's.",
    service: '91',
    tag: 'Cards',
    summary: 'Get a card (last4 only; the number is shown only by reveal)',
    guards: g.read,
    response: z.object({ card: cardView }),
    handler: async ({ req }) => ({ card: await getCard(k, req.caller.businessId, String(req.params.cardId)) }),
  });
  r.route({
    ...common,
    method: 'patch',
    path: '/cards/:cardId',
    operationId: 'updateCard',
    description:
      "Freezes, unfreezes or terminates a card, or changes its spend controls or metadata. 403xx15 for a status change the card's state does not allow (e.g. from TERMINATED).",
    service: '92',
    tag: 'Cards',
    summary: 'Update status (ACTIVE ↔ FROZEN, TERMINATED is final), spend controls or metadata',
    guards: g.write,
    body: cardUpdate,
    response: z.object({ card: cardView }),
    handler: async ({ req, body }) => ({ card: await updateCard(k, req.caller, String(req.params.cardId), body) }),
  });
  r.route({
    ...common,
    method: 'post',
    path: '/cards/:cardId/activate',
    operationId: 'activateCard',
    description:
      'Activates a delivered physical card so it can be used. 403xx15 when the card is not INACTIVE.',
    service: '92',
    tag: 'Cards',
    summary: 'Activate an INACTIVE (physical) card',
    guards: g.write,
    response: z.object({ card: cardView }),
    handler: async ({ req }) => ({ card: await activateCard(k, req.caller, String(req.params.cardId)) }),
  });
  r.route({
    ...common,
    method: 'post',
    path: '/cards/:cardId/pin',
    operationId: 'setCardPin',
    description:
      "Sets or changes the card's PIN; changing needs the current one (400xx01 on currentPin when it does not match).",
    service: '92',
    tag: 'Cards',
    summary: 'Set the PIN (4–6 digits), or change it with currentPin',
    guards: g.write,
    body: pinInput,
    response: z.object({ card: cardView }),
    handler: async ({ req, body }) => ({ card: await setPin(k, req.caller, String(req.params.cardId), body) }),
  });
  r.route({
    ...common,
    method: 'post',
    path: '/cards/:cardId/reveal',
    secretInAnswer: true,
    operationId: 'revealCard',
    description:
      'Shows the full card number, CVV and expiry for the cardholder to use; every reveal is audited. 403xx01 for callers not allowed to reveal.',
    service: '93',
    tag: 'Cards',
    summary: 'Reveal number, CVV and expiry (audited; partner clients, and owners on the admin API)',
    guards: g.reveal,
    response: z.object({ card: revealedCard }),
    handler: async ({ req }) => ({ card: await revealCard(k, req.caller, String(req.params.cardId)) }),
  });

  if (g.sandbox) {
    r.route({
      ...common,
      method: 'post',
      path: '/simulate/cards/:cardId/shipping',
      operationId: 'simulateCardShipping',
      description:
        "Moves a physical card's shipment one step, as the card bureau would, so the shipping webhooks can be tried. Sandbox only (403xx01 in production).",
      service: '96',
      tag: 'Sandbox simulation',
      summary: "Advance a physical card's shipment: pending → shipped → delivered | returned | failure (sandbox only)",
      guards: [sandboxOnly(k), ...g.write],
      body: shippingAdvance,
      response: z.object({ card: cardView }),
      handler: async ({ req, body }) => ({ card: await advanceShipping(k, req.caller, String(req.params.cardId), body) }),
    });
  }
}
