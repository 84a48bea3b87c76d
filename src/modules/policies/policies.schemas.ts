import { z } from 'zod';
import { POLICY_LIMITS } from './rule-validation';
import { isoDateTime } from '../../platform/validation';
import { MINOR_UNITS } from '../../platform/money';

/**
 * Request and response shapes of the policy service (SNAP 95). Rules are checked beyond their JSON
 * shape by rule-validation.ts, which names the rule and path of a problem.
 */

export const POLICY_SCOPES = ['platform', 'business', 'cardholder', 'card'] as const;
export const POLICY_STATUSES = ['ACTIVE', 'DISABLED'] as const;
export const POLICY_MODES = ['enforce', 'shadow'] as const;

const ruleExample = {
  name: 'no-gambling-abroad',
  priority: 1,
  conditions: {
    all: [
      { fact: 'merchant', path: '$.mcc', operator: 'inMccGroup', value: ['gambling'] },
      { fact: 'merchant', path: '$.country', operator: 'notEqual', value: 'ID' },
    ],
  },
  event: { type: 'decline', params: { reason: 'gambling abroad', responseCode: '57' } },
};

export const rulesInput = z.array(z.unknown()).meta({
  description: `json-rules-engine rules (docs/policies.md): name, priority (1–${POLICY_LIMITS.priority}), conditions (all/any/not, ${POLICY_LIMITS.depth} levels, ${POLICY_LIMITS.conditionsPerRule} conditions), event {type: decline|review|approve, params: {reason, responseCode?}}; at most ${POLICY_LIMITS.rulesPerVersion} rules`,
  example: [ruleExample],
});

export const scopeInput = z
  .strictObject({
    type: z.enum(['business', 'cardholder', 'card']),
    id: z.uuid().optional().meta({ description: 'The cardholder or card id (not for business)' }),
  })
  .superRefine((s, ctx) => {
    if (s.type !== 'business' && !s.id) ctx.addIssue({ code: 'custom', path: ['id'], message: `a ${s.type} scope names its id`, params: { missing: true } });
    if (s.type === 'business' && s.id) ctx.addIssue({ code: 'custom', path: ['id'], message: 'a business scope has no id (it is your business)' });
  });

// Text PostgreSQL cannot store (NUL, unpaired surrogates) is refused for the whole body by
// parseJsonBody (platform/http.ts) before any schema runs.
const note = z.string().trim().min(1).max(500);
const policyName = z.string().trim().min(1).max(100);

export const policyCreate = z.strictObject({
  name: policyName,
  scope: scopeInput,
  mode: z.enum(POLICY_MODES).default('enforce'),
  rules: rulesInput,
  note: note.optional(),
});

export const versionCreate = z.strictObject({
  mode: z.enum(POLICY_MODES).default('enforce'),
  rules: rulesInput,
  note: note.optional(),
});

export const policyUpdate = z
  .strictObject({
    name: policyName.optional(),
    status: z.enum(POLICY_STATUSES).optional(),
    shadowVersionId: z.null().optional().meta({ description: 'null stops evaluating the shadow version' }),
  })
  .refine((u) => Object.values(u).some((v) => v !== undefined), {
    path: ['name'],
    message: 'nothing to update: give name, status or shadowVersionId',
    params: { missing: true },
  });

const pageQuery = {
  pageSize: z.coerce.number().int().min(1).max(100).default(10),
  pageNumber: z.coerce.number().int().min(0).max(100_000).default(0),
};

export const policyListQuery = z.strictObject({
  scopeType: z.enum(POLICY_SCOPES).optional(),
  scopeId: z.uuid().optional(),
  status: z.enum(POLICY_STATUSES).optional(),
  ...pageQuery,
});

export const versionListQuery = z.strictObject(pageQuery);

