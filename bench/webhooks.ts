/**
 * Benchmark: webhook delivery. One process runs the platform's webhook runner (default settings:
 * WEBHOOK_CONCURRENCY=64, WEBHOOK_MAX_IN_FLIGHT_PER_SUBSCRIPTION=8, WEBHOOK_POLL_INTERVAL_MS=50) against a fast
 * local receiver in a child process (node:http, 204 at once, keep-alive). For 1, 10 and 100 subscriptions of one
 * organisation (contact filter) it prints:
 *
 * - throughput: a backlog of events (DELIVERIES in all, default 20000) is fanned out and delivered; deliveries/s
 *   from runner start to the last success;
 * - latency: with the runner idle, events are committed one by one at a paced rate (a third of the measured
 *   throughput); p50/p95/max of the delay from the event's commit to its first attempt (attempt start time).
 *
 *   npx tsx bench/webhooks.ts                         (SQLite in a temporary directory)
 *   DELIVERIES=50000 SUBSCRIPTIONS=1,10 npx tsx bench/webhooks.ts
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/webhooks.ts   (a fresh database beside it)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { migrateToLatest } from '../src/platform/db/migrations.js';
import { recordEvent } from '../src/platform/events/events.js';
import { newId } from '../src/platform/ids.js';
import { createEmptyDatabase } from '../test/harness/database.js';

const TOTAL = Number(process.env.DELIVERIES ?? 20_000);
const SUBSCRIPTIONS = (process.env.SUBSCRIPTIONS ?? '1,10,100').split(',').map(Number);
const LATENCY_SECONDS = Number(process.env.LATENCY_SECONDS ?? 5);

const RECEIVER = `
const http = require('node:http');
let posts = 0;
const server = http.createServer((req, res) => {
  if (req.url === '/count') return res.end(String(posts));
  if (req.method === 'GET') { res.writeHead(200, { 'validation-token': req.headers['validation-token'] || '' }); return res.end(); }
  req.resume();
  req.on('end', () => { posts += 1; res.writeHead(204); res.end(); });
});
server.keepAliveTimeout = 10000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

function startReceiver(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve({ child, port: Number(String(chunk).trim()) }));
    child.once('error', reject);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const dir = mkdtempSync(join(tmpdir(), 'stratus-bench-webhooks-'));
const database = await createEmptyDatabase(
  process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined,
  'stratus_bench_',
);
const receiver = await startReceiver();
const config = loadConfig({
  DATA_DIR: dir,
  DATABASE_URL: database.url,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  WEBHOOK_ALLOW_PRIVATE: 'true',
});
const container = createContainer({ config });
await migrateToLatest(container.database.db);
const db = container.database.db;
console.log(
  `webhook delivery on ${container.database.dialect}: ${TOTAL} deliveries per run, receiver on port ${receiver.port}, ` +
    `concurrency ${config.webhookConcurrency}, ${config.webhookPerSubscription} in flight per subscription`,
);

async function recordContactEvents(orgId: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 200) {
    await container.database.transaction(async (trx) => {
      for (let i = start; i < Math.min(count, start + 200); i++) {
        const now = Date.now();
        const contactId = newId(now);
        await recordEvent(trx, {
          orgId,
          type: 'contact.created',
          subjectId: contactId,
          payload: { contactId, mobileNumber: '+12125550100', lastUpdated: now },
          at: now,
        });
      }
    });
  }
}

/** POSTs the receiver has answered: asked over HTTP, so polling costs the database nothing. */
async function received(): Promise<number> {
  return Number(await (await fetch(`http://127.0.0.1:${receiver.port}/count`)).text());
}

async function until(count: number): Promise<void> {
  while ((await received()) < count) await new Promise((r) => setTimeout(r, 10));
}

try {
  for (const subscriptions of SUBSCRIPTIONS) {
    const created = await container.accounts.createOrganization({ name: `Bench ${subscriptions}` });
    if (!created.ok) throw new Error(created.code);
    const orgId = created.value.organization.id;
    for (let i = 0; i < subscriptions; i++) {
      const outcome = await container.webhooks.upsert(
        { orgId, scopes: ['SendMessage', 'ReadContact'] },
        { uri: `http://127.0.0.1:${receiver.port}/hook/${i}`, eventFilters: [`/orgId/${orgId}/contact`] },
      );
      if (!outcome.ok) throw new Error(`${outcome.code}: ${outcome.message}`);
    }

    // Throughput: a backlog of events, then the runner.
    const events = Math.max(1, Math.round(TOTAL / subscriptions));
    await recordContactEvents(orgId, events);
    const expected = events * subscriptions;
    const base = await received();
    const runner = container.createWebhooksRunner();
    const started = performance.now();
    if (process.env.ANALYZE === '1' && container.database.dialect === 'postgres') {
      // Fan out first and refresh the planner's statistics, as autovacuum does in a steady state.
      while ((await runner.dispatchOnce()) > 0);
      await sql`analyze webhook_deliveries`.execute(db);
    }
    runner.start();
    await until(base + expected);
    const seconds = (performance.now() - started) / 1000;
    const throughput = expected / seconds;

    // Latency: events committed one at a time at a third of that rate, the runner otherwise idle.
    const rate = Math.max(1, Math.min(500, Math.floor(throughput / 3 / subscriptions)));
    const latencyEvents = rate * LATENCY_SECONDS;
    const since = Date.now();
    for (let i = 0; i < latencyEvents; i++) {
      await recordContactEvents(orgId, 1);
      await new Promise((r) => setTimeout(r, 1000 / rate));
    }
    await until(base + expected + latencyEvents * subscriptions);
    await runner.stop(5000);
    const delays = (
      await db
        .selectFrom('webhook_attempts')
        .innerJoin('webhook_deliveries', 'webhook_deliveries.id', 'webhook_attempts.delivery_id')
        .select(['webhook_attempts.attempted_at', 'webhook_deliveries.event_at'])
        .where('webhook_deliveries.org_id', '=', orgId)
        .where('webhook_attempts.attempt', '=', 1)
        .where('webhook_deliveries.event_at', '>=', since)
        .execute()
    )
      .map((row) => row.attempted_at - row.event_at)
      .sort((a, b) => a - b);
    console.log(
      `${String(subscriptions).padStart(3)} subscription${subscriptions === 1 ? ' ' : 's'}: ` +
        `${Math.round(throughput).toString().padStart(6)} deliveries/s (${expected} in ${seconds.toFixed(2)} s)   ` +
        `commit → first attempt at ${rate * subscriptions} deliveries/s: p50 ${percentile(delays, 50)} ms, ` +
        `p95 ${percentile(delays, 95)} ms, max ${delays[delays.length - 1]} ms (${delays.length} deliveries)`,
    );
  }
} finally {
  await container.close();
  receiver.child.kill();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
}
