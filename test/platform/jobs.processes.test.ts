import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { countPending } from '../../src/platform/jobs/jobs.repository.js';
import { createJobQueue } from '../../src/platform/jobs/queue.js';
import { createTestDatabase, type TestDatabase, testDialect } from '../harness/database.js';

/**
 * Two real operating-system processes, each running our worker, drain one shared queue. This is what the claim
 * query's FOR UPDATE SKIP LOCKED (PostgreSQL) or the single write lock (SQLite, WAL, busy timeout) must make safe.
 */
const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const FIXTURE = join(ROOT, 'test/platform/fixtures/jobs-worker-process.ts');
const JOBS = 600;
const DEADLINE_MS = 20_000;

interface Run {
  id: string;
  pid: number;
  startedAt: number;
  endedAt: number;
}

type Child = ChildProcessByStdio<Writable, Readable, Readable> & { output: string[]; exited: Promise<number | null> };

function startChild(databaseUrl: string, runLog: string): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, databaseUrl, runLog], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  }) as Child;
  child.output = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => child.output.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => child.output.push(chunk));
  child.exited = new Promise((done) => child.on('exit', (code) => done(code)));
  return child;
}

/** Map.groupBy arrived in Node 21; Node 20 is supported. */
function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

async function until(what: string, condition: () => boolean | Promise<boolean>, children: Child[]): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}; child output:\n${children.map((c) => c.output.join('')).join('\n---\n')}`,
      );
    }
    await sleep(25);
  }
}

describe(`job workers in two processes on ${testDialect()}`, () => {
  let test: TestDatabase;
  let dir: string;
  const children: Child[] = [];

  beforeAll(async () => {
    test = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'stratus-jobs-'));
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await test.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`runs each of ${JOBS} jobs exactly once, never in both processes at once`, { timeout: 60_000 }, async () => {
    const logs = [join(dir, 'runs-a.jsonl'), join(dir, 'runs-b.jsonl')];
    for (const log of logs) children.push(startChild(test.url, log));
    await until(
      'both workers to be ready',
      () => children.every((c) => c.output.join('').includes('ready\n')),
      children,
    );

    // One transaction, so both idle workers find the whole batch at their next poll.
    const queue = createJobQueue({ clock: systemClock });
    await test.database.transaction(async (trx) => {
      for (let i = 0; i < JOBS; i++) await queue.enqueue(trx, { task: 'test.record', payload: { i } });
    });
    await until('the queue to drain', async () => (await countPending(test.database.db)) === 0, children);

    for (const child of children) child.stdin.write('stop\n');
    expect(await Promise.all(children.map((c) => c.exited))).toEqual([0, 0]);

    const runs: Run[] = logs.flatMap((log) =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Run),
    );
    const byJob = groupBy(runs, (run) => run.id);
    expect(byJob.size).toBe(JOBS);
    expect([...byJob.entries()].filter(([, list]) => list.length !== 1)).toEqual([]);

    // Redundant once each job ran once, but it states the property directly: no two runs of one job overlap.
    for (const list of byJob.values()) {
      for (const a of list) {
        for (const b of list) {
          if (a !== b) expect(a.endedAt <= b.startedAt || b.endedAt <= a.startedAt).toBe(true);
        }
      }
    }
    // Both processes took part, so the claims really competed.
    const perProcess = groupBy(runs, (run) => run.pid);
    expect(perProcess.size).toBe(2);
    for (const list of perProcess.values()) expect(list.length).toBeGreaterThan(JOBS / 10);
  });
});
