import type { Insertable, Selectable } from 'kysely';
import type { Dialect, Executor } from '../db/database.js';
import type { JobsTable } from '../db/tables.js';

/**
 * SQL of the job queue, and nothing else: every rule about when to retry or how long to wait is decided by the
 * caller (queue.ts, worker.ts) and arrives here as a value. Each function takes an Executor, so it runs inside
 * whatever transaction the caller holds.
 *
 * The design follows graphile-worker (https://worker.graphile.org/): one table is the queue; a job is claimed by
 * an UPDATE that stamps it with the worker's id and bumps its attempt count, and it is deleted on success.
 */

export type JobRow = Selectable<JobsTable>;
export type NewJobRow = Insertable<JobsTable>;

/** Longest `last_error` kept; a stack trace beyond this tells nothing the first lines do not. */
export const LAST_ERROR_MAX_LENGTH = 2000;

/**
 * The proof that a worker still holds a job. `attempts` is bumped by every claim, so (locked_by, attempts) names one
 * claim: a worker whose lock expired and whose job was claimed again (even by a worker of the same id) can no longer
 * complete or fail it. This is the fencing token of a lease.
 */
export interface ClaimToken {
  id: string;
  workerId: string;
  attempts: number;
}

/**
 * Inserts a job. With a `job_key`, the key names at most one job, and an existing job with that key is handled the
 * way graphile-worker's `add_job` does (its default `job_key_mode` "replace"):
 *
 * - existing job NOT locked (waiting, scheduled for a retry, or even failed): it is REPLACED in place — task, payload,
 *   run_at, priority and max_attempts take the new values and its error state is reset (attempts 0, last_error and
 *   failed_at cleared). Its id and created_at stay. Rationale: the newest enqueue carries the newest facts, and a
 *   debounced job ("sync contact X") should run once, with them.
 * - existing job LOCKED (a worker is running it now, or died running it): the running job has already read the old
 *   world, so a new job is needed. The key is taken off the running job, which is also told this is its last attempt
 *   (max_attempts = attempts: it is not retried, since the new job supersedes it), and a new job is inserted.
 *
 * Needs several statements in that second case, so when the caller holds no transaction this opens one.
 * On PostgreSQL, `ON CONFLICT DO UPDATE … WHERE` locks the conflicting row even when the WHERE is false, so two
 * concurrent enqueues of one key are serialised by the row lock and the second sees the first's result.
 */
export async function insertJob(executor: Executor, row: NewJobRow): Promise<JobRow> {
  const jobKey = row.job_key;
  if (jobKey == null) return executor.insertInto('jobs').values(row).returningAll().executeTakeFirstOrThrow();
  if (!executor.isTransaction) return executor.transaction().execute((trx) => insertJob(trx, row));

  const upserted = await executor
    .insertInto('jobs')
    .values(row)
    .onConflict((oc) =>
      oc
        .column('job_key')
        .doUpdateSet((eb) => ({
          task: eb.ref('excluded.task'),
          payload: eb.ref('excluded.payload'),
          priority: eb.ref('excluded.priority'),
          run_at: eb.ref('excluded.run_at'),
          max_attempts: eb.ref('excluded.max_attempts'),
          attempts: 0,
          last_error: null,
          failed_at: null,
          updated_at: eb.ref('excluded.updated_at'),
        }))
        .where('jobs.locked_at', 'is', null),
    )
    .returningAll()
    .executeTakeFirst();
  if (upserted) return upserted;

  // The key belongs to a locked job: detach it, make its current attempt its last, and insert the new job.
  await executor
    .updateTable('jobs')
    .set((eb) => ({ job_key: null, max_attempts: eb.ref('attempts'), updated_at: row.updated_at }))
    .where('job_key', '=', jobKey)
    .execute();
  return executor.insertInto('jobs').values(row).returningAll().executeTakeFirstOrThrow();
}

