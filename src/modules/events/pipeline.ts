import type { Kartu } from '../../context';
import { createRedis } from '../../platform/redis';
import { createWebhooksQueue, DeliveryRelay, startDeliveryRelay, startDeliveryWorker } from '../webhooks/delivery';
import { createEventsQueue, startEventWorker } from './event-worker';
import { OutboxRelay, startOutboxRelay, type PollingLoop } from './relay';
import { subscribers as allSubscribers, type EventSubscriber } from './subscribers';

export interface EventPipeline {
  outboxRelay: OutboxRelay;
  deliveryRelay: DeliveryRelay;
  /** Stops the relays, lets in-flight jobs finish, closes the queues and connections. */
  close(): Promise<void>;
}

/**
 * Everything that moves events, run by `kartu worker` (and `kartu start`), never by the api:
 * outbox relay → events queue → event worker (subscribers, among them the webhook fan-out) →
 * webhook_deliveries → delivery relay → webhooks queue → delivery worker.
 * The relays use a connection without an offline queue, so with Redis down they fail fast and
 * retry (rows wait in PostgreSQL); the BullMQ workers reconnect on their own.
 */
export function startEventPipeline(k: Kartu, opts: { subscribers?: readonly EventSubscriber[] } = {}): EventPipeline {
  const relayRedis = createRedis(k.config.redisUrl, k.logger, 'relay');
  const workerConnection = { url: k.config.redisUrl, maxRetriesPerRequest: null };
  const eventsQueue = createEventsQueue(k, relayRedis);
  const webhooksQueue = createWebhooksQueue(k, relayRedis);
  const outboxRelay = new OutboxRelay(k, eventsQueue, relayRedis);
  const deliveryRelay = new DeliveryRelay(k, webhooksQueue, relayRedis);
  const eventWorker = startEventWorker(k, workerConnection, opts.subscribers ?? allSubscribers);
  const deliveryWorker = startDeliveryWorker(k, workerConnection);
  // The relays start once the connection is first up (or after 3 s), so a normal start logs no outage.
  let closing = false;
  let startNow: () => void = () => undefined;
  const loops = new Promise<PollingLoop[]>((resolve) => {
    const timer = setTimeout(() => startNow(), 3000);
    let started = false;
    startNow = () => {
      if (started) return;
      started = true;
      clearTimeout(timer);
      relayRedis.off('ready', startNow);
      resolve(closing ? [] : [startOutboxRelay(k, outboxRelay), startDeliveryRelay(k, deliveryRelay)]);
    };
    relayRedis.once('ready', startNow);
    if (relayRedis.status === 'ready') startNow();
  });
  return {
    outboxRelay,
    deliveryRelay,
    async close() {
      closing = true;
      startNow();
      await Promise.all((await loops).map((l) => l.stop()));
      await Promise.all([eventWorker.close(), deliveryWorker.close()]);
      await Promise.all([eventsQueue.close(), webhooksQueue.close()]);
      relayRedis.disconnect();
    },
  };
}
