import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  actionForTarget,
  allowedActions,
  canShip,
  CARD_STATUSES,
  effectiveStatus,
  isExpired,
  nextStatus,
  type CardAction,
  type CardStatus,
  type ShippingStatus,
  type StoredCardStatus,
} from '../../src/modules/cards/card-state';

const ACTIONS: CardAction[] = ['activate', 'freeze', 'unfreeze', 'terminate'];
const SHIPPING: ShippingStatus[] = ['pending', 'shipped', 'delivered', 'returned', 'failure'];

/**
 * The lifecycle as issue 3 states it, written independently of card-state.ts as a list of edges:
 * INACTIVE → ACTIVE ↔ FROZEN, INACTIVE/ACTIVE/FROZEN/EXPIRED → TERMINATED (final).
 */
const EDGES: Array<[CardStatus, CardAction, StoredCardStatus]> = [
  ['INACTIVE', 'activate', 'ACTIVE'],
  ['ACTIVE', 'freeze', 'FROZEN'],
  ['FROZEN', 'unfreeze', 'ACTIVE'],
  ['INACTIVE', 'terminate', 'TERMINATED'],
  ['ACTIVE', 'terminate', 'TERMINATED'],
  ['FROZEN', 'terminate', 'TERMINATED'],
  ['EXPIRED', 'terminate', 'TERMINATED'],
];
function modelNext(status: CardStatus, action: CardAction): StoredCardStatus | undefined {
  return EDGES.find(([from, a]) => from === status && a === action)?.[2];
}

/** Shipping: pending → shipped → delivered | returned | failure; pending may fail too; the ends are final. */
const SHIPPING_EDGES = new Set(['pending>shipped', 'pending>failure', 'shipped>delivered', 'shipped>returned', 'shipped>failure']);

/** Expiry 12/2030: valid through 2030-12-31 23:59:59.999 in UTC+7, i.e. until 2030-12-31T17:00:00Z. */
const EXPIRY = { month: 12, year: 2030 };
const BEFORE_EXPIRY = new Date('2030-06-15T00:00:00Z');
const AFTER_EXPIRY = new Date('2030-12-31T17:00:00Z');

describe('transition table', () => {
  it('nextStatus equals the independent table for every (status, action)', () => {
    for (const status of CARD_STATUSES) {
      for (const action of ACTIONS) {
        expect(nextStatus(status, action), `${status} --${action}-->`).toBe(modelNext(status, action));
      }
    }
  });

  it('allowedActions lists exactly the actions nextStatus accepts', () => {
    for (const status of CARD_STATUSES) {
      const expected = ACTIONS.filter((a) => modelNext(status, a) !== undefined);
      expect([...allowedActions(status)].sort(), status).toEqual([...expected].sort());
    }
  });

  it('TERMINATED is absorbing: no action leaves it, whatever sequence is tried', () => {
    expect(allowedActions('TERMINATED')).toEqual([]);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ACTIONS), { maxLength: 30 }), (actions) => {
        for (const action of actions) expect(nextStatus('TERMINATED', action)).toBeUndefined();
      }),
    );
    // A terminated card stays TERMINATED after its expiry date too.
    expect(effectiveStatus('TERMINATED', EXPIRY.month, EXPIRY.year, AFTER_EXPIRY)).toBe('TERMINATED');
  });

  it('EXPIRED only allows terminate', () => {
    expect(allowedActions('EXPIRED')).toEqual(['terminate']);
    expect(nextStatus('EXPIRED', 'terminate')).toBe('TERMINATED');
    for (const action of ['activate', 'freeze', 'unfreeze'] as const) expect(nextStatus('EXPIRED', action)).toBeUndefined();
  });

  it('nextStatus never yields EXPIRED (it is derived from the date, not stored)', () => {
    for (const status of CARD_STATUSES) for (const action of ACTIONS) expect(nextStatus(status, action)).not.toBe('EXPIRED');
  });

  it('actionForTarget maps a PATCH target to the lifecycle action', () => {
    expect(actionForTarget('ACTIVE', 'FROZEN')).toBe('freeze');
    expect(actionForTarget('FROZEN', 'ACTIVE')).toBe('unfreeze');
    expect(actionForTarget('INACTIVE', 'ACTIVE')).toBe('activate');
    for (const s of CARD_STATUSES) expect(actionForTarget(s, 'TERMINATED')).toBe('terminate');
    // Asking for the state a card is already in is refused by the table, never a silent no-op.
    expect(nextStatus('ACTIVE', actionForTarget('ACTIVE', 'ACTIVE'))).toBeUndefined();
    expect(nextStatus('FROZEN', actionForTarget('FROZEN', 'FROZEN'))).toBeUndefined();
    expect(nextStatus('EXPIRED', actionForTarget('EXPIRED', 'ACTIVE'))).toBeUndefined();
    expect(nextStatus('EXPIRED', actionForTarget('EXPIRED', 'FROZEN'))).toBeUndefined();
  });
});

