import type { EventSubscriber } from '../events/subscribers';
import { accrueForClearing, reverseForRefund } from './rewards.service';

/**
 * Rewards react to committed purchases and refunds, in the event worker. Delivery is at least once;
 * both handlers are idempotent per card and network message (rewards_entries is unique on it).
 */
export const rewardsSubscriber: EventSubscriber = {
  name: 'rewards',
  types: ['transaction.cleared', 'transaction.refunded'],
  async handle(k, event) {
    if (event.type === 'transaction.cleared') return accrueForClearing(k, event);
    if (event.type === 'transaction.refunded') return reverseForRefund(k, event);
  },
};
