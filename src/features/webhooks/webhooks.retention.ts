import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import { deleteDispatchedEventsBefore } from '../../platform/events/events.js';
import type { Worker } from '../../platform/jobs/worker.js';
import type { Logger } from '../../platform/logger.js';
import { createWebhooksRepository } from './webhooks.repository.js';

/**
 * Retention of the webhook tables (WEBHOOK_RETENTION_DAYS): finished deliveries (succeeded, failed, cancelled)
 * whose last change is older than the retention are deleted with their attempts, and so are the outbox events
 * dispatched before it (their deliveries carry frozen copies of the bodies, so nothing reads a dispatched event
 * again). Pending deliveries and undispatched events are never deleted, whatever their age.
 */

/** How often (real time) a worker process sweeps; the cutoff itself comes from the clock. */
export const RETENTION_SWEEP_INTERVAL_MS = 10 * 60_000;
/** Rows deleted per statement: each batch is its own short transaction, so the sweep never holds the queue long. */
export const RETENTION_BATCH = 1000;

export interface WebhookRetentionOptions {
  database: Database;
  clock: Clock;
  logger: Logger;
  /** WEBHOOK_RETENTION_DAYS, in milliseconds. */
  retentionMs: number;
  /** RETENTION_BATCH when absent. */
  batchSize?: number;
  /** RETENTION_SWEEP_INTERVAL_MS when absent. */
  intervalMs?: number;
}

export interface RetentionSweep {
  /** Finished deliveries deleted (their attempts went with them). */
  deliveries: number;
  /** Dispatched events deleted. */
  events: number;
}

export interface WebhookRetention {
  /** Deletes everything past the retention, batch after batch, until a batch comes back short. */
  sweep(): Promise<RetentionSweep>;
  /** Sweeps now and then every interval. */
  start(): void;
  /** Stops the timer, ends a sweep under way after its current batch and waits for it. */
  stop(): Promise<void>;
}

export function createWebhookRetention(options: WebhookRetentionOptions): WebhookRetention {
  const { database, clock, retentionMs } = options;
  const batchSize = options.batchSize ?? RETENTION_BATCH;
  const intervalMs = options.intervalMs ?? RETENTION_SWEEP_INTERVAL_MS;
  const logger = options.logger.child({ component: 'webhook-retention' });
  const repository = createWebhooksRepository();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopping = false;

  async function deleteInBatches(deleteBatch: () => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await deleteBatch();
      total += deleted;
      if (deleted < batchSize || stopping) return total;
    }
  }

  async function sweep(): Promise<RetentionSweep> {
    const before = clock.now() - retentionMs;
    const deliveries = await deleteInBatches(() =>
      repository.deleteFinishedDeliveriesBefore(database.db, database.dialect, before, batchSize),
    );
    const events = await deleteInBatches(() =>
      deleteDispatchedEventsBefore(database.db, database.dialect, before, batchSize),
    );
    if (deliveries > 0 || events > 0) {
      logger.info({ deliveries, events, before: new Date(before).toISOString() }, 'webhook retention sweep');
    }
    return { deliveries, events };
  }

  function sweepInBackground(): void {
    if (running) return; // the previous sweep is still working through a backlog
    running = sweep()
      .catch((error: unknown) => {
        // Type and message only: a driver error's detail can quote row values.
        const err = error instanceof Error ? { type: error.name, message: error.message } : { message: String(error) };
        logger.warn({ err }, 'webhook retention sweep failed; trying again at the next interval');
      })
      .finally(() => {
        running = undefined;
      });
  }

  return {
    sweep,
    start() {
      if (timer) return;
      stopping = false;
      sweepInBackground();
      timer = setInterval(sweepInBackground, intervalMs);
      timer.unref();
    },
    async stop() {
      stopping = true;
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}

/** The worker with the retention sweep beside it: started and stopped with it; runOnce and drain do not sweep. */
export function withWebhookRetention(worker: Worker, retention: WebhookRetention): Worker {
  return {
    workerId: worker.workerId,
    start() {
      worker.start();
      retention.start();
    },
    async stop(timeoutMs) {
      await Promise.all([worker.stop(timeoutMs), retention.stop()]);
    },
    runOnce: () => worker.runOnce(),
    drain: () => worker.drain(),
    nudge: () => worker.nudge(),
  };
}
