import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmscSimulator, startSmscSimulator } from '../../src/features/carrier/simulator.js';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { testDialect } from '../harness/database.js';
import { eventually, orgWithHeaders, sendSms, testLogger } from './messages-helpers.js';

/**
 * kill -9 of a worker process in the middle of sending (ARCHITECTURE.md: "no data loss on crash"): every message
 * the API accepted still reaches the SMSC after a new worker starts, none is failed, and the resubmits (messages
 * the carrier saw twice, the at-least-once window) are counted and reported.
 */
const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const FIXTURE = join(ROOT, 'test/features/fixtures/messages-worker-process.ts');
const MESSAGES = 200;

type Child = ChildProcessByStdio<Writable, Readable, Readable> & { output: string[]; exited: Promise<number | null> };

function startWorker(databaseUrl: string, smppUrl: string, dataDir: string): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, databaseUrl, smppUrl, dataDir], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  }) as Child;
  child.output = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => child.output.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => child.output.push(chunk));
  child.exited = new Promise((done) => child.on('exit', (code, signal) => done(code ?? (signal ? -1 : null))));
  return child;
}

describe(`a worker killed with kill -9 mid-send on ${testDialect()}`, () => {
  let platform: TestPlatform;
  let sim: SmscSimulator;
  let dataDir: string;
  const children: Child[] = [];
  beforeAll(async () => {
    // Slow answers keep submits in flight when the worker dies.
    sim = await startSmscSimulator({
      receiptDelayMs: 5,
      logger: testLogger,
      faults: { responseDelayMs: 20 },
      // Receipts meant for the killed worker wait for the next bind, however slow the restart on a busy machine.
      maxDeliverAttempts: 1000,
    });
    dataDir = mkdtempSync(join(tmpdir(), 'stratus-kill9-'));
    platform = await createTestPlatform({
      env: { DATA_DIR: dataDir, RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' },
    });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await sim.close();
    await platform.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`delivers every one of ${MESSAGES} accepted messages after a restart, counting resubmits`, {
    timeout: 180_000,
  }, async () => {
    const org = await orgWithHeaders(platform);
    const texts = Array.from({ length: MESSAGES }, (_, i) => `kill-9 message ${i}`);
    const ids: string[] = [];
    for (const text of texts) {
      const response = await sendSms(platform, org.headers, { from: org.phoneNumber, to: '+12125550199', text });
      expect(response.statusCode).toBe(200);
      ids.push(response.json().id);
    }
    const smppUrl = `smpp://stratus:secret@127.0.0.1:${sim.port}?window=10&tps=0&reconnectMinMs=10&reconnectMaxMs=100`;
    const url = platform.testDatabase.url;

    const first = startWorker(url, smppUrl, dataDir);
    children.push(first);
    await eventually(() => first.output.join('').includes('ready'), 'the first worker', 30_000);
    await eventually(() => sim.submitted.length >= MESSAGES / 4, 'a quarter of the submits', 30_000);
    first.kill('SIGKILL');
    expect(await first.exited).toBe(-1);
    const beforeRestart = sim.submitted.length;
    expect(beforeRestart).toBeLessThan(MESSAGES);

    const second = startWorker(url, smppUrl, dataDir);
    children.push(second);
    const { db } = platform.container.database;
    let statuses: Record<string, number> = {};
    try {
      await eventually(
        async () => {
          const rows = await db.selectFrom('messages').select(['status']).where('id', 'in', ids).execute();
          statuses = {};
          for (const row of rows) statuses[row.status] = (statuses[row.status] ?? 0) + 1;
          return rows.every((row) => row.status === 'delivered');
        },
        'every message delivered',
        120_000,
      );
    } catch (error) {
      // Say where the stragglers stand, and what the restarted worker printed, before failing.
      throw new Error(
        `${(error as Error).message}: statuses ${JSON.stringify(statuses)}; worker output: ${second.output.join('')}`,
      );
    }

    const accepted = sim.submitted.filter((s) => s.status === 0);
    const reached = new Set(accepted.map((s) => s.text));
    for (const text of texts) expect(reached.has(text)).toBe(true);
    const resubmits = accepted.length - MESSAGES;
    const attempts = await db.selectFrom('messages').select(['submit_attempts']).where('id', 'in', ids).execute();
    const retried = attempts.filter((row) => row.submit_attempts > 1).length;
    // The at-least-once window: what the first worker had in flight (or acknowledged but not yet recorded).
    console.log(
      `[kill -9] ${MESSAGES} accepted, ${beforeRestart} submits before the kill, ${accepted.length} accepted by the SMSC in all: ` +
        `${resubmits} resubmitted (${retried} messages attempted more than once)`,
    );
    expect(resubmits).toBeLessThanOrEqual(40);

    second.stdin.write('stop\n');
    expect(await second.exited).toBe(0);
  });
});
