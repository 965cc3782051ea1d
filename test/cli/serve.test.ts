import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptyTestDatabase, testDialect } from '../harness/database.js';
import { freePort, runStratus, startStratus } from '../harness/processes.js';

/** `stratus serve` (what `npm start` runs) as a real process: demo seeding, health, graceful stop. */
describe(`stratus serve on ${testDialect()}`, { timeout: 120_000 }, () => {
  let env: Record<string, string>;
  let dataDir: string;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const database = await createEmptyTestDatabase();
    drop = database.drop;
    dataDir = mkdtempSync(join(tmpdir(), 'stratus-serve-'));
    env = { DATABASE_URL: database.url, DATA_DIR: dataDir, PORT: String(await freePort()) };
  });
  afterAll(async () => drop());

  it('creates the demo organisation once, serves /healthz, and stops cleanly on SIGTERM', async () => {
    const first = await startStratus(['serve'], env, 'Admin sign-in');
    const password = /Admin sign-in: admin@example.com \/ (\S+)/.exec(first.output())![1];
    expect(first.output()).toContain('owns +12025550100');
    const health = await fetch(`http://127.0.0.1:${env.PORT}/healthz`);
    expect(health.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${env.PORT}/readyz`)).status).toBe(200);

    const file = join(dataDir, 'demo.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      adminPassword: password,
      phoneNumber: '+12025550100',
    });

    // An app registered with `stratus client create` reads /site/all of the demo organisation.
    const demo = JSON.parse(readFileSync(file, 'utf8'));
    const created = await runStratus(
      [
        'client',
        'create',
        '--org',
        demo.organizationId,
        '--name',
        'Smoke',
        '--redirect-uri',
        'http://localhost/cb',
        '--client-credentials',
        '--json',
      ],
      env,
    );
    expect(created.code).toBe(0);
    const client = JSON.parse(created.stdout);
    const tokenResponse = await fetch(`http://127.0.0.1:${env.PORT}/oauth2/token/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    });
    expect(tokenResponse.status).toBe(200);
    const { access_token } = (await tokenResponse.json()) as { access_token: string };
    const sites = await fetch(`http://127.0.0.1:${env.PORT}/stratustexting-prod/site/all`, {
      headers: { authorization: `Bearer ${access_token}`, 'x-api-key': client.apiKey },
    });
    expect(sites.status).toBe(200);
    const page = (await sites.json()) as { content: { departments: { phoneNumbers: string[] }[] }[] };
    expect(page.content[0]!.departments[0]!.phoneNumbers).toEqual(['+12025550100']);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = await startStratus(['serve', '--role', 'api'], env, 'Admin sign-in');
    expect(second.output()).toContain(`admin@example.com / ${password}`);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
