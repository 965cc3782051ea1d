import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV_ROUTE_ID } from '../../../src/features/carrier/links.js';
import { type SmscSimulator, startSmscSimulator } from '../../../src/features/carrier/simulator.js';
import { createTestPlatform, type TestPlatform } from '../../harness/app.js';
import { testDialect } from '../../harness/database.js';
import { startStratus } from '../../harness/processes.js';
import { eventually, orgWithHeaders, sendSms } from '../messages-helpers.js';
import { testLogger } from './helpers.js';

/**
 * Bind ownership across processes with real `stratus serve --role worker` processes on one database and an
 * `exclusive=true` SMPP_URL: the simulator never sees two binds at once, every message sent through the API reaches
 * it, and after kill -9 of the holder the other process binds once the lease expired and sends the rest.
 */
const BATCH = 30;
const LEASE_TTL_MS = 3000;
const TO = '+12125550199';

type Server = Awaited<ReturnType<typeof startStratus>>;

/**
 * The pid of the node process running the platform: `tsx` runs it as its child, and a SIGKILL sent to tsx would not
 * reach it. Linux /proc; the started process itself when it has no child (node run directly).
 */
function platformPid(child: ChildProcess): number {
  const pid = child.pid!;
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return children.length > 0 ? Number(children[0]) : pid;
  } catch {
    return pid;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe(`exclusive route across two worker processes on ${testDialect()}`, () => {
  let sim: SmscSimulator;
  let platform: TestPlatform;
  let dataDir: string;
  const servers: Server[] = [];

  beforeAll(async () => {
    // Receipts meant for a killed worker wait for the next bind.
    sim = await startSmscSimulator({ receiptDelayMs: 5, logger: testLogger, maxDeliverAttempts: 1000 });
    dataDir = mkdtempSync(join(tmpdir(), 'stratus-exclusive-processes-'));
    platform = await createTestPlatform({
      env: { DATA_DIR: dataDir, RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' },
    });
  });
  afterAll(async () => {
    for (const server of servers) {
      const pid = platformPid(server.child);
      if (isRunning(pid)) process.kill(pid, 'SIGKILL');
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    }
    await sim.close();
    await platform.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('binds once at a time, delivers every message, and moves the bind after kill -9 of its holder', {
    timeout: 180_000,
  }, async () => {
    const env = {
      DATABASE_URL: platform.testDatabase.url,
      DATA_DIR: dataDir,
      SMPP_URL: `smpp://stratus:secret@127.0.0.1:${sim.port}?exclusive=true&tps=0&reconnectMinMs=10&reconnectMaxMs=100`,
      CARRIER_LEASE_RENEW_MS: '500',
      CARRIER_LEASE_TTL_MS: String(LEASE_TTL_MS),
      JOB_POLL_INTERVAL_MS: '50',
      JOB_LOCK_TIMEOUT_MS: '5000',
      SHUTDOWN_TIMEOUT_MS: '10000',
      DEMO: 'off',
    };
    const ready = 'Stratus Connect is running (role: worker';
    servers.push(...(await Promise.all([1, 2].map(() => startStratus(['serve', '--role', 'worker'], env, ready)))));
    const output = () => servers.map((server, i) => `--- process ${i + 1}:\n${server.output()}`).join('\n');
    const { db } = platform.container.database;
    const holderOf = async () =>
      (await db.selectFrom('carrier_link_leases').selectAll().where('route_id', '=', ENV_ROUTE_ID).executeTakeFirst())
        ?.holder;

    const firstHolder = await eventually(holderOf, 'a process to take the lease', 30_000);
    await eventually(() => sim.sessionCount === 1, 'the holder to bind', 30_000);

    const org = await orgWithHeaders(platform);
    async function sendBatch(label: string): Promise<{ ids: string[]; texts: string[] }> {
      const texts = Array.from({ length: BATCH }, (_, i) => `${label} message ${i}`);
      const ids: string[] = [];
      for (const text of texts) {
        // Three processes write to one database (on SQLite, one file): every send must still be accepted at once.
        const response = await sendSms(platform, org.headers, { from: org.phoneNumber, to: TO, text });
        expect(response.statusCode, response.body).toBe(200);
        ids.push(response.json().id);
      }
      return { ids, texts };
    }
    async function expectDelivered(batch: { ids: string[]; texts: string[] }, what: string): Promise<void> {
      let statuses: Record<string, number> = {};
      try {
        await eventually(
          async () => {
            const rows = await db.selectFrom('messages').select('status').where('id', 'in', batch.ids).execute();
            statuses = {};
            for (const row of rows) statuses[row.status] = (statuses[row.status] ?? 0) + 1;
            return rows.every((row) => row.status === 'delivered');
          },
          what,
          90_000,
        );
      } catch (error) {
        throw new Error(`${(error as Error).message}: statuses ${JSON.stringify(statuses)}\n${output()}`);
      }
      const reached = new Set(sim.submitted.filter((submit) => submit.status === 0).map((submit) => submit.text));
      for (const text of batch.texts) expect(reached.has(text)).toBe(true);
    }

    // Both processes claim send jobs; only the holder has a bind, the other defers what it claims.
    const before = await sendBatch('first');
    await expectDelivered(before, 'the first batch delivered');
    expect(sim.stats).toMatchObject({ binds: 1, maxBound: 1 });
    expect(await holderOf()).toBe(firstHolder);

    // kill -9 of the holder: found by the pid in its holder id (`<host>/<pid>/<random>`).
    const holderPid = Number(firstHolder.split('/').at(-2));
    const victim = servers.find((server) => platformPid(server.child) === holderPid);
    expect(victim, `the holder ${firstHolder} is one of the started processes`).toBeDefined();
    const survivor = servers.find((server) => server !== victim)!;
    process.kill(holderPid, 'SIGKILL');
    await victim!.exited;
    await eventually(() => sim.sessionCount === 0, 'the SMSC to see the killed bind go', 10_000);

    // Sent while nobody holds the route: the survivor defers them until the lease expires, then sends them.
    const after = await sendBatch('second');
    await expectDelivered(after, 'the second batch delivered by the survivor');
    const secondHolder = await holderOf();
    expect(secondHolder).toBeDefined();
    expect(secondHolder).not.toBe(firstHolder);
    expect(sim.stats).toMatchObject({ binds: 2, maxBound: 1 });
    // Waiting for the lease touched no message: each was submitted once, by whichever process held the bind.
    const rows = await db
      .selectFrom('messages')
      .select(['submit_attempts', 'created_at', 'updated_at'])
      .where('id', 'in', [...before.ids, ...after.ids])
      .execute();
    expect(rows.map((row) => row.submit_attempts)).toEqual(rows.map(() => 1));
    const longestWait = Math.max(...rows.map((row) => row.updated_at - row.created_at));
    console.log(
      `[exclusive route] ${2 * BATCH} messages delivered through one bind at a time, each submitted once; ` +
        `the longest from accept to delivered took ${longestWait} ms (the survivor waited for the lease)`,
    );
    const failedJobs = await db.selectFrom('jobs').select('id').where('failed_at', 'is not', null).execute();
    expect(failedJobs).toEqual([]);

    // A graceful stop unbinds and gives the lease up.
    survivor.child.kill('SIGTERM');
    expect(await survivor.exited).toBe(0);
    expect(await holderOf()).toBeUndefined();
    await eventually(() => sim.sessionCount === 0, 'the survivor to unbind', 10_000);
  });
});
