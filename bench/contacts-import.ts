/**
 * Benchmark: importing contacts through the API. POSTs COUNT (10,000) distinct contacts to `{STAGE}/contact`
 * with CONCURRENCY (20) requests in flight, then the same COUNT again as updates, and prints the time and rate
 * of each pass.
 *
 *   npm run bench:contacts            (COUNT=10000 CONCURRENCY=20; DATABASE_URL=postgres://… for PostgreSQL)
 */
import { startBenchServer } from './server.js';

const count = Number(process.env.COUNT ?? 10_000);
const concurrency = Number(process.env.CONCURRENCY ?? 20);
const server = await startBenchServer();

async function pass(label: string, body: (i: number) => Record<string, unknown>, expected: number) {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const response = await fetch(`${server.base}/stratustexting-prod/contact`, {
        method: 'POST',
        headers: { ...server.headers, 'content-type': 'application/json' },
        body: JSON.stringify(body(i)),
      });
      if (response.status !== expected) throw new Error(`${label} #${i}: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  console.log(`${label.padEnd(8)} ${count} contacts in ${seconds.toFixed(1)} s  (${Math.round(count / seconds)} /s)`);
}

// Distinct valid US numbers: +1 212 2xx xxxx.
const number = (i: number) => `+1212${String(2_000_000 + i).padStart(7, '0')}`;
try {
  await pass(
    'create',
    (i) => ({ mobileNumber: number(i), firstName: `First${i}`, lastName: 'Bench', tags: ['bench'] }),
    201,
  );
  await pass('update', (i) => ({ mobileNumber: number(i), company: `Company ${i}` }), 200);
} finally {
  await server.stop();
}
