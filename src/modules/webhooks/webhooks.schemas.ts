import { z } from 'zod';
import { isEventCursor } from '../events/event-cursor';
import { EVENT_TYPE_WILDCARDS, EVENT_TYPES } from '../events/event-types';
import { isoDateTime } from '../../platform/validation';

const KNOWN = new Set<string>(['*', ...EVENT_TYPES, ...EVENT_TYPE_WILDCARDS]);

const eventType = z
  .string()
  .max(100)
  .refine((t) => KNOWN.has(t), { message: `unknown event type: use "*", a prefix wildcard such as "card.*", or one of ${EVENT_TYPES.join(', ')}` });

/** http(s), a host, no user name or password in it. Where it may point is checked by the service (SSRF). */
const webhookUrl = z
  .string()
  .trim()
  .min(1)
  .max(2048)
  .superRefine((raw, ctx) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not a valid URL' });
      return;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') ctx.addIssue({ code: 'custom', message: 'must be an http or https URL' });
    else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not carry a user name or password' });
    else if (!url.hostname) ctx.addIssue({ code: 'custom', message: 'must name a host' });
  })
  .meta({ example: 'https://example.com/kartu/webhooks' });

const eventTypes = z
  .array(eventType)
  .min(1)
  .max(50)
  .transform((types) => (types.includes('*') ? ['*'] : [...new Set(types)]))
  .meta({ example: ['authorization.created', 'transaction.cleared'], description: '["*"] for every event, or the types (a prefix wildcard such as "card.*" too)' });

export const endpointCreate = z.strictObject({
  url: webhookUrl,
  eventTypes,
  enabled: z.boolean().optional(),
});

export const endpointUpdate = z
  .strictObject({
    url: webhookUrl.optional(),
    eventTypes: eventTypes.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((u) => Object.values(u).some((v) => v !== undefined), { path: ['enabled'], message: 'nothing to update: give enabled, url or eventTypes', params: { missing: true } });

const page = {
  pageSize: z.coerce.number().int().min(1).max(100).default(10),
  pageNumber: z.coerce.number().int().min(0).max(100_000).default(0),
};

export const endpointListQuery = z.strictObject({ ...page });

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'dead', 'cancelled'] as const;

export const deliveryListQuery = z.strictObject({
  status: z.enum(DELIVERY_STATUSES).optional(),
  eventId: z.uuid().optional(),
  ...page,
});


export const eventListQuery = z.strictObject({
  type: z.string().max(100).optional().meta({ description: 'Only events of this type' }),
  from: isoDateTime.optional().meta({ description: 'Events created at or after this time (oldest first)' }),
  to: isoDateTime.optional().meta({ description: 'Events created before this time' }),
  after: z
    .string()
    .refine((v) => v === 'start' || isEventCursor(v), { message: 'start, or a nextCursor' })
    .optional()
    .meta({
      description:
        'Catch up without gaps: `start`, then each answer\'s `nextCursor`. Pages in commit-safe order and never skips an event whose transaction committed late (pageNumber is ignored)',
    }),
  ...page,
});

export const redeliverInput = z
  .strictObject({
    eventId: z.uuid().optional().meta({ description: 'Redeliver this one event (whatever its delivery status)' }),
    since: isoDateTime.optional().meta({ description: 'Redeliver every delivery of this endpoint that failed (dead or cancelled) since this time' }),
  })
  .superRefine((b, ctx) => {
    if (b.eventId === undefined && b.since === undefined) ctx.addIssue({ code: 'custom', path: ['eventId'], message: 'give eventId or since', params: { missing: true } });
    else if (b.eventId !== undefined && b.since !== undefined) ctx.addIssue({ code: 'custom', path: ['since'], message: 'give eventId or since, not both' });
  });

export const endpointView = z.object({
  id: z.string(),
  url: z.string(),
  eventTypes: z.array(z.string()),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const createdEndpointView = endpointView.extend({
  secret: z.string().meta({ description: 'Signs Kartu-Signature; shown only in this answer' }),
});

export const attemptView = z.object({
  attemptedAt: z.string(),
  outcome: z.enum(['succeeded', 'failed']),
  httpStatus: z.number().nullable(),
  latencyMs: z.number(),
  error: z.string().nullable(),
  responseExcerpt: z.string().nullable(),
});

export const deliveryView = z.object({
  id: z.string(),
  endpointId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attemptCount: z.number(),
  lastAttemptAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  lastHttpStatus: z.number().nullable(),
  lastError: z.string().nullable(),
  succeededAt: z.string().nullable(),
  createdAt: z.string(),
  attempts: z.array(attemptView),
});

export const eventView = z.object({
  id: z.string(),
  type: z.string(),
  createdAt: z.string(),
  data: z.record(z.string(), z.unknown()),
});
