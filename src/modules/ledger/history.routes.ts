import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import { InvalidFieldFormat, NotFound } from '../../platform/errors';
import type { ApiRouter } from '../../platform/http';
import { parseSnapTimestamp } from '../../platform/snap-time';
import { snapHeaders } from '../access/snap-auth';
import { findHistoryRecord, listHistory } from './history.service';

const DEFAULT_DAYS = 30;

const amount = z.object({ value: z.string(), currency: z.string() });

const snapTimestamp = z.string().max(35).meta({ example: '2026-11-21T10:55:00+07:00', description: 'yyyy-MM-ddTHH:mm:ss with an offset (or Z)' });

/** A whole number, as a JSON number or a string of digits (SNAP clients send both). */
const wholeNumber = (min: number, max: number, fallback: number) =>
  z
    .union([z.int(), z.string().regex(/^\d{1,9}$/, { message: 'a whole number' })])
    .transform(Number)
    .pipe(z.int().min(min).max(max))
    .default(fallback);

const listRequest = z.strictObject({
  partnerReferenceNo: z.string().max(64).optional(),
  fromDateTime: snapTimestamp.optional().meta({ description: `Start of the range, inclusive (default: ${DEFAULT_DAYS} days before toDateTime)` }),
  toDateTime: snapTimestamp.optional().meta({ description: 'End of the range, inclusive (default: now); at most one calendar month after fromDateTime' }),
  pageSize: wholeNumber(1, 50, 10).meta({ description: 'Records per page, 1–50 (default 10)' }),
  pageNumber: wholeNumber(0, 100_000, 0).meta({ description: 'Page, from 0 (default 0)' }),
  additionalInfo: z.record(z.string(), z.unknown()).optional(),
});

const detailRequest = z.strictObject({
  originalPartnerReferenceNo: z
    .string()
    .max(64)
    .refine((s) => s.trim().length > 0, { params: { missing: true } })
    .meta({ description: 'The referenceNo of a record of the transaction history list' }),
  additionalInfo: z.record(z.string(), z.unknown()).optional(),
});

/** A record of the transaction history (SNAP 12 / 13; the admin API's GET /transactions). */
export const historyRecord = z.object({
  referenceNo: z.string().meta({ description: 'Kartu id of the transaction: the funding transfer, the authorization, or the posted transfer of a forced clearing or refund' }),
  dateTime: z.string().meta({ example: '2026-11-21T10:55:00+07:00' }),
  amount: amount.meta({ description: 'Top-up or refund credited; a purchase: what was cleared once SUCCESS, what was approved otherwise' }),
  remark: z.string().meta({ description: 'The merchant name for card purchases' }),
  status: z.enum(['INIT', 'SUCCESS', 'CLOSED', 'CANCELLED']).meta({ description: 'INIT: the hold is open; SUCCESS: cleared or credited; CANCELLED: reversed in full or expired' }),
  type: z.enum(['PAYMENT', 'REFUND', 'TOP_UP', 'CASHBACK']),
  additionalInfo: z.record(z.string(), z.unknown()).meta({
    description:
      'Purchases: cardId, last4, merchant {id, name, mcc, city, country}, authorizationId, authorizationCode, responseCode, approvedAmount, heldAmount, clearedAmount, reversedAmount, incrementalAuthorizations. Forced clearings and refunds: cardId, last4, networkReferenceNo',
  }),
});

const listResponse = z.object({
  referenceNo: z.string(),
  partnerReferenceNo: z.string().optional(),
  detailData: z.array(historyRecord),
  pageNumber: z.number(),
  pageSize: z.number(),
  totalCount: z.number(),
});

const detailResponse = historyRecord.extend({ refundAmount: amount.optional().meta({ description: 'Refunds: the amount credited' }) });

/** `at` plus one calendar month in Jakarta time, the day clamped to the month's last (Jan 31 → Feb 28). */
function oneMonthAfter(at: Date): Date {
  const jakarta = new Date(at.getTime() + 7 * 3600_000);
  const y = jakarta.getUTCFullYear();
  const m = jakarta.getUTCMonth() + 1;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const moved = Date.UTC(y, m, Math.min(jakarta.getUTCDate(), lastDay), jakarta.getUTCHours(), jakarta.getUTCMinutes(), jakarta.getUTCSeconds(), jakarta.getUTCMilliseconds());
  return new Date(moved - 7 * 3600_000);
}

function timestampField(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const at = parseSnapTimestamp(value);
  if (!at) throw new InvalidFieldFormat(field, 'a SNAP timestamp such as 2026-11-21T10:55:00+07:00');
  return at;
}

/** Transaction history list (SNAP 12) and detail (13) of the business funding account. */
export function historyRoutes(k: Kartu, snap: ApiRouter, partnerGuard: RequestHandler): void {
  snap.route({
    method: 'post',
    path: '/transaction-history-list',
    operationId: 'listTransactionHistory',
    description:
      'The SNAP transaction history of the funding account, paged. 400xx01 for a range longer than a month.',
    service: '12',
    tag: 'Balances',
    summary:
      'Transaction history of the business funding account (SNAP service 12): top-ups, card purchases, forced clearings and refunds, newest first. The range is at most one calendar month; by default the last 30 days.',
    security: ['snapB2B'],
    headers: snapHeaders,
    guards: [partnerGuard],
    body: listRequest,
    response: listResponse,
    handler: async ({ req, body }) => {
      const from = timestampField(body.fromDateTime, 'fromDateTime');
      const given = timestampField(body.toDateTime, 'toDateTime');
      const to = given ?? k.clock.now();
      const start = from ?? new Date(to.getTime() - DEFAULT_DAYS * 86400_000);
      if (start > to) throw new InvalidFieldFormat(given ? 'toDateTime' : 'fromDateTime', 'toDateTime must not be before fromDateTime');
      if (to > oneMonthAfter(start)) throw new InvalidFieldFormat(given ? 'toDateTime' : 'fromDateTime', 'the range is at most one month');
      const page = await listHistory(k.db.manager, req.partner.businessId, { from: start, to, pageSize: body.pageSize, pageNumber: body.pageNumber });
      return {
        referenceNo: req.requestId,
        ...(body.partnerReferenceNo ? { partnerReferenceNo: body.partnerReferenceNo } : {}),
        // refundAmount belongs to the detail (13) only.
        detailData: page.records.map(({ refundAmount: _refund, ...item }) => item),
        pageNumber: body.pageNumber,
        pageSize: body.pageSize,
        totalCount: page.totalCount,
      };
    },
  });

  snap.route({
    method: 'post',
    path: '/transaction-history-detail',
    operationId: 'getTransactionHistoryDetail',
    description:
      'One transaction of the history list by its referenceNo. 404xx01 when there is none.',
    service: '13',
    tag: 'Balances',
    summary: 'One transaction of the business funding account by the referenceNo the history list gave it (SNAP service 13)',
    security: ['snapB2B'],
    headers: snapHeaders,
    guards: [partnerGuard],
    body: detailRequest,
    response: detailResponse,
    handler: async ({ req, body }) => {
      const found = await findHistoryRecord(k.db.manager, req.partner.businessId, body.originalPartnerReferenceNo.trim());
      if (!found) throw new NotFound();
      return found;
    },
  });
}
