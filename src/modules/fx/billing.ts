import type { FxRates } from './fx.service';
import { convertMinor, formatRate, impliedRate, parseRate, reciprocal } from './exchange-rate';

/** What a card is charged for a message in a merchant's currency, and how the two amounts were joined. */
export interface Billing {
  amount: bigint;
  currency: string;
  /** Set when the merchant's currency is not the card's. */
  foreign?: {
    merchantAmount: bigint;
    merchantCurrency: string;
    /** Units of the billing currency per unit of the merchant's, as a decimal string (null when the network sent none and it cannot be implied). */
    rate: string | null;
    source: 'network' | 'kartu';
    at: Date;
  };
}

export interface BillingInput {
  amount: number;
  currency: string;
  billingAmount?: number;
  billingCurrency?: string;
  conversionRate?: string;
}

/**
 * The billing side of a message to a card in `cardCurrency`: the network's (billingAmount, with its
 * rate or the one the amounts imply), the amount itself in the card's currency, or the merchant's
 * amount converted at Kartu's newest fresh rate (never below one minor unit). Null when a
 * conversion is needed and no fresh rate is known. A network billing currency other than the
 * card's is passed through: the decision declines it (05).
 */
export function billingOf(input: BillingInput, cardCurrency: string, rates: FxRates | undefined, now: Date): Billing | null {
  if (input.billingAmount !== undefined && input.billingCurrency !== undefined && input.billingCurrency !== input.currency) {
    const rate = input.conversionRate ? parseRate(input.conversionRate) : impliedRate(BigInt(input.amount), input.currency, BigInt(input.billingAmount), input.billingCurrency);
    return {
      amount: BigInt(input.billingAmount),
      currency: input.billingCurrency,
      foreign: { merchantAmount: BigInt(input.amount), merchantCurrency: input.currency, rate: rate ? formatRate(rate) : null, source: 'network', at: now },
    };
  }
  if (input.currency === cardCurrency) return { amount: BigInt(input.amount), currency: input.currency };
  const used = rates?.rateFor(input.currency, cardCurrency, now);
  if (!used) return null;
  const converted = convertMinor(BigInt(input.amount), input.currency, cardCurrency, used.rate, used.inverse);
  return {
    amount: converted > 0n ? converted : 1n,
    currency: cardCurrency,
    foreign: {
      merchantAmount: BigInt(input.amount),
      merchantCurrency: input.currency,
      rate: formatRate(used.inverse ? reciprocal(used.rate) : used.rate),
      source: 'kartu',
      at: used.asOf,
    },
  };
}

/** Whether a message needs Kartu's rates to find its billing side for a card in `cardCurrency`. */
export function needsRates(input: BillingInput, cardCurrency: string): boolean {
  return input.currency !== cardCurrency && input.billingAmount === undefined;
}
