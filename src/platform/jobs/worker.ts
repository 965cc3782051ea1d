import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createBatcher } from '../batcher.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import { createSleeper, settledWithin } from '../sleeper.js';
import {
  type ClaimToken,
  claimJobs,
  completeJobs,
  deferJob,
  type FailOutcome,
  failJob,
  type JobRow,
} from './jobs.repository.js';
import {
  JobDeferred,
  type JobHandler,
  type JobHandlers,
  type JobQueue,
  PermanentJobError,
  type TaskMap,
  toJob,
} from './queue.js';

/**
 * The consuming side of the job queue. A worker claims due jobs (jobs.repository.ts claimJobs), runs each with the
 * handler registered for its task, then deletes it on success or records the failure and schedules a retry.
 * Delivery is at least once: a worker that dies mid-job leaves a lock that expires after lockTimeoutMs, and the job
 * runs again elsewhere. Handlers must therefore be idempotent (stable ids, check-before-act).
 */

export interface BackoffOptions {
  /** Ceiling of the delay after the first failed attempt; it doubles with each further attempt. */
  baseMs: number;
  /** Highest ceiling, however many attempts have failed. */
  capMs: number;
}

/** 1 s doubling to 1 h: a flapping carrier link is retried within seconds, a dead subscriber hourly. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 3_600_000 };
/** Completions of concurrent jobs deleted by one statement at most. */
const COMPLETION_BATCH = 100;
/** The default of SHUTDOWN_TIMEOUT_MS in config.ts, for a worker built without one. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 15_000;

/**
 * Delay before the next attempt after `attempt` (1-based) failed: exponential backoff with "full jitter", a uniform
 * draw in [0, min(cap, base·2^(attempt−1))). Full jitter spreads the retries of jobs that failed together (a carrier
 * outage fails thousands at once) so they do not return as one burst; see AWS Architecture Blog, "Exponential Backoff
 * And Jitter" (2015). graphile-worker uses exp(min(attempts, 10)) seconds without jitter.
 * `random` returns a number in [0, 1), like Math.random; tests inject a fixed one to assert the schedule.
 */
