import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { freePort, runStratus, startStratus } from '../test/harness/processes.js';

/**
 * When DATABASE_URL names a PostgreSQL server: a fresh database beside the one named (dropped by `drop()`), so a
 * benchmark never writes into a database that tests or people use. Undefined for SQLite.
 */
async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const admin = process.env.DATABASE_URL;
  if (!admin?.startsWith('postgres')) return undefined;
  const name = `stratus_bench_${randomBytes(4).toString('hex')}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}

/**
 * A platform process for benchmarks: `stratus serve` (role `all`, or `role`) on a fresh DATA_DIR with SQLite, or,
 * when DATABASE_URL names a PostgreSQL server, on a fresh database beside it (dropped by `stop()`); an API client
 * made with the CLI, and a client_credentials token for it.
 */
export async function startBenchServer(extraEnv: Record<string, string> = {}, role: 'all' | 'api' = 'all') {
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-bench-'));
  const database = await freshPostgres();
  const port = await freePort();
  const env = {
    DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_SECOND: '1000000',
    RATE_LIMIT_BURST: '1000000',
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...extraEnv,
  };
  const server = await startStratus(['serve', '--role', role], env, 'Admin sign-in');
  const demo = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8'));
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
  const client = JSON.parse(created.stdout) as { clientId: string; clientSecret: string; apiKey: string };
  const base = `http://127.0.0.1:${port}`;
  const tokenResponse = await fetch(`${base}/oauth2/token/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
  });
  const { access_token } = (await tokenResponse.json()) as { access_token: string };
  return {
    base,
    demo,
    dialect: database ? 'PostgreSQL' : 'SQLite',
    headers: { authorization: `Bearer ${access_token}`, 'x-api-key': client.apiKey },
    async stop() {
      server.child.kill('SIGTERM');
      await server.exited;
      await database?.drop();
    },
  };
}

export type BenchServer = Awaited<ReturnType<typeof startBenchServer>>;

/**
 * An autocannon load of `POST /message/sendsms` from the demo number with the server's token: every text is unique
 * (`label` and a sequence number), so the simulator's submits tell resubmits from messages.
 */
export function sendsmsLoad(
  server: BenchServer,
  options: { label: string; connections: number } & ({ seconds: number } | { requests: number }),
) {
  let sequence = 0;
  return autocannon({
    url: `${server.base}/stratustexting-prod/message/sendsms`,
    method: 'POST',
    headers: { ...server.headers, 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({
            from: server.demo.phoneNumber,
            to: '+12125550143',
            text: `Benchmark message ${options.label} ${sequence++}`,
          }),
        }),
      },
    ],
    connections: options.connections,
    ...('requests' in options ? { amount: options.requests } : { duration: options.seconds }),
    title: options.label,
  });
}