/** Inserts jobs without job keys in one statement (a batch of state changes committed together). */
export async function insertJobs(executor: Executor, rows: readonly NewJobRow[]): Promise<void> {
  if (rows.length === 0) return;
  if (rows.some((row) => row.job_key != null)) throw new TypeError('insertJobs: jobs with a job_key go one by one');
  await executor.insertInto('jobs').values(rows).execute();
}

export interface ClaimOptions {
  workerId: string;
  /** Current time (ms) from the worker's clock: jobs with run_at <= now are due. */
  now: number;
  /** Most jobs to claim; the worker asks for as many as it has free slots. */
  limit: number;
  /** A lock older than this is taken to belong to a dead worker, and the job is claimable again. */
  lockTimeoutMs: number;
  /** Only these tasks; every task when absent. */
  tasks?: readonly string[];
}

/**
 * Claims up to `limit` due jobs for one worker: stamps locked_by/locked_at and counts the attempt, in one statement.
 * The candidates are a MATERIALIZED CTE, read once: as `id IN (subquery … LIMIT … SKIP LOCKED)` PostgreSQL may
 * rescan the subquery per outer row, each rescan skipping the rows this statement already locked and taking
 * `limit` more, so a claim could take more jobs than it has slots for.
 * Order: priority (higher first), then run_at, then id (creation order) — the `jobs_claim_idx` order.
 *
 * PostgreSQL: the inner SELECT takes row locks with FOR UPDATE SKIP LOCKED, so concurrent workers each take different
 * rows instead of queueing behind one another; a row a concurrent claim has just committed is re-checked against the
 * WHERE (READ COMMITTED re-evaluation) and dropped, since its locked_at is now fresh.
 * SQLite: the same statement without the locking clause, which SQLite lacks and does not need: a write statement
 * holds the database's single write lock from start to end, so two claims can never interleave.
 *
 * A job whose lock is stale is claimed even if that lock was its last allowed attempt: attempts then exceeds
 * max_attempts, and the worker fails it at once instead of running it (see worker.ts), so the row does not stay
 * locked forever.
 */
export async function claimJobs(executor: Executor, dialect: Dialect, options: ClaimOptions): Promise<JobRow[]> {
  const { workerId, now, limit, lockTimeoutMs, tasks } = options;
  if (limit <= 0 || tasks?.length === 0) return [];
  const staleBefore = now - lockTimeoutMs;

  const rows = await executor
    .with(
      (cte) => cte('claimable').materialized(),
      (db) =>
        db
          .selectFrom('jobs')
          .select('id')
          .where('failed_at', 'is', null)
          .where('run_at', '<=', now)
          .where((w) => w.or([w('locked_at', 'is', null), w('locked_at', '<', staleBefore)]))
          .$if(tasks !== undefined, (q) => q.where('task', 'in', tasks!))
          .orderBy('priority', 'desc')
          .orderBy('run_at')
          .orderBy('id')
          .limit(limit)
          .$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked()),
    )
    .updateTable('jobs')
    .set((eb) => ({ locked_by: workerId, locked_at: now, attempts: eb('attempts', '+', 1), updated_at: now }))
    .where('id', 'in', (eb) => eb.selectFrom('claimable').select('claimable.id'))
    .returningAll()
    .execute();
  // RETURNING gives no order; callers start jobs in claim order.
  return rows.sort(compareClaimOrder);
}