export function backoffDelayMs(attempt: number, random: () => number, backoff: BackoffOptions = DEFAULT_BACKOFF) {
  const exponent = Math.min(Math.max(attempt - 1, 0), 52);
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

export interface WorkerOptions<Tasks extends TaskMap = Record<string, unknown>> {
  database: Database;
  clock: Clock;
  logger: Logger;
  /** One handler per task name. */
  handlers: JobHandlers<Tasks>;
  /** Jobs run at the same time (JOB_CONCURRENCY). */
  concurrency: number;
  /** How long an idle worker waits before looking for due jobs again (JOB_POLL_INTERVAL_MS); nudge() cuts it short. */
  pollIntervalMs: number;
  /** Age after which a lock is taken to belong to a dead worker (JOB_LOCK_TIMEOUT_MS); must exceed any job's run time. */
  lockTimeoutMs: number;
  /** Unique among live workers; `<host>/<pid>/<random>` when absent, so two workers in one process differ. */
  workerId?: string;
  /** Source of jitter in [0, 1); Math.random when absent. */
  random?: () => number;
  /** DEFAULT_BACKOFF when absent. */
  backoff?: Partial<BackoffOptions>;
  /** How long stop() waits for running jobs unless told otherwise; DEFAULT_SHUTDOWN_TIMEOUT_MS when absent. */
  shutdownTimeoutMs?: number;
  /**
   * Claim only tasks this worker has handlers for (false when absent). Set it for workers dedicated to some tasks;
   * a general worker claims everything, so a job nobody can run fails visibly instead of waiting silently forever.
   */
  onlyRegisteredTasks?: boolean;
  /** When given, the running worker is nudged whenever this queue reports new jobs. */
  queue?: Pick<JobQueue, 'onEnqueued'>;
}

export interface Worker {
  readonly workerId: string;
  /** Starts the claim loop in the background. Calling it on a started worker does nothing. */
  start(): void;
  /**
   * Graceful stop: claims nothing more, waits up to `timeoutMs` for running jobs, then aborts the signal of those
   * still running and releases them as failed attempts (retry now), so another worker takes them without waiting for
   * the lock timeout. Resolves once no job of this worker holds a lock it will still write.
   */
  stop(timeoutMs?: number): Promise<void>;
  /** Claims up to `concurrency` due jobs, runs them and waits for them; resolves to how many ran. For tests and ops. */
  runOnce(): Promise<number>;
  /** runOnce until no job is due; resolves to how many ran. Jobs scheduled later (retries) are left for later. */
  drain(): Promise<number>;
  /** Wakes an idle running worker now instead of at its next poll. */
  nudge(): void;
}

interface Failure {
  /** What last_error will say. */
  message: string;
  permanent: boolean;
  error?: unknown;
  /** Set when the handler threw JobDeferred: not a failure; the job runs again this much later. */
  deferMs?: number;
}

interface Running {
  row: JobRow;
  controller: AbortController;
  /** Settles when the job's outcome is recorded; never rejects. */
  done: Promise<void>;
  /** Set by a forced stop, which has released the job: the handler's late outcome must not be written. */
  abandoned: boolean;
}

export function createWorker<Tasks extends TaskMap = Record<string, unknown>>(options: WorkerOptions<Tasks>): Worker {
  const { database, clock, concurrency, pollIntervalMs, lockTimeoutMs } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError('concurrency must be a positive integer');
  if (!(pollIntervalMs > 0)) throw new TypeError('pollIntervalMs must be positive');
  if (!(lockTimeoutMs > 0)) throw new TypeError('lockTimeoutMs must be positive');

  const workerId = options.workerId ?? `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
  const logger = options.logger.child({ workerId });
  const handlers = options.handlers as Record<string, JobHandler<unknown>>;
  const tasks = options.onlyRegisteredTasks ? Object.keys(handlers) : undefined;
  const random = options.random ?? Math.random;
  const backoff: BackoffOptions = { ...DEFAULT_BACKOFF, ...options.backoff };
  const defaultStopTimeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;

  // Jobs finishing together are deleted together: one statement (and on PostgreSQL one commit) per batch.
  const completions = createBatcher(
    async (tokens: ClaimToken[]) => {
      const deleted = await completeJobs(database.db, workerId, tokens);
      return tokens.map((token) => deleted.has(token.id));
    },
    { maxBatch: COMPLETION_BATCH },
  );

  const running = new Set<Running>();
  let loop: Promise<void> | undefined;
  let stopping = false;
  let unsubscribe: (() => void) | undefined;

  // Wake-ups (a nudge while the loop is busy is remembered, see sleeper.ts); the loop may be waiting for a free slot.
  const sleeper = createSleeper();
  const { wake } = sleeper;
  const idle = (ms: number) => sleeper.idle(ms);
  let waitingForSlot = false;

  function claim(limit: number): Promise<JobRow[]> {
    return claimJobs(database.db, database.dialect, { workerId, now: clock.now(), limit, lockTimeoutMs, tasks });
  }

  function launch(row: JobRow): Running {
    const entry: Running = { row, controller: new AbortController(), done: Promise.resolve(), abandoned: false };
    running.add(entry);
    entry.done = execute(entry)
      .catch((error: unknown) => logger.error({ jobId: row.id, task: row.task, err: error }, 'job crash'))
      .finally(() => {
        running.delete(entry);
        // A loop waiting for a free slot claims again at once: more jobs were due when it last looked.
        if (waitingForSlot) wake();
      });
    return entry;
  }

  async function execute(entry: Running): Promise<void> {
    const { row, controller } = entry;
    const token: ClaimToken = { id: row.id, workerId, attempts: row.attempts };
    // Job id and task only: the payload may hold phone numbers and message text.
    const log = logger.child({ jobId: row.id, task: row.task, attempt: row.attempts });

    const failure = await run(row, controller.signal, log);
    if (entry.abandoned) return;
    try {
      if (!failure) {
        if (await completions.submit(token)) log.debug('job completed');
        else log.warn('job finished after its lock had expired; another worker may run it again');
        return;
      }
      if (failure.deferMs !== undefined) {
        const now = clock.now();
        const runAt = now + failure.deferMs;
        if (await deferJob(database.db, { ...token, now, runAt })) log.debug({ runAt }, 'job deferred');
        else log.warn('job deferred after its lock had expired; another worker may run it again');
        return;
      }
      const now = clock.now();
      const outcome = await failJob(database.db, {
        ...token,
        now,
        error: failure.message,
        retryAt: now + backoffDelayMs(row.attempts, random, backoff),
        permanent: failure.permanent,
      });
      logFailure(log, failure, outcome);
    } catch (error) {
      // The lock stays; the job runs again once it expires (at least once).
      log.error({ err: error }, 'could not record the outcome of a job');
    }
  }

  /** Runs the handler; resolves to the failure, or undefined on success. Never throws. */
  async function run(row: JobRow, signal: AbortSignal, log: Logger): Promise<Failure | undefined> {
    if (row.attempts > row.max_attempts) {
      // Claimed through a stale lock after its last allowed attempt: the worker running that attempt died.
      return { message: 'lock expired during the final attempt (its worker stopped); not retried', permanent: true };
    }
    // hasOwn, so a task named "constructor" or "toString" does not find an Object.prototype method.
    if (!Object.hasOwn(handlers, row.task)) {
      // Retried like any failure: during a rolling deploy a newer worker may know the task.
      return { message: `no handler is registered for task "${row.task}" on worker ${workerId}`, permanent: false };
    }
    let payload: unknown;
    try {
      payload = JSON.parse(row.payload);
    } catch {
      return { message: 'the payload is not valid JSON', permanent: true };
    }
    try {
      await handlers[row.task]!(payload, { job: toJob(row), attempt: row.attempts, signal, logger: log });
      return undefined;
    } catch (error) {
      if (error instanceof JobDeferred) {
        return { message: describeError(error), permanent: false, deferMs: error.delayMs };
      }
      return { message: describeError(error), permanent: error instanceof PermanentJobError, error };
    }
  }

  function logFailure(log: Logger, failure: Failure, outcome: FailOutcome | undefined): void {
    const err = failure.error ?? new Error(failure.message);
    if (!outcome) log.warn({ err }, 'job failed after its lock had expired; its outcome was not recorded');
    else if (outcome.failed) log.error({ err, permanent: failure.permanent }, 'job failed; it will not be retried');
    else log.warn({ err, retryAt: outcome.runAt }, 'job attempt failed; it will be retried');
  }

  async function claimLoop(): Promise<void> {
    while (!stopping) {
      const free = concurrency - running.size;
      if (free <= 0) {
        waitingForSlot = true;
        await idle(pollIntervalMs);
        waitingForSlot = false;
        continue;
      }
      let rows: JobRow[];
      try {
        rows = await claim(free);
      } catch (error) {
        logger.error({ err: error }, 'could not claim jobs; trying again after the poll interval');
        await idle(pollIntervalMs);
        continue;
      }
      for (const row of rows) launch(row);
      // A full batch means more may be due: loop at once. Fewer means the queue is empty for now.
      if (rows.length < free) await idle(pollIntervalMs);
    }
  }

  async function runOnce(): Promise<number> {
    const rows = await claim(concurrency);
    await Promise.all(rows.map((row) => launch(row).done));
    return rows.length;
  }

  async function forceRelease(entries: Running[]): Promise<void> {
    const now = clock.now();
    await Promise.all(
      entries.map(async (entry) => {
        entry.abandoned = true;
        entry.controller.abort(new Error('worker stopping'));
        const { row } = entry;
        try {
          // Counts as a failed attempt, like graphile-worker's forced shutdown; retry at once, elsewhere.
          await failJob(database.db, {
            id: row.id,
            workerId,
            attempts: row.attempts,
            now,
            error: 'the worker stopped before the job finished',
            retryAt: now,
            permanent: false,
          });
        } catch (error) {
          logger.error({ jobId: row.id, task: row.task, err: error }, 'could not release a job');
        }
      }),
    );
  }

  return {
    workerId,

    start() {
      if (loop) return;
      stopping = false;
      unsubscribe = options.queue?.onEnqueued(wake);
      loop = claimLoop();
      logger.info({ concurrency, pollIntervalMs, lockTimeoutMs }, 'job worker started');
    },

    async stop(timeoutMs = defaultStopTimeoutMs) {
      stopping = true;
      unsubscribe?.();
      unsubscribe = undefined;
      wake();
      await loop; // lets a claim in progress finish, so no job is claimed after stop resolves
      loop = undefined;
      sleeper.reset();

      const pending = [...running].filter((entry) => !entry.abandoned);
      if (pending.length > 0) {
        const finished = await settledWithin(
          pending.map((entry) => entry.done),
          timeoutMs,
        );
        if (!finished) {
          const late = pending.filter((entry) => running.has(entry));
          logger.warn({ jobs: late.map((entry) => entry.row.id) }, 'jobs still running at shutdown were released');
          await forceRelease(late);
        }
      }
      logger.info('job worker stopped');
    },

    runOnce,

    async drain() {
      let total = 0;
      for (let ran = await runOnce(); ran > 0; ran = await runOnce()) total += ran;
      return total;
    },

    nudge: wake,
  };
}

/** What last_error records: the error's name and message, never its other fields (a pg error's `detail` quotes values). */
function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error === 'string') return error;
  return `a non-Error value was thrown (${typeof error})`;
}
