import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import type { RequestHandler } from 'express';
import type { Kartu } from '../../context';
import { sendSnap } from '../../platform/http';
import { EVENTS_QUEUE } from './relay';
import { BACKTEST_QUEUE } from '../policies/backtest';

/** The queues bull-board shows. A module adding a queue adds its name here. */
export const BOARD_QUEUES: string[] = ['maintenance', EVENTS_QUEUE, 'webhooks', 'reports', BACKTEST_QUEUE];

export const QUEUE_BOARD_PATH = '/admin/queues';

/**
 * The board shows every business's jobs, so it is for the platform's operators: owners of
 * KARTU_OPERATOR_BUSINESS_IDS (in sandbox with none configured, every owner). The owner check is
 * the route's guard; this is the business half.
 */
export function operatesQueueBoard(k: Kartu, businessId: string): boolean {
  const operators = k.config.operatorBusinessIds;
  return (k.config.env === 'sandbox' && operators.length === 0) || operators.includes(businessId);
}

/** The board answers (not 503) while the api's Redis connection is ready. */
export function queueBoardReachable(k: Kartu): boolean {
  return k.redis?.status === 'ready';
}

/**
 * bull-board (mounted at /admin/queues behind the owner guard). It reads and manages the queues
 * through the api's own Redis connection and is built on first use; while Redis is unreachable it
 * answers 503 with a clear message instead of hanging.
 */
export function queueBoard(k: Kartu): RequestHandler {
  let router: RequestHandler | undefined;
  return (req, res, next) => {
    if (!queueBoardReachable(k)) {
      sendSnap(res, 503, '5030000', 'Queue dashboard unavailable: Redis is not reachable (events wait in the outbox until it returns)');
      return;
    }
    if (!router) {
      const adapter = new ExpressAdapter();
      adapter.setBasePath(QUEUE_BOARD_PATH);
      createBullBoard({
        // Read-only: the queues are every business's, and the board's users are one business's owners
        // (pausing, cleaning or retrying would act on other businesses' jobs).
        queues: BOARD_QUEUES.map((name) => new BullMQAdapter(new Queue(name, { connection: k.redis!, prefix: k.config.redisPrefix }), { readOnlyMode: true })),
        // @bull-board/express ships its own copy of @bull-board/api (a patch version apart): same shape, other declarations.
        serverAdapter: adapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
      });
      router = adapter.getRouter() as RequestHandler;
    }
    router(req, res, next);
  };
}
