import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';
import { notificationKey } from './notification-key';
import {
  createdEndpointView,
  deliveryListQuery,
  deliveryView,
  endpointCreate,
  endpointListQuery,
  endpointUpdate,
  endpointView,
  eventListQuery,
  eventView,
  redeliverInput,
} from './webhooks.schemas';
import { createEndpoint, deleteEndpoint, getEndpoint, getEvent, listDeliveries, listEndpoints, listEvents, redeliver, updateEndpoint } from './webhooks.service';

/** Who may do what on one surface (the partner API: its signature; the admin API: roles). */
export interface WebhookGuards {
  read: RequestHandler[];
  write: RequestHandler[];
  security: string[];
  headers?: z.ZodObject;
  /** The partner surface also serves Kartu's notification public key (no authentication). */
  publicKey: boolean;
}

const SERVICE = '97';
const TAG = 'Webhooks';
const page = { pageNumber: z.number(), pageSize: z.number(), totalCount: z.number() };

/**
 * Webhook endpoints, their deliveries and redelivery, and the event list (SNAP service 97),
 * mounted on the partner API and on the admin API with the same handlers, scoped by the caller's
 * business. Nothing here touches Redis: the worker's relays pick up what these write.
 */
export function webhookRoutes(k: Kartu, r: ApiRouter, g: WebhookGuards): void {
  const common = { security: g.security, headers: g.headers, service: SERVICE, tag: TAG };

  r.route({
    ...common,
    method: 'post',
    path: '/webhook-endpoints',
    secretInAnswer: true,
    operationId: 'createWebhookEndpoint',
    description:
      "Registers a URL to receive the business's events, signed with Kartu-Signature. Keep the secret: it is not shown again.",
    summary: 'Create a webhook endpoint; the signing secret is in this answer only',
    guards: g.write,
    body: endpointCreate,
    response: z.object({ webhookEndpoint: createdEndpointView }),
    handler: async ({ req, body }) => ({ webhookEndpoint: await createEndpoint(k, req.caller, body) }),
  });
  r.route({
    ...common,
    method: 'get',
    path: '/webhook-endpoints',
    operationId: 'listWebhookEndpoints',
    description:
      "The business's webhook endpoints, newest first, without their secrets.",
    summary: 'List webhook endpoints, newest first',
    guards: g.read,
    query: endpointListQuery,
    response: z.object({ webhookEndpoints: z.array(endpointView), ...page }),
    handler: ({ req, query }) => listEndpoints(k, req.caller.businessId, query),
  });
  r.route({
    ...common,
    method: 'get',
    path: '/webhook-endpoints/:id',
    operationId: 'getWebhookEndpoint',
    description:
      "One webhook endpoint, without its secret. 404xx01 when it is not the business's.",
    summary: 'Get a webhook endpoint',
    guards: g.read,
    response: z.object({ webhookEndpoint: endpointView }),
    handler: async ({ req }) => ({ webhookEndpoint: await getEndpoint(k, req.caller.businessId, String(req.params.id)) }),
  });
  r.route({
    ...common,
    method: 'patch',
    path: '/webhook-endpoints/:id',
    operationId: 'updateWebhookEndpoint',
    description:
      "Changes an endpoint; disabling pauses its deliveries. 404xx01 when it is not the business's.",
    summary: 'Enable or disable a webhook endpoint, or change its URL or event types',
    guards: g.write,
    body: endpointUpdate,
    response: z.object({ webhookEndpoint: endpointView }),
    handler: async ({ req, body }) => ({ webhookEndpoint: await updateEndpoint(k, req.caller, String(req.params.id), body) }),
  });
  r.route({
    ...common,
    method: 'delete',
    path: '/webhook-endpoints/:id',
    operationId: 'deleteWebhookEndpoint',
    description:
      "Removes an endpoint for good. 404xx01 when it is not the business's.",
    summary: 'Delete a webhook endpoint (its pending deliveries are cancelled; their history stays)',
    guards: g.write,
    response: z.object({ webhookEndpoint: endpointView }),
    handler: async ({ req }) => ({ webhookEndpoint: await deleteEndpoint(k, req.caller, String(req.params.id)) }),
  });
  r.route({
    ...common,
    method: 'get',
    path: '/webhook-endpoints/:id/deliveries',
    operationId: 'listWebhookDeliveries',
    description:
      'What was sent to an endpoint and how it answered, to debug a receiver. 404xx01 for an unknown endpoint.',
    summary: "An endpoint's deliveries, newest first, with every attempt (status, latency, response excerpt)",
    guards: g.read,
    query: deliveryListQuery,
    response: z.object({ deliveries: z.array(deliveryView), ...page }),
    handler: ({ req, query }) => listDeliveries(k, req.caller.businessId, String(req.params.id), query),
  });
  r.route({
    ...common,
    method: 'post',
    path: '/webhook-endpoints/:id/redeliver',
    operationId: 'redeliverWebhookEvents',
    description:
      'Sends events again after a receiver was down or rejected them. 404xx01 for an unknown endpoint or event.',
    summary: 'Deliver one event again ({eventId}), or every dead or cancelled delivery since a time ({since}), with a fresh retry budget',
    guards: g.write,
    body: redeliverInput,
    response: z.object({ redelivered: z.number() }),
    handler: ({ req, body }) => redeliver(k, req.caller, String(req.params.id), body),
  });
  r.route({
    ...common,
    method: 'get',
    path: '/events',
    operationId: 'listEvents',
    description:
      "Polls the business's events: the same payloads as the webhooks, for catching up or for partners without a receiver.",
    summary: "The business's events, oldest first: by time, or without gaps by cursor (`after`)",
    guards: g.read,
    query: eventListQuery,
    response: z.object({
      events: z.array(eventView),
      ...page,
      nextCursor: z.string().nullable().meta({ description: 'With `after`: the cursor to ask for the next page with (the same one when nothing new has committed)' }),
    }),
    handler: ({ req, query }) => listEvents(k, req.caller.businessId, query),
  });
  r.route({
    ...common,
    method: 'get',
    path: '/events/:id',
    operationId: 'getEvent',
    description:
      "One event exactly as its webhook carries it. 404xx01 when it is not the business's.",
    summary: 'Get one event, as delivered',
    guards: g.read,
    response: z.object({ event: eventView }),
    handler: async ({ req }) => ({ event: await getEvent(k, req.caller.businessId, String(req.params.id)) }),
  });

  if (g.publicKey) {
    r.route({
      method: 'get',
      path: '/notification-public-key',
      operationId: 'getNotificationPublicKey',
      description:
        "The public key to verify the SNAP asymmetric signature of Kartu's webhook deliveries with.",
      service: SERVICE,
      tag: TAG,
      summary: "Kartu's notification public key: verifies the SNAP X-SIGNATURE (SHA256withRSA) on webhook deliveries",
      response: z.object({ publicKey: z.string().meta({ description: 'PEM (SPKI)' }), algorithm: z.literal('SHA256withRSA') }),
      handler: async () => ({ publicKey: (await notificationKey(k)).publicKeyPem, algorithm: 'SHA256withRSA' as const }),
    });
  }
}
