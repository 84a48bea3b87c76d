import { mccGroupsOf } from '../controls/mcc-groups';
import { MINOR_UNITS } from '../../platform/money';

/**
 * The facts a policy rule can read (docs/policies.md lists each with an example). A rule names a
 * fact object and a property path: `{"fact": "transaction", "path": "$.amount", ...}`. The catalog
 * below is what rule validation checks against, what both evaluators read, and what
 * `buildPolicyFacts` produces — facts are built one way everywhere. Amounts are ISO 4217 minor units as JSON
 * numbers (exact: network amounts are at most 1e15).
 */

export type FactType = 'number' | 'string' | 'boolean' | 'string[]';

export interface FactSpec {
  type: FactType;
  /** May be null (e.g. no history yet): comparisons with null are false, as in json-rules-engine. */
  nullable?: boolean;
  /** Values are ISO 3166-1 alpha-2 codes (inCountries applies). */
  country?: boolean;
  /** Values are MCCs (inMccGroup / notInMccGroup apply). */
  mcc?: boolean;
  description: string;
  example: unknown;
}

export const FACT_CATALOG = {
  transaction: {
    amount: { type: 'number', description: `Amount charged to the card, in its currency (the merchant's amount converted when the merchant charges another currency), in ${MINOR_UNITS}`, example: 250_000_000 },
    currency: { type: 'string', description: "The card's currency (ISO 4217)", example: 'IDR' },
    billingAmount: { type: 'number', description: `The same as amount (the name rules written before merchantAmount use), in ${MINOR_UNITS}`, example: 250_000_000 },
    billingCurrency: { type: 'string', description: 'The same as currency', example: 'IDR' },
    merchantAmount: { type: 'number', description: `The merchant's amount in merchantCurrency, in ${MINOR_UNITS} (equal to amount for a purchase in the card's currency)`, example: 1_550_00 },
    merchantCurrency: { type: 'string', description: "The merchant's currency (ISO 4217)", example: 'USD' },
    entryMode: { type: 'string', nullable: true, description: 'chip, contactless, magstripe, manual, ecommerce, credential_on_file (null when the network sent none)', example: 'ecommerce' },
    cardPresent: { type: 'boolean', description: 'Whether the card was present (false when the network did not say)', example: false },
    hour: { type: 'number', description: 'Hour of day 0–23 in the business time zone', example: 2 },
    weekday: { type: 'number', description: 'ISO weekday 1 (Monday) – 7 (Sunday) in the business time zone', example: 6 },
  },
  merchant: {
    id: { type: 'string', description: "The network's merchant id", example: 'M-4411' },
    name: { type: 'string', description: 'Merchant name', example: 'Kopi Kenangan' },
    mcc: { type: 'string', mcc: true, description: 'ISO 18245 merchant category code', example: '5814' },
    mccGroups: { type: 'string[]', description: 'Groups of rules/mcc-groups.json containing the MCC', example: ['restaurants', 'fast_food'] },
    city: { type: 'string', nullable: true, description: 'Merchant city (null when absent)', example: 'Jakarta' },
    country: { type: 'string', country: true, description: 'ISO 3166-1 alpha-2', example: 'ID' },
  },
  card: {
    type: { type: 'string', description: 'VIRTUAL, PHYSICAL, SINGLE_USE, MERCHANT_LOCKED', example: 'VIRTUAL' },
    ageDays: { type: 'number', description: 'Whole days since the card was issued', example: 3 },
    status: { type: 'string', description: 'ACTIVE, INACTIVE, FROZEN, TERMINATED', example: 'ACTIVE' },
  },
  cardholder: {
    relationshipDays: { type: 'number', description: 'Whole days since the cardholder was created', example: 420 },
    tags: { type: 'string[]', description: "The cardholder's metadata.tags, split on commas (metadata values are strings); [] when absent", example: ['travel', 'vip'] },
  },
  velocity: {
    approvedCount15m: { type: 'number', description: 'Approved (or partial) authorizations of the card in the last 15 minutes', example: 1 },
    approvedAmount15m: { type: 'number', description: `Their approved amount, in ${MINOR_UNITS}`, example: 15_000_000 },
    approvedCount1h: { type: 'number', description: 'Approved authorizations in the last hour', example: 2 },
    approvedAmount1h: { type: 'number', description: `Their approved amount, in ${MINOR_UNITS}`, example: 30_000_000 },
    approvedCount24h: { type: 'number', description: 'Approved authorizations in the last 24 hours', example: 6 },
    approvedAmount24h: { type: 'number', description: `Their approved amount, in ${MINOR_UNITS}`, example: 120_000_000 },
    declinedCount1h: { type: 'number', description: 'Declined authorizations of the card in the last hour', example: 0 },
    distinctCountries24h: { type: 'number', description: 'Distinct merchant countries of approved authorizations in the last 24 hours', example: 1 },
    isNewMerchant: { type: 'boolean', description: 'No earlier approved authorization of the card at this merchant id', example: false },
    isNewCountry: { type: 'boolean', description: 'No earlier approved authorization of the card in this country', example: false },
    amountZScore: { type: 'number', nullable: true, description: "(amount − mean) / stddev of the card's approved amounts over 30 days; null with fewer than 5 of them or no spread", example: 0.4 },
    secondsSinceLastTransaction: { type: 'number', nullable: true, description: 'Seconds since the card’s previous authorization (any decision); null for the first', example: 5400 },
  },
} as const satisfies Record<string, Record<string, FactSpec>>;

