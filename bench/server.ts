import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, runStratus, startStratus } from '../test/harness/processes.js';

/**
 * A platform process for benchmarks: `stratus serve` on a fresh DATA_DIR (SQLite, or DATABASE_URL when set),
 * an API client made with the CLI, and a client_credentials token for it.
 */
export async function startBenchServer(extraEnv: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-bench-'));
  const port = await freePort();
  const env = {
    DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_SECOND: '1000000',
    RATE_LIMIT_BURST: '1000000',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    ...extraEnv,
  };
  const server = await startStratus(['serve'], env, 'Admin sign-in');
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
    headers: { authorization: `Bearer ${access_token}`, 'x-api-key': client.apiKey },
    async stop() {
      server.child.kill('SIGTERM');
      await server.exited;
    },
  };
}
