import { z } from 'zod';
import { MINOR_UNITS } from '../../platform/money';

/** Shapes of the dashboard's own policy routes (admin-policies.routes.ts). */

export const policyActivityQuery = z.strictObject({});

export const policyActivityView = z.object({
  policyId: z.string(),
  declines: z.number().meta({ description: 'Authorizations its enforced version declined (its decline was the answer)' }),
  reviews: z.number().meta({ description: 'Approvals its enforced version put under review' }),
  shadowDeclines: z.number().meta({ description: 'Authorizations its shadow version would have declined' }),
  shadowReviews: z.number().meta({ description: 'Authorizations its shadow version would have reviewed' }),
});

export const shadowResultsQuery = z.strictObject({
  versionId: z.uuid().optional().meta({ description: "A version of the policy (default: its current shadow version)" }),
});

const shadowExample = z.object({
  authorizationId: z.string(),
  createdAt: z.string(),
  cardId: z.string(),
  amount: z.string().meta({ description: `Requested amount, ${MINOR_UNITS}` }),
  currency: z.string(),
  merchant: z.object({ id: z.string().nullable(), name: z.string().nullable(), mcc: z.string().nullable(), country: z.string().nullable() }),
  enforced: z.object({ decision: z.enum(['approved', 'partial', 'declined']), responseCode: z.string(), reason: z.string() }).meta({ description: 'What was decided for real' }),
  shadow: z.array(z.object({ type: z.enum(['decline', 'review']), rule: z.string(), reason: z.string(), responseCode: z.string().nullable() })),
});

export const shadowResultsView = z.object({
  policyId: z.string(),
  versionId: z.string(),
  versionNumber: z.number(),
  current: z.boolean().meta({ description: "The version is the policy's shadow version now" }),
  since: z.string().meta({ description: 'When the version was created: results are counted from then' }),
  until: z.string(),
  counts: z.object({
    declines: z.number(),
    reviews: z.number(),
    declinedAnyway: z.number().meta({ description: 'Of the would-be declines, those that were declined anyway (by another step or policy)' }),
  }),
  examples: z.array(shadowExample).meta({ description: 'The newest authorizations it would have declined or reviewed (at most 10)' }),
});

export const backtestListQuery = z.strictObject({
  pageSize: z.coerce.number().int().min(1).max(50).default(10),
});