export type FactName = keyof typeof FACT_CATALOG;
export const FACT_NAMES = Object.keys(FACT_CATALOG) as FactName[];

export type VelocityFactName = keyof typeof FACT_CATALOG.velocity;
/** The velocity facts in a fixed order: bit i of a VelocityMask stands for VELOCITY_FACT_NAMES[i]. */
export const VELOCITY_FACT_NAMES = Object.keys(FACT_CATALOG.velocity) as VelocityFactName[];
/** A set of velocity facts as bits (0: none); what the rules in scope read, what the history query computes. */
export type VelocityMask = number;
export const ALL_VELOCITY: VelocityMask = 2 ** VELOCITY_FACT_NAMES.length - 1;

/** The bit of a velocity property; every bit for a name outside the catalog (validation refuses those). */
export function velocityBit(property: string | undefined): VelocityMask {
  const i = property === undefined ? -1 : VELOCITY_FACT_NAMES.indexOf(property as VelocityFactName);
  return i < 0 ? ALL_VELOCITY : 2 ** i;
}

/** The facts of a mask, in catalog order. */
export function velocityFactsOf(mask: VelocityMask): VelocityFactName[] {
  return VELOCITY_FACT_NAMES.filter((_, i) => (mask & (2 ** i)) !== 0);
}

/** The mask of the velocity properties present in recorded facts. */
export function velocityMaskOf(velocity: unknown): VelocityMask {
  let mask = 0;
  if (velocity === null || typeof velocity !== 'object') return mask;
  VELOCITY_FACT_NAMES.forEach((name, i) => {
    if (Object.hasOwn(velocity, name)) mask |= 2 ** i;
  });
  return mask;
}

export function factSpec(fact: string, property: string): FactSpec | undefined {
  if (!Object.hasOwn(FACT_CATALOG, fact)) return undefined;
  const props = FACT_CATALOG[fact as FactName] as Record<string, FactSpec>;
  return Object.hasOwn(props, property) ? props[property] : undefined;
}

export interface TransactionFacts {
  amount: number;
  currency: string;
  billingAmount: number;
  billingCurrency: string;
  merchantAmount: number;
  merchantCurrency: string;
  entryMode: string | null;
  cardPresent: boolean;
  hour: number;
  weekday: number;
}
export interface MerchantFacts {
  id: string;
  name: string;
  mcc: string;
  mccGroups: string[];
  city: string | null;
  country: string;
}
export interface CardFacts {
  type: string;
  ageDays: number;
  status: string;
}
export interface CardholderFacts {
  relationshipDays: number;
  tags: string[];
}
export interface VelocityFacts {
  approvedCount15m: number;
  approvedAmount15m: number;
  approvedCount1h: number;
  approvedAmount1h: number;
  approvedCount24h: number;
  approvedAmount24h: number;
  declinedCount1h: number;
  distinctCountries24h: number;
  isNewMerchant: boolean;
  isNewCountry: boolean;
  amountZScore: number | null;
  secondsSinceLastTransaction: number | null;
}