describe('state machine model test (fc.commands)', () => {
  /** The model: the status per the independent table, and whether the expiry date has passed. */
  interface Model {
    status: StoredCardStatus;
    expired: boolean;
    refusals: number;
  }
  /** The real system: stored status moved only by nextStatus, read through effectiveStatus at a clock. */
  interface Real {
    stored: StoredCardStatus;
    now: Date;
  }

  const modelView = (m: Model): CardStatus => (m.status !== 'TERMINATED' && m.expired ? 'EXPIRED' : m.status);

  class Act implements fc.Command<Model, Real> {
    constructor(readonly action: CardAction) {}
    check() {
      return true;
    }
    run(m: Model, r: Real) {
      const before = effectiveStatus(r.stored, EXPIRY.month, EXPIRY.year, r.now);
      expect(before).toBe(modelView(m));
      const expected = modelNext(modelView(m), this.action);
      const next = nextStatus(before, this.action);
      expect(next).toBe(expected);
      if (next) {
        r.stored = next;
        m.status = expected!;
      } else {
        m.refusals++;
      }
      expect(effectiveStatus(r.stored, EXPIRY.month, EXPIRY.year, r.now)).toBe(modelView(m));
    }
    toString() {
      return this.action;
    }
  }

  class PassExpiry implements fc.Command<Model, Real> {
    check(m: Readonly<Model>) {
      return !m.expired;
    }
    run(m: Model, r: Real) {
      r.now = AFTER_EXPIRY;
      m.expired = true;
      expect(effectiveStatus(r.stored, EXPIRY.month, EXPIRY.year, r.now)).toBe(modelView(m));
    }
    toString() {
      return 'expiry passes';
    }
  }

  const commands = [
    ...ACTIONS.map((a) => fc.constant(new Act(a))),
    fc.constant(new PassExpiry()),
  ];

  it('matches the model for random sequences from INACTIVE and from ACTIVE', () => {
    fc.assert(
      fc.property(fc.constantFrom<StoredCardStatus>('INACTIVE', 'ACTIVE'), fc.commands(commands, { maxCommands: 40 }), (start, cmds) => {
        fc.modelRun(() => ({ model: { status: start, expired: false, refusals: 0 }, real: { stored: start, now: BEFORE_EXPIRY } }), cmds);
      }),
      { numRuns: 1000 },
    );
  });

  it('every state is reachable and every status is visited by some sequence', () => {
    const seen = new Set<CardStatus>();
    fc.assert(
      fc.property(fc.commands(commands, { maxCommands: 20 }), (cmds) => {
        const model: Model = { status: 'INACTIVE', expired: false, refusals: 0 };
        const real: Real = { stored: 'INACTIVE', now: BEFORE_EXPIRY };
        for (const c of cmds) {
          if (!c.check(model)) continue;
          c.run(model, real);
          seen.add(effectiveStatus(real.stored, EXPIRY.month, EXPIRY.year, real.now));
        }
      }),
      { numRuns: 500, seed: 3 },
    );
    expect([...seen].sort()).toEqual([...CARD_STATUSES].sort());
  });
});

