import type { Clock } from '../clock.js';
import { afterCommit, type Executor } from '../db/database.js';
import { newId } from '../ids.js';
import type { Logger } from '../logger.js';
import { insertJob, insertJobs, type JobRow } from './jobs.repository.js';

/**
 * The producing side of the job queue: `enqueue` writes a job row with the caller's executor, so the job commits or
 * rolls back together with the state change that implies it (the transactional outbox of ARCHITECTURE.md).
 * The consuming side is worker.ts. See README.md in this folder for the glossary and the invariants.
 */

/**
 * graphile-worker's default. With the worker's default backoff (full jitter under a ceiling of 1 s doubling to 1 h),
 * 25 attempts span about 6.5 hours of failures on average and 13 hours at most; a task may ask for fewer or more.
 */
export const DEFAULT_MAX_ATTEMPTS = 25;
/** Jobs run by descending priority; 0 is ordinary, higher is sooner. */
export const DEFAULT_PRIORITY = 0;

/** PostgreSQL `integer` bounds: priority and max_attempts are stored in such columns. */
const INT4_MIN = -2147483648;
const INT4_MAX = 2147483647;

/**
 * Names each task and its payload type, e.g. `interface MessagesTasks { 'messages.send': { messageId: string } }`.
 * A feature exports its map and its handlers; main.ts composes them (`MessagesTasks & WebhooksTasks`), so the
 * platform never imports a feature. The default allows any task with an unknown payload.
 */
export type TaskMap = object;
type AnyTasks = Record<string, unknown>;
export type TaskName<Tasks extends TaskMap> = keyof Tasks & string;

export interface EnqueueSpec<Task extends string = string, Payload = unknown> {
  task: Task;
  /** Stored as JSON, so it must survive JSON.stringify/parse; ids rather than whole records. */
  payload: Payload;
  /** Not run before this time (epoch ms); now when absent. */
  runAt?: number;
  /** Higher runs first among due jobs; DEFAULT_PRIORITY when absent. */
  priority?: number;
  /** Attempts before the job is marked failed; DEFAULT_MAX_ATTEMPTS when absent. */
  maxAttempts?: number;
  /** At most one job per key; enqueueing an existing key replaces the waiting job (see insertJob). */
  jobKey?: string;
}

/** A job as handlers and callers see it. The payload is given to the handler separately and is kept out of logs. */
export interface Job {
  id: string;
  task: string;
  priority: number;
  runAt: number;
  /** Attempts started so far, this one included while it runs. */
  attempts: number;
  maxAttempts: number;
  jobKey: string | null;
  /** The error of the previous attempt, if any. */
  lastError: string | null;
  createdAt: number;
}

export interface JobContext {
  job: Job;
  /** 1 for the first run, 2 for the first retry, … */
  attempt: number;
  /** Aborted when the worker stops and the job did not finish within the shutdown timeout. */
  signal: AbortSignal;
  /** Bound to the job id, task and attempt. */
  logger: Logger;
}

/** Runs one job. Resolving completes it (the row is deleted); throwing fails the attempt. */
export type JobHandler<Payload = unknown> = (payload: Payload, ctx: JobContext) => Promise<void>;

/** One handler per task of the map, typed by its payload. */
export type JobHandlers<Tasks extends TaskMap = AnyTasks> = { [T in TaskName<Tasks>]: JobHandler<Tasks[T]> };

/**
 * Thrown by a handler when retrying cannot help (the message was deleted, the payload names nothing): the job is
 * marked failed at once instead of using its remaining attempts.
 */
export class PermanentJobError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

/**
 * Thrown by a handler that cannot do the job in this process now, for a reason that is no fault of the job (another
 * process owns what it needs, e.g. the bind of an exclusive carrier route): the job is released, runs again
 * `delayMs` later, here or elsewhere, and the attempt is given back, so waiting never uses up max_attempts. Its
 * last_error is left as it was. A handler that defers must be sure the wait ends: nothing caps deferrals.
 */
