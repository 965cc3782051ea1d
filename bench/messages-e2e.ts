/**
 * Benchmark: the send path end to end. `stratus serve` (one process, role all) takes HTTP `POST /message/sendsms`
 * with a real token; each accepted message is committed with its send job, submitted over SMPP to an SMSC
 * simulator running in this process (so it does not share the server's CPU), and its receipt makes it `delivered`.
 *
 * Prints: accepted messages/s and p50/p99 accept latency (autocannon), submit_sm/s seen by the simulator while
 * the load ran and until the queue drained, and the time until every accepted message was delivered.
 *
 *   npx tsx bench/messages-e2e.ts                      (SQLite)
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/messages-e2e.ts
 *       (a fresh database is created beside the one named, and dropped afterwards)
 *   DURATION=10 CONNECTIONS=50 WINDOW=10 npx tsx bench/messages-e2e.ts
 *   COUNT=5000 npx tsx bench/messages-e2e.ts           (a fixed number of requests, like bench/kannel.ts)
 */
import { startSmscSimulator } from '../src/features/carrier/simulator.js';
import { sendsmsLoad, startBenchServer } from './server.js';

const duration = Number(process.env.DURATION ?? 10);
const connections = Number(process.env.CONNECTIONS ?? 50);
const window = Number(process.env.WINDOW ?? 10);
/** When set, the load is this many requests instead of DURATION seconds. */
const amount = process.env.COUNT ? Number(process.env.COUNT) : undefined;

const sim = await startSmscSimulator({ receiptDelayMs: 5 });
const server = await startBenchServer({
  SMPP_URL: `smpp://bench:bench@127.0.0.1:${sim.port}?window=${window}&tps=0`,
  JOB_POLL_INTERVAL_MS: '50',
  // Send jobs in flight: at least the window (README: SEND_CONCURRENCY), or the window could never fill.
  SEND_CONCURRENCY: String(Math.max(50, 2 * window)),
});
const dialect = server.dialect;

try {
  const api = `${server.base}/stratustexting-prod`;
  const load = (label: string, seconds: number, requests?: number) =>
    sendsmsLoad(server, { label, connections, ...(requests ? { requests } : { seconds }) });

  const count = async (status: string) => {
    const response = await fetch(`${api}/message/all?status=${status}&size=1`, { headers: server.headers });
    return ((await response.json()) as { totalElements: number }).totalElements;
  };
  /** Until no message is queued, sending or sent (every one has its receipt). */
  const untilDrained = async () => {
    for (;;) {
      const open = await Promise.all(['queued', 'sending', 'sent'].map(count));
      if (open.every((n) => n === 0)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  // Warm-up (JIT, prepared statements, the bind), then let it drain.
  await load('warm-up', 2);
  await untilDrained();
  sim.reset();

  const submitsAtStart = sim.submitted.length;
  const started = Date.now();
  const result = await load('POST /message/sendsms', duration, amount);
  const loadEnded = Date.now();
  const submitsDuringLoad = sim.submitted.length - submitsAtStart;
  if (result.non2xx > 0 || result.errors > 0) {
    console.warn(`warning: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  // autocannon counts the answers it read; requests cut off at the end may still have been accepted.
  const answered = result['2xx'];
  await untilDrained();
  const drained = Date.now();
  const submits = sim.submitted.filter((s) => s.status === 0);
  const ok = submits.length;
  const accepted = new Set(submits.map((s) => s.text)).size;

  const seconds = (ms: number) => ms / 1000;
  const shape = amount ? `${amount} requests` : `${duration} s`;
  console.log(`messages end to end on ${dialect}: ${connections} connections, ${shape}, SMPP window ${window}`);
  console.log(
    `  accepted:          ${answered} answered 200, ${Math.round(answered / seconds(loadEnded - started))} msg/s`,
  );
  console.log(`  accept latency:    p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms`);
  console.log(
    `  submit_sm (load):  ${Math.round(submitsDuringLoad / seconds(loadEnded - started))} /s while the load ran`,
  );
  console.log(
    `  submit_sm (all):   ${ok} accepted by the SMSC, ${Math.round(ok / seconds(drained - started))} /s until every message was delivered`,
  );
  console.log(
    `  delivered:         all ${accepted} messages after ${seconds(drained - started).toFixed(1)} s (${seconds(drained - loadEnded).toFixed(1)} s after the load)`,
  );
  console.log(`  resubmits:         ${ok - accepted}`);
} finally {
  await server.stop();
  await sim.close();
}
