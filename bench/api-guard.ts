/**
 * Benchmark: what the API guard costs. Starts the platform (SQLite, LOG_LEVEL=warn) as a child process,
 * makes an API client with the CLI, then loads `GET /healthz` (no auth) and an authenticated
 * `GET {STAGE}/site/all` with autocannon from this process, and prints requests/s and latency of both.
 *
 *   npm run bench:guard            (DURATION=10 CONNECTIONS=50 to change the load)
 *   DATABASE_URL=postgres://… npm run bench:guard
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort, runStratus, startStratus } from '../test/harness/processes.js';

const duration = Number(process.env.DURATION ?? 10);
const connections = Number(process.env.CONNECTIONS ?? 50);
const dataDir = mkdtempSync(join(tmpdir(), 'stratus-bench-'));
const port = await freePort();
const env = {
  DATA_DIR: dataDir,
  PORT: String(port),
  LOG_LEVEL: 'warn',
  RATE_LIMIT_PER_SECOND: '1000000',
  RATE_LIMIT_BURST: '1000000',
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
};

const server = await startStratus(['serve'], env, 'Admin sign-in');
try {
  const demo = JSON.parse((await import('node:fs')).readFileSync(join(dataDir, 'demo.json'), 'utf8'));
  const created = await runStratus(
    [
      'client',
      'create',
      '--org',
      demo.organizationId,
      '--name',
      'Bench',
      '--redirect-uri',
      'http://localhost/cb',
      '--client-credentials',
      '--json',
    ],
    env,
  );
  const client = JSON.parse(created.stdout);
  const tokenResponse = await fetch(`http://127.0.0.1:${port}/oauth2/token/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
  });
  const { access_token } = (await tokenResponse.json()) as { access_token: string };

  const run = (title: string, path: string, headers: Record<string, string> = {}) =>
    autocannon({ url: `http://127.0.0.1:${port}${path}`, connections, duration, headers, title });

  await run('warm-up', '/healthz');
  const health = await run('GET /healthz', '/healthz');
  const sites = await run('GET /site/all (authenticated)', '/stratustexting-prod/site/all', {
    authorization: `Bearer ${access_token}`,
    'x-api-key': client.apiKey,
  });
  for (const result of [health, sites]) {
    if (result.non2xx > 0) throw new Error(`${result.title}: ${result.non2xx} non-2xx answers`);
    console.log(
      `${(result.title ?? '').padEnd(32)} ${Math.round(result.requests.average).toString().padStart(7)} req/s   ` +
        `p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms`,
    );
  }
  console.log(`ratio authenticated/unauthenticated: ${(sites.requests.average / health.requests.average).toFixed(2)}`);
} finally {
  server.child.kill('SIGTERM');
  await server.exited;
}
