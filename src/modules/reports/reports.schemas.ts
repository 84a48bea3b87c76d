import { z } from 'zod';
import { isoDate } from '../../platform/validation';

export const REPORT_TYPES = ['spend_by_category', 'spend_by_cardholder', 'spend_by_merchant', 'spend_by_card', 'monthly_statement'] as const;
export type ReportType = (typeof REPORT_TYPES)[number];
export const REPORT_FORMATS = ['csv', 'pdf'] as const;
export const REPORT_STATUSES = ['queued', 'running', 'done', 'failed'] as const;

/** The longest period one report covers. */
export const MAX_REPORT_DAYS = 366;


export const reportCreate = z.strictObject({
  type: z.enum(REPORT_TYPES),
  fromDate: isoDate.meta({ example: '2026-11-01', description: 'First day, inclusive, in the business time zone' }),
  toDate: isoDate.meta({ example: '2026-11-30', description: `Last day, inclusive; at most ${MAX_REPORT_DAYS} days after fromDate` }),
  format: z.enum(REPORT_FORMATS).default('csv'),
});

export const reportView = z.object({
  id: z.string(),
  type: z.enum(REPORT_TYPES),
  format: z.enum(REPORT_FORMATS),
  fromDate: z.string(),
  toDate: z.string(),
  timeZone: z.string(),
  status: z.enum(REPORT_STATUSES),
  progress: z.number().meta({ description: '0–100' }),
  requestedBy: z.string().meta({ description: 'partner | admin | schedule' }),
  error: z.string().nullable(),
  file: z
    .object({ url: z.string(), contentType: z.string(), fileName: z.string(), size: z.number() })
    .nullable()
    .meta({ description: 'Once done: GET url downloads it, on the API the report was asked on (a partner call is signed as every other)' }),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
});

export const reportListQuery = z.strictObject({
  type: z.enum(REPORT_TYPES).optional(),
  status: z.enum(REPORT_STATUSES).optional(),
  pageSize: z.coerce.number().int().min(1).max(100).default(10),
  pageNumber: z.coerce.number().int().min(0).max(100_000).default(0),
});

const amount = z.object({ value: z.string(), currency: z.string() });

export const summaryView = z.object({
  date: z.string().meta({ description: "Today in the business's time zone" }),
  timeZone: z.string(),
  asOf: z.string(),
  spend: amount.meta({ description: 'Cleared purchases posted today (ledger)' }),
  purchases: z.number(),
  refunds: amount,
  authorizations: z.object({ approved: z.number(), declined: z.number(), approvedAmount: amount }),
  topCategories: z.array(z.object({ category: z.string(), amount, count: z.number() })).meta({ description: "Today's approved authorizations by MCC group, top 5" }),
  declinesByReason: z.array(z.object({ responseCode: z.string(), reason: z.string(), count: z.number() })),
});
