import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';
import { snapHeaders } from '../access/snap-auth';
import { balanceQuery, balanceView, entryView, historyQuery, programInput, programView, redeemInput, redemptionView } from './rewards.schemas';
import { NotFound } from '../../platform/errors';
import { findProgram, getBalance, listEntries, putProgram, redeem } from './rewards.service';

const page = { pageNumber: z.number(), pageSize: z.number(), totalCount: z.number() };

/** One surface's rewards routes (as for policies): who may do what, and how "no program" answers. */
export interface RewardsGuards {
  read: RequestHandler[];
  write: RequestHandler[];
  security: string[];
  headers?: z.ZodObject;
  /**
   * GET /rewards/program of a business without a program: `404xx01` for partners (API.md), or
   * `{program: null}` for the dashboard, where "none yet" is a state of the page, not an error.
   */
  noProgram: 'notFound' | 'null';
}

/** The partner API's guards: every route needs the SNAP signature and its headers. */
export const partnerRewardsGuards = (partnerGuard: RequestHandler): RewardsGuards => ({
  read: [partnerGuard],
  write: [partnerGuard],
  security: ['snapB2B'],
  headers: snapHeaders,
  noProgram: 'notFound',
});

/**
 * Rewards (SNAP service 98, docs/rewards.md): program, balances, history, redemption. Mounted on the
 * partner API and on the admin API with the same handlers, scoped by the caller's business.
 */
export function rewardsRoutes(k: Kartu, r: ApiRouter, g: RewardsGuards): void {
  const common = { service: '98', tag: 'Rewards', security: g.security, headers: g.headers };
  const read = { ...common, guards: g.read };
  const write = { ...common, guards: g.write };

  r.route({
    ...write,
    method: 'put',
    path: '/rewards/program',
    operationId: 'putRewardsProgram',
    description:
      'Sets the rules by which cardholders earn points on purchases. Replacing the program applies to purchases from then on; earned points stay.',
    summary: "Create or replace the business's rewards program (earn rate, point value, cashback, category multipliers, tiers, promotions, rules)",
    body: programInput,
    response: z.object({ program: programView }),
    handler: async ({ req, body }) => ({ program: await putProgram(k, req.caller, body) }),
  });
  r.route({
    ...read,
    method: 'get',
    path: '/rewards/program',
    operationId: 'getRewardsProgram',
    ...(g.noProgram === 'notFound'
      ? {
          description: 'The rewards program in force. 404xx01 when the business has none.',
          summary: "The business's rewards program (404xx01 when there is none)",
          response: z.object({ program: programView }),
        }
      : {
          description: 'The rewards program in force; `program` is null when the business has none yet.',
          summary: "The business's rewards program (null when there is none)",
          response: z.object({ program: programView.nullable() }),
        }),
    handler: async ({ req }) => {
      const program = await findProgram(k, req.caller.businessId);
      if (!program && g.noProgram === 'notFound') throw new NotFound('Rewards program not found');
      return { program };
    },
  });
  r.route({
    ...read,
    method: 'get',
    path: '/rewards/balance',
    operationId: 'getRewardsBalance',
    description:
      "Points of a cardholder (404xx11 when not the business's), or the business's total points and what they are worth.",
    summary: "A cardholder's points and their cashback value; without cardholderId the business's total and its ledger liability",
    query: balanceQuery,
    response: z.object({ balance: balanceView }),
    handler: async ({ req, query }) => ({ balance: await getBalance(k, req.caller.businessId, query.cardholderId) }),
  });
  r.route({
    ...read,
    method: 'get',
    path: '/rewards/history',
    operationId: 'listRewardsHistory',
    description:
      'The point movements of a cardholder or of the whole business, newest first, paged.',
    summary: 'Accruals, reversals and redemptions, newest first, of a cardholder or the business',
    query: historyQuery,
    response: z.object({ entries: z.array(entryView), ...page }),
    handler: ({ req, query }) => listEntries(k, req.caller.businessId, query),
  });
  r.route({
    ...write,
    method: 'post',
    path: '/rewards/redeem',
    operationId: 'redeemRewards',
    description:
      'Redeems points as cashback to the funding account. 403xx14 when the cardholder has fewer points than asked.',
    summary: "Turn a cardholder's points into cashback credited to the funding account (a ledger transfer from rewards_liability)",
    body: redeemInput,
    response: z.object({ redemption: redemptionView }),
    handler: async ({ req, body }) => ({ redemption: await redeem(k, req.caller, body) }),
  });
}
