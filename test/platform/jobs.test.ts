import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { createDatabase, type Database } from '../../src/platform/db/database.js';
import {
  claimJobs,
  completeJobs,
  countPending,
  deferJob,
  failJob,
  findJobById,
  findJobByKey,
  insertJob,
  listFailedJobs,
} from '../../src/platform/jobs/jobs.repository.js';
import {
  createJobQueue,
  DEFAULT_MAX_ATTEMPTS,
  type JobContext,
  JobDeferred,
  type JobHandlers,
  PermanentJobError,
} from '../../src/platform/jobs/queue.js';
import { backoffDelayMs, createWorker, type WorkerOptions } from '../../src/platform/jobs/worker.js';
import { createTestDatabase, type TestDatabase, testDialect } from '../harness/database.js';

const LOCK_TIMEOUT_MS = 60_000;
const silent = pino({ level: 'silent' });

/** A promise with its resolve exposed, so a test can hold a handler mid-run without sleeping. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe(`job queue on ${testDialect()}`, () => {
  let test: TestDatabase;
  let database: Database;
  let clock: ManualClock;

  beforeAll(async () => {
    test = await createTestDatabase();
    database = test.database;
  });
  afterAll(async () => test.drop());
  beforeEach(async () => {
    await database.db.deleteFrom('jobs').execute();
    clock = new ManualClock();
  });

  function worker(handlers: JobHandlers, options: Partial<WorkerOptions> = {}) {
    return createWorker({
      database,
      clock,
      logger: silent,
      handlers,
      concurrency: 1,
      pollIntervalMs: 60_000,
      lockTimeoutMs: LOCK_TIMEOUT_MS,
      random: () => 0.5,
      ...options,
    });
  }

  describe('enqueue', () => {
    it('commits with the caller transaction and leaves no job when it rolls back', async () => {
      const queue = createJobQueue({ clock });
      await expect(
        database.transaction(async (trx) => {
          await queue.enqueue(trx, { task: 'test.noop', payload: { n: 1 } });
          expect(await countPending(trx)).toBe(1); // visible inside the transaction…
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await countPending(database.db)).toBe(0); // …and gone with it

      await database.transaction((trx) => queue.enqueue(trx, { task: 'test.noop', payload: { n: 2 } }));
      expect(await countPending(database.db)).toBe(1);
    });

    it('stores the defaults and returns the job', async () => {
      const queue = createJobQueue({ clock });
      const job = await queue.enqueue(database.db, { task: 'test.noop', payload: { to: '+15551230000' } });
      expect(job).toMatchObject({
        task: 'test.noop',
        priority: 0,
        runAt: clock.now(),
        attempts: 0,
        maxAttempts: DEFAULT_MAX_ATTEMPTS,
        jobKey: null,
        lastError: null,
        createdAt: clock.now(),
      });
      expect(job.id).toMatch(/^[0-9a-f]{24}$/);
      const row = await findJobById(database.db, job.id);
      expect(JSON.parse(row!.payload)).toEqual({ to: '+15551230000' });
    });

    it('rejects specs a worker could never run', async () => {
      const queue = createJobQueue({ clock });
      await expect(queue.enqueue(database.db, { task: '', payload: {} })).rejects.toThrow(TypeError);
      await expect(queue.enqueue(database.db, { task: 't', payload: undefined })).rejects.toThrow(/not JSON/);
      await expect(queue.enqueue(database.db, { task: 't', payload: {}, maxAttempts: 0 })).rejects.toThrow(TypeError);
      await expect(queue.enqueue(database.db, { task: 't', payload: {}, priority: 1.5 })).rejects.toThrow(TypeError);
      expect(await countPending(database.db)).toBe(0);
    });
  });

  describe('running', () => {
    it('runs the handler once with the payload, then deletes the job', async () => {
      const queue = createJobQueue({ clock });
      const calls: Array<{ payload: unknown; attempt: number; jobId: string }> = [];
      const w = worker({
        'test.record': async (payload, ctx) => {
          calls.push({ payload, attempt: ctx.attempt, jobId: ctx.job.id });
        },
      });
      const job = await queue.enqueue(database.db, { task: 'test.record', payload: { messageId: 'm1', n: 7 } });

      expect(await w.drain()).toBe(1);
      expect(calls).toEqual([{ payload: { messageId: 'm1', n: 7 }, attempt: 1, jobId: job.id }]);
      expect(await findJobById(database.db, job.id)).toBeUndefined();
      expect(await w.drain()).toBe(0);
    });

    it('does not run a job before its run_at', async () => {
      const queue = createJobQueue({ clock });
      let runs = 0;
      const w = worker({ 'test.later': async () => void runs++ });
      await queue.enqueue(database.db, { task: 'test.later', payload: {}, runAt: clock.now() + 5000 });
      expect(await w.drain()).toBe(0);
      clock.advance(5000);
      expect(await w.drain()).toBe(1);
      expect(runs).toBe(1);
    });

    it('runs higher priority first, then earlier run_at, then creation order', async () => {
      const queue = createJobQueue({ clock });
      const order: string[] = [];
      const w = worker({ 'test.order': async (payload) => void order.push((payload as { name: string }).name) });
      const now = clock.now();
      await queue.enqueue(database.db, { task: 'test.order', payload: { name: 'low' }, priority: -5 });
      await queue.enqueue(database.db, { task: 'test.order', payload: { name: 'normal-2' } });
      await queue.enqueue(database.db, { task: 'test.order', payload: { name: 'normal-3' } });
      await queue.enqueue(database.db, { task: 'test.order', payload: { name: 'normal-1' }, runAt: now - 1000 });
      await queue.enqueue(database.db, { task: 'test.order', payload: { name: 'high' }, priority: 10 });
      await queue.enqueue(database.db, { task: 'test.order', payload: { name: 'urgent' }, priority: 100 });

      expect(await w.drain()).toBe(6);
      expect(order).toEqual(['urgent', 'high', 'normal-1', 'normal-2', 'normal-3', 'low']);
    });
  });

  describe('failures', () => {
    it('computes full-jitter exponential backoff under a cap', () => {
      const backoff = { baseMs: 1000, capMs: 10_000 };
      expect([1, 2, 3, 4, 5, 50, 5000].map((a) => backoffDelayMs(a, () => 0.5, backoff))).toEqual([
        500, 1000, 2000, 4000, 5000, 5000, 5000,
      ]);
      expect(backoffDelayMs(3, () => 0, backoff)).toBe(0);
      expect(backoffDelayMs(3, () => 0.999999, backoff)).toBe(3999);
    });

    it('schedules each retry by the injected random, and marks the job failed after max_attempts', async () => {
      const queue = createJobQueue({ clock });
      const attempts: number[] = [];
      const w = worker(
        {
          'test.flaky': async (_payload, ctx) => {
            attempts.push(ctx.attempt);
            throw new Error(`carrier said no (${ctx.attempt})`);
          },
        },
        { random: () => 0.25, backoff: { baseMs: 1000, capMs: 3_600_000 } },
      );
      const job = await queue.enqueue(database.db, { task: 'test.flaky', payload: {}, maxAttempts: 3 });
      const start = clock.now();

      expect(await w.drain()).toBe(1);
      let row = await findJobById(database.db, job.id);
      expect(row).toMatchObject({
        attempts: 1,
        run_at: start + 250,
        locked_by: null,
        locked_at: null,
        failed_at: null,
      });
      expect(row!.last_error).toBe('Error: carrier said no (1)');

      clock.advance(249);
      expect(await w.drain()).toBe(0); // not due yet
      clock.advance(1);
      expect(await w.drain()).toBe(1);
      row = await findJobById(database.db, job.id);
      expect(row).toMatchObject({ attempts: 2, run_at: clock.now() + 500, failed_at: null });

      clock.advance(500);
      expect(await w.drain()).toBe(1);
      row = await findJobById(database.db, job.id);
      expect(row).toMatchObject({ attempts: 3, failed_at: clock.now(), last_error: 'Error: carrier said no (3)' });
      expect(row!.locked_by).toBeNull();

      clock.advance(86_400_000);
      expect(await w.drain()).toBe(0); // a failed job is never claimed again
      expect(attempts).toEqual([1, 2, 3]);
      expect(await countPending(database.db)).toBe(0);
      expect((await listFailedJobs(database.db)).map((r) => r.id)).toEqual([job.id]);
    });

    it('fails the job at once on PermanentJobError', async () => {
      const queue = createJobQueue({ clock });
      let runs = 0;
      const w = worker({
        'test.doomed': async () => {
          runs++;
          throw new PermanentJobError('message was deleted');
        },
      });
      const job = await queue.enqueue(database.db, { task: 'test.doomed', payload: {} });
      expect(await w.drain()).toBe(1);
      const row = await findJobById(database.db, job.id);
      expect(row).toMatchObject({ attempts: 1, failed_at: clock.now() });
      expect(row!.last_error).toBe('PermanentJobError: message was deleted');
      clock.advance(86_400_000);
      expect(await w.drain()).toBe(0);
      expect(runs).toBe(1);
    });

    it('defers a job on JobDeferred without counting the attempt, however often, and keeps last_error', async () => {
      const queue = createJobQueue({ clock });
      const seen: number[] = [];
      let deferrals = 0;
      const w = worker({
        'test.waiting': async (_payload, ctx) => {
          seen.push(ctx.attempt);
          if (seen.length === 1) throw new Error('first failure');
          if (deferrals < 5) {
            deferrals++;
            throw new JobDeferred(3000, 'another process owns the route');
          }
        },
      });
      const job = await queue.enqueue(database.db, { task: 'test.waiting', payload: {}, maxAttempts: 2 });
      expect(await w.drain()).toBe(1);
      clock.advance(500); // the backoff of the failure, at random 0.5

      // Five deferrals on a job with two attempts, one of them spent: none fails it or counts.
      for (let round = 1; round <= 5; round++) {
        expect(await w.drain()).toBe(1);
        const row = await findJobById(database.db, job.id);
        expect(row).toMatchObject({
          attempts: 1,
          run_at: clock.now() + 3000,
          locked_by: null,
          locked_at: null,
          failed_at: null,
          last_error: 'Error: first failure',
          updated_at: clock.now(),
        });
        clock.advance(2999);
        expect(await w.drain()).toBe(0); // not due yet
        clock.advance(1);
      }
      expect(await w.drain()).toBe(1);
      expect(await findJobById(database.db, job.id)).toBeUndefined();
      expect(seen).toEqual([1, 2, 2, 2, 2, 2, 2]);
    });

    it('defers only for the claim that holds the job', async () => {
      const queue = createJobQueue({ clock });
      const job = await queue.enqueue(database.db, { task: 'test.waiting', payload: {} });
      const [claimed] = await claimJobs(database.db, database.dialect, {
        workerId: 'holder',
        now: clock.now(),
        limit: 1,
        lockTimeoutMs: LOCK_TIMEOUT_MS,
      });
      expect(claimed!.attempts).toBe(1);
      const runAt = clock.now() + 1000;
      const now = clock.now();
      expect(await deferJob(database.db, { id: job.id, workerId: 'other', attempts: 1, now, runAt })).toBe(false);
      expect(await deferJob(database.db, { id: job.id, workerId: 'holder', attempts: 2, now, runAt })).toBe(false);
      expect(await findJobById(database.db, job.id)).toMatchObject({ locked_by: 'holder', attempts: 1 });
      expect(await deferJob(database.db, { id: job.id, workerId: 'holder', attempts: 1, now, runAt })).toBe(true);
      expect(await findJobById(database.db, job.id)).toMatchObject({ locked_by: null, attempts: 0, run_at: runAt });
    });

    it('refuses a deferral that is not a whole number of milliseconds, 0 or more', () => {
      expect(() => new JobDeferred(-1)).toThrow(TypeError);
      expect(() => new JobDeferred(1.5)).toThrow(TypeError);
      expect(() => new JobDeferred(Number.NaN)).toThrow(TypeError);
      expect(new JobDeferred(0)).toMatchObject({ delayMs: 0, name: 'JobDeferred', message: 'the job was deferred' });
    });

    it('fails a job of an unknown task with a clear last_error instead of crashing', async () => {
      const queue = createJobQueue({ clock });
      const w = worker({ 'test.known': async () => {} }, { workerId: 'worker-a' });
      const job = await queue.enqueue(database.db, { task: 'test.unknown', payload: {}, maxAttempts: 2 });
      const known = await queue.enqueue(database.db, { task: 'test.known', payload: {} });

      expect(await w.drain()).toBe(2);
      expect(await findJobById(database.db, known.id)).toBeUndefined();
      const row = await findJobById(database.db, job.id);
      expect(row!.last_error).toBe('no handler is registered for task "test.unknown" on worker worker-a');
      // Retried like any failure (a newer worker may know the task), and failed after its attempts.
      expect(row).toMatchObject({ attempts: 1, failed_at: null, run_at: clock.now() + 500 });
      clock.advance(500);
      expect(await w.drain()).toBe(1);
      expect((await findJobById(database.db, job.id))!.failed_at).toBe(clock.now());
    });

    it('leaves unknown tasks alone when told to claim only its own', async () => {
      const queue = createJobQueue({ clock });
      const w = worker({ 'test.mine': async () => {} }, { onlyRegisteredTasks: true });
      const other = await queue.enqueue(database.db, { task: 'test.theirs', payload: {} });
      await queue.enqueue(database.db, { task: 'test.mine', payload: {} });
      expect(await w.drain()).toBe(1);
      expect(await findJobById(database.db, other.id)).toMatchObject({ attempts: 0, last_error: null });
    });

    it('fails a job whose payload is not JSON permanently', async () => {
      const now = clock.now();
      await insertJob(database.db, {
        id: 'aaaaaaaaaaaaaaaaaaaaaaaa',
        task: 'test.noop',
        payload: '{not json',
        priority: 0,
        run_at: now,
        attempts: 0,
        max_attempts: 5,
        created_at: now,
        updated_at: now,
      });
      const w = worker({ 'test.noop': async () => {} });
      expect(await w.drain()).toBe(1);
      expect(await findJobById(database.db, 'aaaaaaaaaaaaaaaaaaaaaaaa')).toMatchObject({
        failed_at: now,
        last_error: 'the payload is not valid JSON',
      });
    });

    it('logs failures with the job id and task, never the payload', async () => {
      const lines: string[] = [];
      const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
      const queue = createJobQueue({ clock });
      const w = worker(
        {
          'test.sms': async () => {
            throw new Error('SMSC refused the submit');
          },
        },
        { logger },
      );
      const job = await queue.enqueue(database.db, {
        task: 'test.sms',
        payload: { to: '+15557654321', text: 'your code is 991234' },
        maxAttempts: 2,
      });
      await w.drain();
      clock.advance(500);
      await w.drain();

      const failures = lines.map((line) => JSON.parse(line)).filter((entry) => entry.err);
      expect(failures).toHaveLength(2);
      for (const entry of failures) {
        expect(entry).toMatchObject({ jobId: job.id, task: 'test.sms', workerId: w.workerId });
        expect(entry.err.message).toBe('SMSC refused the submit');
      }
      expect(failures.map((entry) => entry.attempt)).toEqual([1, 2]);
      const all = lines.join('\n');
      expect(all).not.toContain('+15557654321');
      expect(all).not.toContain('991234');
    });
  });

  describe('job keys', () => {
    it('replaces the payload and run_at of a waiting job with the same key', async () => {
      const queue = createJobQueue({ clock });
      const seen: unknown[] = [];
      const w = worker({ 'test.sync': async (payload) => void seen.push(payload) });
      const first = await queue.enqueue(database.db, {
        task: 'test.sync',
        payload: { version: 1 },
        jobKey: 'sync:contact:1',
        runAt: clock.now() + 10_000,
      });
      clock.advance(1000);
      const second = await queue.enqueue(database.db, {
        task: 'test.sync',
        payload: { version: 2 },
        jobKey: 'sync:contact:1',
        runAt: clock.now() + 2000,
        priority: 3,
      });

      expect(second.id).toBe(first.id); // the same row, replaced
      expect(second).toMatchObject({ runAt: clock.now() + 2000, priority: 3, createdAt: first.createdAt });
      expect(await countPending(database.db)).toBe(1);
      clock.advance(2000);
      expect(await w.drain()).toBe(1);
      expect(seen).toEqual([{ version: 2 }]);
      expect(await findJobByKey(database.db, 'sync:contact:1')).toBeUndefined();
    });

    it('de-duplicates inside transactions too', async () => {
      const queue = createJobQueue({ clock });
      await database.transaction(async (trx) => {
        await queue.enqueue(trx, { task: 'test.sync', payload: { version: 1 }, jobKey: 'k' });
        await queue.enqueue(trx, { task: 'test.sync', payload: { version: 2 }, jobKey: 'k' });
      });
      await queue.enqueue(database.db, { task: 'test.sync', payload: { version: 3 }, jobKey: 'k' });
      expect(await countPending(database.db)).toBe(1);
      expect(JSON.parse((await findJobByKey(database.db, 'k'))!.payload)).toEqual({ version: 3 });
    });

    it('adds a new job when the keyed job is running, and makes the running attempt its last', async () => {
      const queue = createJobQueue({ clock });
      const old = await queue.enqueue(database.db, { task: 'test.sync', payload: { version: 1 }, jobKey: 'k' });
      const [claimed] = await claimJobs(database.db, database.dialect, {
        workerId: 'busy',
        now: clock.now(),
        limit: 1,
        lockTimeoutMs: LOCK_TIMEOUT_MS,
      });
      expect(claimed!.id).toBe(old.id);

      const fresh = await queue.enqueue(database.db, { task: 'test.sync', payload: { version: 2 }, jobKey: 'k' });
      expect(fresh.id).not.toBe(old.id);
      expect((await findJobByKey(database.db, 'k'))!.id).toBe(fresh.id);
      expect(await findJobById(database.db, old.id)).toMatchObject({ job_key: null, attempts: 1, max_attempts: 1 });

      // The superseded run fails: it is not retried, since the new job carries the newer facts.
      const outcome = await failJob(database.db, {
        id: old.id,
        workerId: 'busy',
        attempts: 1,
        now: clock.now(),
        error: 'boom',
        retryAt: clock.now() + 1000,
        permanent: false,
      });
      expect(outcome).toEqual({ failed: true, runAt: clock.now() });
    });

    it('revives a failed job when its key is enqueued again', async () => {
      const queue = createJobQueue({ clock });
      const w = worker({
        'test.once': async () => {
          throw new PermanentJobError('no');
        },
      });
      const job = await queue.enqueue(database.db, { task: 'test.once', payload: { v: 1 }, jobKey: 'k' });
      await w.drain();
      expect((await findJobById(database.db, job.id))!.failed_at).not.toBeNull();

      const again = await queue.enqueue(database.db, { task: 'test.once', payload: { v: 2 }, jobKey: 'k' });
      expect(again.id).toBe(job.id);
      expect(await findJobById(database.db, job.id)).toMatchObject({
        failed_at: null,
        attempts: 0,
        last_error: null,
        max_attempts: DEFAULT_MAX_ATTEMPTS,
      });
    });
  });

  describe('locks', () => {
    it('makes a job claimable again once its lock is older than the lock timeout', async () => {
      const queue = createJobQueue({ clock });
      const attempts: number[] = [];
      const w = worker({ 'test.send': async (_p, ctx) => void attempts.push(ctx.attempt) });
      const job = await queue.enqueue(database.db, { task: 'test.send', payload: {} });
      // A worker claims it and dies.
      await claimJobs(database.db, database.dialect, {
        workerId: 'dead',
        now: clock.now(),
        limit: 10,
        lockTimeoutMs: LOCK_TIMEOUT_MS,
      });

      expect(await w.drain()).toBe(0);
      clock.advance(LOCK_TIMEOUT_MS);
      expect(await w.drain()).toBe(0); // exactly the timeout: not yet stale
      clock.advance(1);
      expect(await w.drain()).toBe(1);
      expect(attempts).toEqual([2]); // the dead worker's claim counted as attempt 1
      expect(await findJobById(database.db, job.id)).toBeUndefined();

      // The dead worker wakes up: its claim is gone, so it can neither complete nor fail the job.
      expect((await completeJobs(database.db, 'dead', [{ id: job.id, attempts: 1 }])).has(job.id)).toBe(false);
    });

    it('fences a worker whose expired lock was re-claimed', async () => {
      const queue = createJobQueue({ clock });
      const job = await queue.enqueue(database.db, { task: 'test.send', payload: {} });
      const claim = (workerId: string) =>
        claimJobs(database.db, database.dialect, { workerId, now: clock.now(), limit: 1, lockTimeoutMs: 1000 });
      expect(await claim('slow')).toHaveLength(1);
      clock.advance(1001);
      expect(await claim('slow')).toHaveLength(1); // the same worker id, a new claim (attempt 2)

      // The first run's outcome must not end the second run.
      expect((await completeJobs(database.db, 'slow', [{ id: job.id, attempts: 1 }])).has(job.id)).toBe(false);
      const stale = { id: job.id, workerId: 'slow', attempts: 1, now: clock.now(), error: 'x', retryAt: 0 };
      expect(await failJob(database.db, { ...stale, permanent: true })).toBeUndefined();
      expect((await completeJobs(database.db, 'slow', [{ id: job.id, attempts: 2 }])).has(job.id)).toBe(true);
    });

    it('fails a job whose worker died during its final attempt instead of running it again', async () => {
      const queue = createJobQueue({ clock });
      let runs = 0;
      const w = worker({ 'test.send': async () => void runs++ });
      const job = await queue.enqueue(database.db, { task: 'test.send', payload: {}, maxAttempts: 1 });
      await claimJobs(database.db, database.dialect, {
        workerId: 'dead',
        now: clock.now(),
        limit: 1,
        lockTimeoutMs: LOCK_TIMEOUT_MS,
      });
      clock.advance(LOCK_TIMEOUT_MS + 1);
      expect(await w.drain()).toBe(1);
      expect(runs).toBe(0);
      const row = await findJobById(database.db, job.id);
      expect(row).toMatchObject({ failed_at: clock.now(), locked_by: null });
      expect(row!.last_error).toMatch(/lock expired during the final attempt/);
    });

    it('never gives one job to two concurrent claims', async () => {
      const queue = createJobQueue({ clock });
      await database.transaction(async (trx) => {
        for (let i = 0; i < 100; i++) await queue.enqueue(trx, { task: 'test.n', payload: { i } });
      });
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          claimJobs(database.db, database.dialect, {
            workerId: `w${i}`,
            now: clock.now(),
            limit: 7,
            lockTimeoutMs: LOCK_TIMEOUT_MS,
          }),
        ),
      );
      const ids = claims.flat().map((row) => row.id);
      expect(ids).toHaveLength(100);
      expect(new Set(ids).size).toBe(100);
    });

    it('never runs a job in two worker instances at once', async () => {
      // Each worker has its own connection (pool), as two processes would.
      const databases = [createDatabase(test.url, { poolSize: 3 }), createDatabase(test.url, { poolSize: 3 })];
      try {
        const queue = createJobQueue({ clock });
        const total = 300;
        await database.transaction(async (trx) => {
          for (let i = 0; i < total; i++) await queue.enqueue(trx, { task: 'test.n', payload: { i } });
        });
        const running = new Set<string>();
        const runs = new Map<string, string[]>();
        let overlaps = 0;
        const handler = (name: string) => async (_payload: unknown, ctx: JobContext) => {
          if (running.has(ctx.job.id)) overlaps++;
          running.add(ctx.job.id);
          runs.set(ctx.job.id, [...(runs.get(ctx.job.id) ?? []), name]);
          await yieldToEventLoop();
          running.delete(ctx.job.id);
        };
        const workers = databases.map((db, i) =>
          worker({ 'test.n': handler(`w${i}`) }, { database: db, concurrency: 4, workerId: `w${i}` }),
        );

        const ran = await Promise.all(workers.map((w) => w.drain()));
        expect(ran[0]! + ran[1]!).toBe(total);
        expect(ran[0]).toBeGreaterThan(0);
        expect(ran[1]).toBeGreaterThan(0);
        expect(overlaps).toBe(0);
        expect(runs.size).toBe(total);
        expect([...runs.values()].filter((names) => names.length !== 1)).toEqual([]);
        expect(await countPending(database.db)).toBe(0);
      } finally {
        await Promise.all(databases.map((db) => db.close()));
      }
    });
  });

  describe('running in the background', () => {
    it('wakes an idle worker at once on enqueue, without waiting for the poll', { timeout: 5000 }, async () => {
      const queue = createJobQueue({ clock });
      const direct = deferred<unknown>();
      const inTransaction = deferred<unknown>();
      const w = worker(
        {
          'test.direct': async (payload) => direct.resolve(payload),
          'test.tx': async (payload) => inTransaction.resolve(payload),
        },
        { queue, pollIntervalMs: 60_000 },
      );
      w.start();
      try {
        await queue.enqueue(database.db, { task: 'test.direct', payload: { a: 1 } });
        expect(await direct.promise).toEqual({ a: 1 });
        // In a transaction, the wake-up comes after the commit, when the job is visible to the worker.
        await database.transaction((trx) => queue.enqueue(trx, { task: 'test.tx', payload: { b: 2 } }));
        expect(await inTransaction.promise).toEqual({ b: 2 });
      } finally {
        await w.stop();
      }
    });

    it('wakes on nudge() and runs jobs up to the concurrency at a time', { timeout: 5000 }, async () => {
      const queue = createJobQueue({ clock });
      const gate = deferred();
      let active = 0;
      let peak = 0;
      let done = 0;
      const allDone = deferred();
      const w = worker(
        {
          'test.gated': async () => {
            active++;
            peak = Math.max(peak, active);
            await gate.promise;
            active--;
            if (++done === 7) allDone.resolve();
          },
        },
        { concurrency: 3 },
      );
      w.start();
      try {
        await database.transaction(async (trx) => {
          for (let i = 0; i < 7; i++) await queue.enqueue(trx, { task: 'test.gated', payload: { i } });
        });
        w.nudge();
        while (active < 3) await yieldToEventLoop();
        gate.resolve();
        await allDone.promise;
        expect(peak).toBe(3);
      } finally {
        await w.stop();
      }
      expect(await countPending(database.db)).toBe(0);
    });

    it('stops gracefully: claims nothing more and waits for the running job', { timeout: 5000 }, async () => {
      const queue = createJobQueue({ clock });
      const started = deferred();
      const release = deferred();
      const w = worker({
        'test.slow': async () => {
          started.resolve();
          await release.promise;
        },
      });
      const job = await queue.enqueue(database.db, { task: 'test.slow', payload: {} });
      w.start();
      w.nudge();
      await started.promise;

      let stopped = false;
      const stopping = w.stop(5000).then(() => {
        stopped = true;
      });
      const later = await queue.enqueue(database.db, { task: 'test.slow', payload: {} });
      await yieldToEventLoop();
      expect(stopped).toBe(false);
      release.resolve();
      await stopping;
      expect(await findJobById(database.db, job.id)).toBeUndefined(); // completed
      expect(await findJobById(database.db, later.id)).toMatchObject({ attempts: 0, locked_by: null }); // never claimed
    });

    it('releases a job still running after the shutdown timeout, and aborts its signal', {
      timeout: 5000,
    }, async () => {
      const queue = createJobQueue({ clock });
      const started = deferred();
      let signal: AbortSignal | undefined;
      const w = worker({
        'test.stuck': async (_payload, ctx) => {
          signal = ctx.signal;
          started.resolve();
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
        },
      });
      const job = await queue.enqueue(database.db, { task: 'test.stuck', payload: {} });
      w.start();
      w.nudge();
      await started.promise;
      await w.stop(20);

      expect(signal!.aborted).toBe(true);
      expect(await findJobById(database.db, job.id)).toMatchObject({
        locked_by: null,
        locked_at: null,
        attempts: 1,
        run_at: clock.now(),
        failed_at: null,
        last_error: 'the worker stopped before the job finished',
      });
    });
  });
});