export class JobDeferred extends Error {
  constructor(
    readonly delayMs: number,
    reason = 'the job was deferred',
  ) {
    super(reason);
    this.name = 'JobDeferred';
    if (!Number.isSafeInteger(delayMs) || delayMs < 0) {
      throw new TypeError('JobDeferred: delayMs must be a whole number of milliseconds, 0 or more');
    }
  }
}

export interface JobQueue<Tasks extends TaskMap = AnyTasks> {
  /**
   * Adds a job using `executor`: pass the transaction of the state change it belongs to, so both commit together.
   * Local workers are woken once the job is committed: at once on a bare connection, else when the transaction
   * (opened by Database.transaction) commits, when the job becomes visible to their connections.
   */
  enqueue<T extends TaskName<Tasks>>(executor: Executor, spec: EnqueueSpec<T, Tasks[T]>): Promise<Job>;
  /** Adds many jobs in one statement, like `enqueue` for each (without `jobKey`, which needs one statement each). */
  enqueueMany<T extends TaskName<Tasks>>(executor: Executor, specs: readonly EnqueueSpec<T, Tasks[T]>[]): Promise<void>;
  /** Calls `listener` whenever jobs may have become claimable; returns the unsubscribe function. */
  onEnqueued(listener: () => void): () => void;
}

export interface JobQueueDeps {
  clock: Clock;
}

export function createJobQueue<Tasks extends TaskMap = AnyTasks>({ clock }: JobQueueDeps): JobQueue<Tasks> {
  const listeners = new Set<() => void>();

  function notify(): void {
    for (const listener of listeners) listener();
  }

  return {
    async enqueue(executor, spec) {
      const now = clock.now();
      const row = await insertJob(executor, toNewRow(spec, now));
      afterCommit(executor, notify);
      return toJob(row);
    },

    async enqueueMany(executor, specs) {
      if (specs.length === 0) return;
      const now = clock.now();
      await insertJobs(
        executor,
        specs.map((spec) => {
          if (spec.jobKey !== undefined) throw new TypeError('enqueueMany: a job with a jobKey goes through enqueue');
          return toNewRow(spec, now);
        }),
      );
      afterCommit(executor, notify);
    },

    onEnqueued(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function toNewRow(spec: EnqueueSpec, now: number) {
  const { task, payload, runAt = now, priority = DEFAULT_PRIORITY, maxAttempts = DEFAULT_MAX_ATTEMPTS } = spec;
  // Programming errors, so they throw rather than return an outcome; each would otherwise fail later, in a worker.
  if (typeof task !== 'string' || task === '') throw new TypeError('enqueue: task must be a non-empty string');
  if (!Number.isSafeInteger(runAt)) throw new TypeError('enqueue: runAt must be epoch milliseconds');
  if (!Number.isInteger(priority) || priority < INT4_MIN || priority > INT4_MAX) {
    throw new TypeError('enqueue: priority must be a 32-bit integer');
  }
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > INT4_MAX) {
    throw new TypeError('enqueue: maxAttempts must be a positive integer');
  }
  if (spec.jobKey !== undefined && (typeof spec.jobKey !== 'string' || spec.jobKey === '')) {
    throw new TypeError('enqueue: jobKey must be a non-empty string');
  }
  const json = JSON.stringify(payload);
  if (json === undefined) throw new TypeError(`enqueue: the payload of task "${task}" is not JSON`);
  return {
    id: newId(now),
    task,
    payload: json,
    priority,
    run_at: runAt,
    attempts: 0,
    max_attempts: maxAttempts,
    locked_by: null,
    locked_at: null,
    last_error: null,
    job_key: spec.jobKey ?? null,
    failed_at: null,
    created_at: now,
    updated_at: now,
  };
}

export function toJob(row: JobRow): Job {
  return {
    id: row.id,
    task: row.task,
    priority: row.priority,
    runAt: row.run_at,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    jobKey: row.job_key,
    lastError: row.last_error,
    createdAt: row.created_at,
  };
}
