// The rewards routes' answers (docs/rewards.md; /admin/v1/rewards/*), written by hand from the
// OpenAPI schemas (src/modules/rewards/rewards.schemas.ts).
import type { Money } from '../../api-types';

export interface RewardsRule {
  name?: string;
  priority?: number;
  conditions: Record<string, unknown>;
  event: { type: 'multiplier'; params: { multiplier: string } } | { type: 'bonus'; params: { points: number } };
}

export interface RewardsProgram {
  status: 'ACTIVE' | 'PAUSED';
  earnRate: { points: number; per: Money };
  pointValue: Money;
  cashbackPercent?: string;
  categoryMultipliers: Array<{ categories: string[]; multiplier: string }>;
  tiers: Array<{ name: string; minMonthlySpend: Money; multiplier: string }>;
  promotions: Array<{
    name: string;
    startDate: string;
    endDate: string;
    categories?: string[];
    birthdayMonth?: boolean;
    multiplier?: string;
    bonusPoints?: number;
  }>;
  rules: RewardsRule[];
  currency: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface RewardsBalance {
  cardholderId: string | null;
  points: number;
  value: Money;
  earnedPoints: number;
  reversedPoints: number;
  redeemedPoints: number;
  /** The business total only: the ledger's rewards_liability. */
  liability?: Money;
}

export interface CardholderBalance extends RewardsBalance {
  cardholderId: string;
  name: string;
  email: string;
}

export interface CardholderBalancePage {
  balances: CardholderBalance[];
  pageNumber: number;
  pageSize: number;
  totalCount: number;
}

export type RewardsEntryKind = 'accrual' | 'reversal' | 'redemption';

export interface RewardsEntry {
  id: string;
  kind: RewardsEntryKind;
  cardholderId: string;
  cardId: string | null;
  sourceId: string;
  points: number;
  value: Money;
  spendAmount: Money | null;
  merchant: { name?: string; mcc?: string } | null;
  breakdown: Record<string, unknown>;
  transferId: string | null;
  partnerReferenceNo: string | null;
  occurredAt: string;
}

export interface RewardsHistoryPage {
  entries: RewardsEntry[];
  pageNumber: number;
  pageSize: number;
  totalCount: number;
}

export interface Redemption {
  id: string;
  points: number;
  amount: Money;
  transferId: string;
  balance: RewardsBalance;
}
