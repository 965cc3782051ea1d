import autocannon from 'autocannon';
import { createEmptyDatabase } from '../test/harness/database.js';
import { startLiveServer } from '../test/harness/live-server.js';

/**
 * A platform process for benchmarks: `stratus serve` (role `all`, or `role`) on a fresh SQLite file, or, when
 * DATABASE_URL names a PostgreSQL server, on a fresh database beside it (so a benchmark never writes into a database
 * that tests or people use; dropped by `stop()`); an API client made with the CLI, and a client_credentials token.
 */
export async function startBenchServer(extraEnv: Record<string, string> = {}, role: 'all' | 'api' = 'all') {
  const adminUrl = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;
  const database = await createEmptyDatabase(adminUrl, 'stratus_bench_');
  const live = await startLiveServer(
    { RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000', ...extraEnv },
    { role, database },
  );
  const client = await live.createClient();
  const token = await live.token(client);
  return {
    base: live.publicUrl,
    demo: live.demo,
    dialect: adminUrl ? 'PostgreSQL' : 'SQLite',
    headers: { authorization: `Bearer ${token}`, 'x-api-key': client.apiKey },
    stop: () => live.stop(),
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
