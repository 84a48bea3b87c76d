import { useQuery } from '@tanstack/react-query';
import { get } from '../../api';
import type { Money } from '../../api-types';
import type { Period } from './report-model';

// The admin API's reports (docs/reports.md): the spend overview, report jobs, monthly statements.

export const REPORT_TYPES = ['spend_by_category', 'spend_by_cardholder', 'spend_by_merchant', 'spend_by_card', 'monthly_statement'] as const;
export type ReportType = (typeof REPORT_TYPES)[number];
export const REPORT_FORMATS = ['csv', 'pdf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
export type ReportStatus = 'queued' | 'running' | 'done' | 'failed';

export interface Report {
  id: string;
  type: ReportType;
  format: ReportFormat;
  fromDate: string;
  toDate: string;
  timeZone: string;
  status: ReportStatus;
  progress: number;
  requestedBy: string;
  error: string | null;
  file: { url: string; contentType: string; fileName: string; size: number } | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

export interface Figures {
  purchases: number;
  spend: Money;
  refunds: number;
  refunded: Money;
  net: Money;
}

interface Grouped<T> {
  rowCount: number;
  rows: Array<T & Figures>;
}

export interface Spend {
  fromDate: string;
  toDate: string;
  timeZone: string;
  currency: string;
  totals: Figures;
  daily: Array<{ date: string; spend: Money; refunded: Money }>;
  byCategory: Grouped<{ category: string }>;
  byCardholder: Grouped<{ cardholderId: string | null; cardholderName: string | null }>;
  byMerchant: Grouped<{ merchantId: string | null; merchantName: string | null; mcc: string | null; category: string }>;
  byCard: Grouped<{ cardId: string | null; last4: string | null; cardholderName: string | null }>;
}

export interface Statement {
  month: string;
  fromDate: string;
  toDate: string;
  complete: boolean;
  report: Report | null;
}

export const isPending = (r: Report) => r.status === 'queued' || r.status === 'running';

export function useSpend(period: Period | undefined) {
  return useQuery({
    queryKey: ['spend', period],
    queryFn: ({ signal }) => get<{ spend: Spend }>('/spend', { fromDate: period!.fromDate, toDate: period!.toDate }, signal),
    enabled: period !== undefined,
  });
}

export function useReports() {
  return useQuery({ queryKey: ['reports'], queryFn: ({ signal }) => get<{ reports: Report[]; totalCount: number }>('/reports', { pageSize: 20 }, signal) });
}

/** One report, asked again every second while it is queued or running (its progress). */
export function useReportProgress(report: Report) {
  return useQuery({
    queryKey: ['report', report.id],
    queryFn: ({ signal }) => get<{ report: Report }>(`/reports/${report.id}`, undefined, signal),
    initialData: { report },
    enabled: isPending(report),
    refetchInterval: (q) => (q.state.data && isPending(q.state.data.report) ? 1000 : false),
  });
}

export function useStatements() {
  return useQuery({ queryKey: ['statements'], queryFn: ({ signal }) => get<{ statements: Statement[] }>('/statements', undefined, signal) });
}

/** The accounting export's address (a download, not a JSON call). */
export function accountingExportUrl(period: Period): string {
  return `/admin/v1/accounting-export?${new URLSearchParams({ fromDate: period.fromDate, toDate: period.toDate }).toString()}`;
}