/** Plain JSON, exactly what rules see (and what an authorization records under facts.policy). */
export interface PolicyFacts {
  transaction: TransactionFacts;
  merchant: MerchantFacts;
  card: CardFacts;
  cardholder: CardholderFacts;
  /**
   * Present only when a rule in scope reads a velocity fact and its outcome hangs on it, with just
   * the properties such rules read (PolicyRuntime.velocityNeeded).
   */
  velocity?: Partial<VelocityFacts>;
}

export interface PolicyFactsInput {
  /** What the card is charged, in its currency. */
  amount: bigint | number;
  currency: string;
  /** The merchant's amount and currency (default: amount and currency). */
  merchantAmount?: bigint | number;
  merchantCurrency?: string;
  pos?: { entryMode?: string | null; cardPresent?: boolean | null } | null;
  merchant: { id: string; name: string; mcc: string; city?: string | null; country: string };
  /** The MCC's groups if already computed (authorize does once); derived from the MCC otherwise. */
  merchantGroups?: readonly string[];
  card: { type: string; status: string; createdAt: Date | string };
  cardholder: { createdAt: Date | string; metadata?: Record<string, string> | null };
  timeZone: string;
  now: Date;
  velocity?: Partial<VelocityFacts>;
}

const DAY_MS = 86_400_000;
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const clocks = new Map<string, { formatter: Intl.DateTimeFormat; minute: number; hour: number; weekday: number }>();

/**
 * Hour (0–23) and ISO weekday (1 = Monday) of `now` in a time zone. Every zone's offset today is a
 * whole number of minutes, so both are the same throughout a UTC minute: Intl is asked once a minute
 * per zone, not once per authorization.
 */
export function localHourAndWeekday(now: Date, timeZone: string): { hour: number; weekday: number } {
  const minute = Math.floor(now.getTime() / 60_000);
  let clock = clocks.get(timeZone);
  if (!clock) {
    clock = { formatter: new Intl.DateTimeFormat('en-US', { timeZone, hour: '2-digit', hourCycle: 'h23', weekday: 'short' }), minute: NaN, hour: 0, weekday: 1 };
    clocks.set(timeZone, clock);
  }
  if (clock.minute !== minute) {
    let hour = 0;
    let weekday = 1;
    for (const part of clock.formatter.formatToParts(now)) {
      if (part.type === 'hour') hour = Number(part.value) % 24;
      else if (part.type === 'weekday') weekday = WEEKDAYS[part.value] ?? 1;
    }
    Object.assign(clock, { minute, hour, weekday });
  }
  return { hour: clock.hour, weekday: clock.weekday };
}

/** Cardholder tags from metadata.tags ("vip, travel" → ["vip", "travel"]). */
export function tagsOf(metadata: Record<string, string> | null | undefined): string[] {
  const raw = metadata?.tags;
  if (typeof raw !== 'string') return [];
  return raw
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

const days = (from: Date | string, now: Date) => Math.max(0, Math.floor((now.getTime() - new Date(from).getTime()) / DAY_MS));

/** Turns what an authorization knows into PolicyFacts. Pure: the same input gives the same facts. */
export function buildPolicyFacts(input: PolicyFactsInput): PolicyFacts {
  const { hour, weekday } = localHourAndWeekday(input.now, input.timeZone);
  const amount = Number(input.amount);
  const facts: PolicyFacts = {
    transaction: {
      amount,
      currency: input.currency,
      billingAmount: amount,
      billingCurrency: input.currency,
      merchantAmount: input.merchantAmount === undefined ? amount : Number(input.merchantAmount),
      merchantCurrency: input.merchantCurrency ?? input.currency,
      entryMode: input.pos?.entryMode ?? null,
      cardPresent: input.pos?.cardPresent ?? false,
      hour,
      weekday,
    },
    merchant: {
      id: input.merchant.id,
      name: input.merchant.name,
      mcc: input.merchant.mcc,
      mccGroups: input.merchantGroups ? [...input.merchantGroups] : mccGroupsOf(input.merchant.mcc),
      city: input.merchant.city ?? null,
      country: input.merchant.country,
    },
    card: { type: input.card.type, ageDays: days(input.card.createdAt, input.now), status: input.card.status },
    cardholder: { relationshipDays: days(input.cardholder.createdAt, input.now), tags: tagsOf(input.cardholder.metadata) },
  };
  if (input.velocity) facts.velocity = input.velocity;
  return facts;
}