const num = z.number();
/** A sample authorization as facts (docs/policies.md); what is left out takes a quiet default. */
export const sampleFacts = z.strictObject({
  transaction: z.strictObject({
    amount: num.min(0).meta({ description: `Amount charged to the card, in its currency, in ${MINOR_UNITS}`, example: 75_000_000 }),
    currency: z.string().regex(/^[A-Z]{3}$/).optional().meta({ description: "The card's currency (default: the business's)" }),
    merchantAmount: num.min(0).optional().meta({ description: `The merchant's amount (default: amount), in ${MINOR_UNITS}` }),
    merchantCurrency: z.string().regex(/^[A-Z]{3}$/).optional().meta({ description: 'The merchant currency (default: currency)' }),
    entryMode: z.string().max(40).nullable().optional(),
    cardPresent: z.boolean().optional(),
    hour: z.number().int().min(0).max(23).optional(),
    weekday: z.number().int().min(1).max(7).optional(),
  }),
  merchant: z.strictObject({
    id: z.string().max(64).optional(),
    name: z.string().max(100).optional(),
    mcc: z.string().regex(/^\d{4}$/),
    mccGroups: z.array(z.string().max(64)).max(50).optional(),
    city: z.string().max(100).nullable().optional(),
    country: z.string().regex(/^[A-Z]{2}$/),
  }),
  card: z
    .strictObject({
      type: z.string().max(20).optional(),
      ageDays: num.min(0).optional(),
      status: z.string().max(20).optional(),
    })
    .optional(),
  cardholder: z
    .strictObject({
      relationshipDays: num.min(0).optional(),
      tags: z.array(z.string().max(64)).max(50).optional(),
    })
    .optional(),
  velocity: z
    .strictObject({
      approvedCount15m: num.optional(),
      approvedAmount15m: num.optional().meta({ description: MINOR_UNITS }),
      approvedCount1h: num.optional(),
      approvedAmount1h: num.optional().meta({ description: MINOR_UNITS }),
      approvedCount24h: num.optional(),
      approvedAmount24h: num.optional().meta({ description: MINOR_UNITS }),
      declinedCount1h: num.optional(),
      distinctCountries24h: num.optional(),
      isNewMerchant: z.boolean().optional(),
      isNewCountry: z.boolean().optional(),
      amountZScore: num.nullable().optional(),
      secondsSinceLastTransaction: num.nullable().optional(),
    })
    .optional(),
});

export const policyTest = z
  .strictObject({
    rules: rulesInput.optional(),
    policyId: z.uuid().optional(),
    versionId: z.uuid().optional().meta({ description: "A stored version of policyId (default: the policy's enforced version)" }),
    facts: sampleFacts,
  })
  .superRefine((t, ctx) => {
    if (!t.rules && !t.policyId) ctx.addIssue({ code: 'custom', path: ['rules'], message: 'give rules, or policyId (and versionId)', params: { missing: true } });
    if (t.rules && (t.policyId || t.versionId)) ctx.addIssue({ code: 'custom', path: ['policyId'], message: 'give rules or a stored version, not both' });
    if (t.versionId && !t.policyId) ctx.addIssue({ code: 'custom', path: ['policyId'], message: 'versionId needs its policyId', params: { missing: true } });
  });

export const backtestCreate = z.strictObject({
  versionId: z.uuid(),
  fromDateTime: isoDateTime.meta({ example: '2026-01-01T00:00:00+07:00', description: 'Start of the range, inclusive' }),
  toDateTime: isoDateTime.meta({ example: '2026-02-01T00:00:00+07:00', description: 'End of the range, exclusive: consecutive ranges never replay an authorization twice' }),
});

const author = z.object({ type: z.string(), id: z.string().nullable() });

export const versionView = z.object({
  id: z.string(),
  policyId: z.string(),
  number: z.number(),
  mode: z.enum(POLICY_MODES),
  rules: z.array(z.unknown()),
  note: z.string().nullable(),
  author,
  createdAt: z.string(),
  /** This version is the policy's enforced one, or its shadow one, now. */
  active: z.boolean(),
  shadow: z.boolean(),
});

export const policyView = z.object({
  id: z.string(),
  name: z.string(),
  scope: z.object({ type: z.enum(POLICY_SCOPES), id: z.string().nullable() }),
  status: z.enum(POLICY_STATUSES),
  activeVersionId: z.string().nullable(),
  shadowVersionId: z.string().nullable(),
  activeVersion: versionView.nullable(),
  shadowVersion: versionView.nullable(),
  versionCount: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const eventView = z.object({ type: z.enum(['decline', 'review', 'approve']), rule: z.string(), reason: z.string(), responseCode: z.string().optional() });

export const testResult = z.object({
  decision: z
    .object({
      type: z.enum(['decline', 'review', 'approve', 'none']).meta({ description: 'decline if any rule declines, else review, else approve; none when no rule matched' }),
      responseCode: z.string().nullable().meta({ description: 'ISO 8583 code of the decline' }),
      reason: z.string().nullable(),
      rule: z.string().nullable(),
    }),
  mode: z.enum(POLICY_MODES),
  events: z.array(eventView),
  trace: z.array(z.record(z.string(), z.unknown())),
  facts: z.record(z.string(), z.unknown()),
  /** The compiled (hot path) evaluator reached the same events as json-rules-engine. */
  compiledAgrees: z.boolean(),
  version: versionView.nullable(),
});

export const backtestView = z.object({
  id: z.string(),
  policyId: z.string(),
  versionId: z.string(),
  fromDateTime: z.string(),
  toDateTime: z.string(),
  status: z.enum(['queued', 'running', 'completed', 'failed']),
  progress: z.object({ processed: z.number(), total: z.number().nullable() }),
  report: z.record(z.string(), z.unknown()).nullable().meta({ description: `Totals, changed decisions with examples (each example's amount is a string of ${MINOR_UNITS}) and counts by rule` }),
  error: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
});