describe('isExpired (valid through the last day of the expiry month in UTC+7)', () => {
  it('11/2030 is valid until 2030-11-30T16:59:59.999Z and expired from 17:00:00Z', () => {
    expect(isExpired(11, 2030, new Date('2030-11-30T16:59:59Z'))).toBe(false);
    expect(isExpired(11, 2030, new Date('2030-11-30T16:59:59.999Z'))).toBe(false);
    expect(isExpired(11, 2030, new Date('2030-11-30T17:00:00Z'))).toBe(true);
    expect(isExpired(11, 2030, new Date('2030-12-01T00:00:00Z'))).toBe(true);
    // The first moment of the month in Jakarta is still valid, long before the end.
    expect(isExpired(11, 2030, new Date('2030-10-31T17:00:00Z'))).toBe(false);
    expect(isExpired(11, 2030, new Date('2020-01-01T00:00:00Z'))).toBe(false);
  });

  it('handles December (year rollover) and February (leap and common years)', () => {
    expect(isExpired(12, 2030, new Date('2030-12-31T16:59:59Z'))).toBe(false);
    expect(isExpired(12, 2030, new Date('2030-12-31T17:00:00Z'))).toBe(true);
    expect(isExpired(12, 2030, new Date('2031-06-01T00:00:00Z'))).toBe(true);
    expect(isExpired(2, 2028, new Date('2028-02-29T16:59:59Z'))).toBe(false);
    expect(isExpired(2, 2028, new Date('2028-02-29T17:00:00Z'))).toBe(true);
    expect(isExpired(2, 2029, new Date('2029-02-28T16:59:59Z'))).toBe(false);
    expect(isExpired(2, 2029, new Date('2029-02-28T17:00:00Z'))).toBe(true);
  });

  it('agrees with "now is at or after 00:00 UTC+7 on the 1st of the next month" for random instants', () => {
    const firstInvalidInstant = (month: number, year: number) => Date.UTC(year, month, 1) - 7 * 3600_000; // Date.UTC rolls month 12 into January
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 2000, max: 2090 }),
        fc.integer({ min: -3 * 86400_000, max: 3 * 86400_000 }),
        (month, year, offset) => {
          const boundary = firstInvalidInstant(month, year);
          const now = new Date(boundary + offset);
          expect(isExpired(month, year, now)).toBe(offset >= 0);
        },
      ),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2000, max: 2090 }), fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }), (month, year, now) => {
        expect(isExpired(month, year, now)).toBe(now.getTime() >= firstInvalidInstant(month, year));
      }),
      { numRuns: 2000 },
    );
  });

  it('effectiveStatus reads a live card past its expiry as EXPIRED, and a card before it as stored', () => {
    for (const stored of ['INACTIVE', 'ACTIVE', 'FROZEN'] as const) {
      expect(effectiveStatus(stored, 11, 2030, new Date('2030-11-30T16:59:59Z'))).toBe(stored);
      expect(effectiveStatus(stored, 11, 2030, new Date('2030-11-30T17:00:00Z'))).toBe('EXPIRED');
    }
  });
});

describe('canShip', () => {
  it('allows exactly pending → shipped | failure and shipped → delivered | returned | failure', () => {
    for (const from of SHIPPING) {
      for (const to of SHIPPING) {
        expect(canShip(from, to), `${from} → ${to}`).toBe(SHIPPING_EDGES.has(`${from}>${to}`));
      }
    }
  });

  it('delivered, returned and failure are final; nothing goes back to pending; no self-loops', () => {
    for (const end of ['delivered', 'returned', 'failure'] as const) for (const to of SHIPPING) expect(canShip(end, to)).toBe(false);
    for (const from of SHIPPING) {
      expect(canShip(from, 'pending')).toBe(false);
      expect(canShip(from, from)).toBe(false);
    }
  });

  it('any accepted walk from pending has at most two steps and ends where the model says', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...SHIPPING), { maxLength: 10 }), (attempts) => {
        let status: ShippingStatus = 'pending';
        let steps = 0;
        for (const to of attempts) {
          const allowed = SHIPPING_EDGES.has(`${status}>${to}`);
          expect(canShip(status, to)).toBe(allowed);
          if (allowed) {
            status = to;
            steps++;
          }
        }
        expect(steps).toBeLessThanOrEqual(2);
        if (steps === 2) expect(['delivered', 'returned', 'failure']).toContain(status);
      }),
      { numRuns: 1000 },
    );
  });
});
