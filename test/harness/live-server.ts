import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmptyTestDatabase } from './database.js';
import { freePort, runStratus, startStratus } from './processes.js';

/** The demo organisation `npm start` creates (src/demo.ts), as written to DATA_DIR/demo.json. */
export interface DemoOrganisation {
  organizationId: string;
  organizationName: string;
  siteId: string;
  departmentId: string;
  phoneNumber: string;
  adminEmail: string;
  adminPassword: string;
}

export interface LiveClient {
  clientId: string;
  clientSecret: string;
  apiKey: string;
}

export interface LiveServer {
  /** PUBLIC_URL, e.g. http://127.0.0.1:41234 */
  publicUrl: string;
  /** The API base, `{PUBLIC_URL}{STAGE}`. */
  apiBase: string;
  env: Record<string, string>;
  demo: DemoOrganisation;
  child: ChildProcess;
  output(): string;
  /** Registers an API client of the demo organisation with `stratus client create` (client credentials on). */
  createClient(redirectUris?: string[]): Promise<LiveClient>;
  /** An access token of `client` by the client credentials grant. */
  token(client: LiveClient): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The platform as a newcomer runs it: `stratus serve` (what `npm start` runs) in a child process, on a fresh
 * database of the test dialect, with the demo organisation, workers and the built-in SMSC simulator. Webhook and
 * media URLs on this machine are allowed (the receivers of the tests listen on 127.0.0.1).
 */
export async function startLiveServer(
  extraEnv: Record<string, string> = {},
  options: {
    /** `serve --role` (all). */
    role?: 'all' | 'api';
    /** An empty database to run on, dropped by stop(); a fresh one of the test dialect when absent. */
    database?: { url: string; drop(): Promise<void> };
  } = {},
): Promise<LiveServer> {
  const database = options.database ?? (await createEmptyTestDatabase());
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-live-'));
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: publicUrl,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    MEDIA_ALLOW_PRIVATE_URLS: 'true',
    JOB_POLL_INTERVAL_MS: '50',
    ...extraEnv,
  };
  let started: Awaited<ReturnType<typeof startStratus>>;
  try {
    started = await startStratus(['serve', '--role', options.role ?? 'all'], env, 'Admin sign-in');
  } catch (error) {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const demo = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8')) as DemoOrganisation;
  const stage = env.STAGE ?? '/stratustexting-prod';

  return {
    publicUrl,
    apiBase: `${publicUrl}${stage}`,
    env,
    demo,
    child: started.child,
    output: started.output,
    async createClient(redirectUris = ['http://localhost/callback']) {
      const args = ['client', 'create', '--org', demo.organizationId, '--name', 'Docs Test', '--client-credentials'];
      for (const uri of redirectUris) args.push('--redirect-uri', uri);
      const created = await runStratus([...args, '--json'], env);
      if (created.code !== 0) throw new Error(`client create failed: ${created.stderr}`);
      const client = JSON.parse(created.stdout) as LiveClient;
      return { clientId: client.clientId, clientSecret: client.clientSecret, apiKey: client.apiKey };
    },
    async token(client) {
      const response = await fetch(`${publicUrl}/oauth2/token/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
        },
        body: 'grant_type=client_credentials',
      });
      if (response.status !== 200) throw new Error(`token: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { access_token: string }).access_token;
    },
    async stop() {
      started.child.kill('SIGTERM');
      await started.exited;
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
