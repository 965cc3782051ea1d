/**
 * Benchmark: what the API guard costs. Starts the platform (SQLite, LOG_LEVEL=warn) as a child process,
 * makes an API client with the CLI, then loads `GET /healthz` (no auth) and an authenticated
 * `GET {STAGE}/site/all` with autocannon from this process, and prints requests/s and latency of both.
 *
 *   npm run bench:guard            (DURATION=10 CONNECTIONS=50 to change the load)
 *   DATABASE_URL=postgres://… npm run bench:guard
 */
import autocannon from 'autocannon';
import { startBenchServer } from './server.js';

const duration = Number(process.env.DURATION ?? 10);
const connections = Number(process.env.CONNECTIONS ?? 50);
const server = await startBenchServer();
const port = new URL(server.base).port;
try {
  const run = (title: string, path: string, headers: Record<string, string> = {}) =>
    autocannon({ url: `http://127.0.0.1:${port}${path}`, connections, duration, headers, title });

  await run('warm-up', '/healthz');
  const health = await run('GET /healthz', '/healthz');
  const sites = await run('GET /site/all (authenticated)', '/stratustexting-prod/site/all', server.headers);
  for (const result of [health, sites]) {
    if (result.non2xx > 0) throw new Error(`${result.title}: ${result.non2xx} non-2xx answers`);
    console.log(
      `${(result.title ?? '').padEnd(32)} ${Math.round(result.requests.average).toString().padStart(7)} req/s   ` +
        `p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms`,
    );
  }
  console.log(`ratio authenticated/unauthenticated: ${(sites.requests.average / health.requests.average).toFixed(2)}`);
} finally {
  await server.stop();
}