export function compareClaimOrder(a: JobRow, b: JobRow): number {
  return b.priority - a.priority || a.run_at - b.run_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Deletes jobs that succeeded, many of one worker in one statement (the worker batches the completions of concurrent
 * jobs). Resolves to the ids deleted; a job missing from it is no longer held by this claim (its lock expired and
 * it was claimed again).
 */
export async function completeJobs(
  executor: Executor,
  workerId: string,
  tokens: readonly Omit<ClaimToken, 'workerId'>[],
): Promise<Set<string>> {
  if (tokens.length === 0) return new Set();
  const rows = await executor
    .deleteFrom('jobs')
    .where('locked_by', '=', workerId)
    .where((eb) => eb.or(tokens.map((token) => eb.and([eb('id', '=', token.id), eb('attempts', '=', token.attempts)]))))
    .returning('id')
    .execute();
  return new Set(rows.map((row) => row.id));
}

export interface FailJobOptions extends ClaimToken {
  now: number;
  /** Stored in last_error (cut to LAST_ERROR_MAX_LENGTH). Never the payload. */
  error: string;
  /** When the next attempt may start, if there is one. */
  retryAt: number;
  /** No further attempt whatever the count (a PermanentJobError, a payload that cannot be read). */
  permanent: boolean;
}

export interface FailOutcome {
  /** True when the job will not run again: failed_at is set. */
  failed: boolean;
  /** The job's run_at after the update: the retry time when not failed. */
  runAt: number;
}

/**
 * Records a failed attempt and releases the lock. The job is retried at `retryAt`, or marked failed (failed_at set,
 * kept for inspection, never claimed again) when `permanent` or when attempts has reached max_attempts. The count is
 * compared in SQL, not from the worker's copy, because insertJob may have lowered max_attempts meanwhile.
 * Undefined when this worker no longer holds the job.
 */
export async function failJob(executor: Executor, options: FailJobOptions): Promise<FailOutcome | undefined> {
  const { now, permanent } = options;
  const row = await executor
    .updateTable('jobs')
    .set((eb) => {
      // Bound parameters (Kysely would inline a plain number in a CASE, making each statement's text unique and
      // defeating the prepared-statement cache); PostgreSQL types a bare parameter in a CASE as text, hence the cast.
      const nowValue = eb.cast<number>(eb.val(now), 'bigint');
      const retryAt = eb.cast<number>(eb.val(options.retryAt), 'bigint');
      const exhausted = eb('attempts', '>=', eb.ref('max_attempts'));
      return {
        last_error: options.error.slice(0, LAST_ERROR_MAX_LENGTH),
        locked_by: null,
        locked_at: null,
        updated_at: now,
        failed_at: permanent ? now : eb.case().when(exhausted).then(nowValue).else(null).end(),
        run_at: permanent ? eb.ref('run_at') : eb.case().when(exhausted).then(eb.ref('run_at')).else(retryAt).end(),
      };
    })
    .where('id', '=', options.id)
    .where('locked_by', '=', options.workerId)
    .where('attempts', '=', options.attempts)
    .returning(['failed_at', 'run_at'])
    .executeTakeFirst();
  return row && { failed: row.failed_at !== null, runAt: row.run_at };
}

/**
 * Releases a job whose handler deferred it (JobDeferred): unlocked, due at `runAt`, and the claim's attempt given
 * back (attempts − 1), so a deferral never counts against max_attempts; last_error stays. Acts only for the claim
 * that holds the job (the fencing token); false otherwise.
 */
export async function deferJob(
  executor: Executor,
  options: ClaimToken & { now: number; runAt: number },
): Promise<boolean> {
  const result = await executor
    .updateTable('jobs')
    .set((eb) => ({
      locked_by: null,
      locked_at: null,
      attempts: eb('attempts', '-', 1),
      run_at: options.runAt,
      updated_at: options.now,
    }))
    .where('id', '=', options.id)
    .where('locked_by', '=', options.workerId)
    .where('attempts', '=', options.attempts)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Jobs not yet failed: waiting, scheduled for a retry, or running. Zero means the queue is drained. */
export async function countPending(executor: Executor, tasks?: readonly string[]): Promise<number> {
  const row = await executor
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('failed_at', 'is', null)
    .$if(tasks !== undefined && tasks.length > 0, (q) => q.where('task', 'in', tasks!))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function findJobById(executor: Executor, id: string): Promise<JobRow | undefined> {
  return executor.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findJobByKey(executor: Executor, jobKey: string): Promise<JobRow | undefined> {
  return executor.selectFrom('jobs').selectAll().where('job_key', '=', jobKey).executeTakeFirst();
}

/** Failed jobs, newest failure first, for operators. */
export async function listFailedJobs(executor: Executor, limit = 100): Promise<JobRow[]> {
  return executor
    .selectFrom('jobs')
    .selectAll()
    .where('failed_at', 'is not', null)
    .orderBy('failed_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
