import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptyTestDatabase, testDialect } from '../harness/database.js';
import { freePort, runStratus, startStratus } from '../harness/processes.js';
import { eventually } from './messages-helpers.js';

/**
 * The messaging commands and the embedded default as real processes: `stratus serve` without SMPP_URL starts the
 * built-in SMSC simulator, a text sent over HTTP with a real token is delivered, `stratus simulate inbound` brings a
 * reply and a STOP, and `stratus route add|list|remove` manage carrier routes.
 */
describe(`messaging from the command line on ${testDialect()}`, () => {
  let env: Record<string, string>;
  let dataDir: string;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const database = await createEmptyTestDatabase();
    drop = database.drop;
    dataDir = mkdtempSync(join(tmpdir(), 'stratus-messaging-cli-'));
    env = { DATABASE_URL: database.url, DATA_DIR: dataDir, PORT: String(await freePort()) };
  });
  afterAll(async () => {
    await drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serve starts the simulator; a send is delivered; simulate inbound brings a reply and a STOP', {
    timeout: 60_000,
  }, async () => {
    const server = await startStratus(['serve'], env, 'Admin sign-in');
    try {
      expect(server.output()).toMatch(/SMSC simulator \(no SMPP_URL set\): smpp:\/\/127\.0\.0\.1:\d+/);
      const demo = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8'));
      const created = await runStratus(
        [
          'client',
          'create',
          '--org',
          demo.organizationId,
          '--name',
          'CLI',
          '--redirect-uri',
          'http://localhost/cb',
          '--client-credentials',
          '--json',
        ],
        env,
      );
      const client = JSON.parse(created.stdout);
      const base = `http://127.0.0.1:${env.PORT}`;
      const token = await fetch(`${base}/oauth2/token/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
        },
        body: 'grant_type=client_credentials',
      });
      const { access_token } = (await token.json()) as { access_token: string };
      const headers = { authorization: `Bearer ${access_token}`, 'x-api-key': client.apiKey };
      const api = `${base}/stratustexting-prod`;

      const handset = '+12125550142';
      const sent = await fetch(
        `${api}/message/sendsms?${new URLSearchParams({ from: demo.phoneNumber, to: handset, text: 'Hello from serve' })}`,
        { method: 'POST', headers },
      );
      expect(sent.status).toBe(200);
      const { id } = (await sent.json()) as { id: string };
      await eventually(async () => {
        const message = await fetch(`${api}/message/getmessagebyid/${id}`, { headers });
        return ((await message.json()) as { status: string }).status === 'delivered';
      }, 'the message to be delivered');

      const reply = await runStratus(
        ['simulate', 'inbound', '--from', handset, '--to', demo.phoneNumber, '--text', 'Thanks!'],
        env,
      );
      expect(reply.code).toBe(0);
      const inbound = await eventually(async () => {
        const page = await fetch(`${api}/message/all?direction=inbound`, { headers });
        const content = ((await page.json()) as { content: { text: string; departmentId: string }[] }).content;
        return content.find((m) => m.text === 'Thanks!');
      }, 'the reply to arrive');
      expect(inbound.departmentId).toBe(demo.departmentId);

      expect(
        (await runStratus(['simulate', 'inbound', '--from', handset, '--to', demo.phoneNumber, '--text', 'STOP'], env))
          .code,
      ).toBe(0);
      await eventually(async () => {
        const refused = await fetch(
          `${api}/message/sendsms?${new URLSearchParams({ from: demo.phoneNumber, to: handset, text: 'more' })}`,
          { method: 'POST', headers },
        );
        return (
          refused.status === 400 && ((await refused.json()) as { code: string }).code === 'messages.recipient_opted_out'
        );
      }, 'the STOP to opt the number out');
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  });

  it('route add / list / remove, with clear errors', { timeout: 90_000 }, async () => {
    const added = await runStratus(
      ['route', 'add', '--default', 'smpp://acme:s3cret@smsc.example.com:2775?window=20', '--json'],
      env,
    );
    expect(added.code).toBe(0);
    const route = JSON.parse(added.stdout);
    expect(route).toMatchObject({ kind: 'default', match: '', url: 'smpp://acme:***@smsc.example.com:2775?window=20' });
    const byNumber = await runStratus(
      ['route', 'add', '--number', '(212) 555-0177', '--url', 'smpp://n:p@127.0.0.1:2775'],
      env,
    );
    expect(byNumber.code).toBe(0);
    expect(byNumber.stdout).toContain('number +12125550177');

    const listed = await runStratus(['route', 'list'], env);
    expect(listed.stdout).toContain('smpp://acme:***@smsc.example.com');
    expect(listed.stdout).not.toContain('s3cret');

    const removed = await runStratus(['route', 'remove', '--id', route.id], env);
    expect(removed.code).toBe(0);
    expect((await runStratus(['route', 'list', '--json'], env)).stdout).not.toContain(route.id);

    const cases: [string[], RegExp][] = [
      [['route', 'add', 'smpp://a:b@h'], /exactly one of --number, --department, --default/],
      [['route', 'add', '--default'], /SMPP URL is required/],
      [['route', 'add', '--default', 'http://a:b@h'], /scheme must be smpp or ssmpp/],
      [['route', 'add', '--number', 'abc', 'smpp://a:b@h'], /not a valid phone number/],
      [['route', 'add', '--department', 'Nope', '--org', 'Demo Organisation', 'smpp://a:b@h'], /unknown department/],
      [['route', 'remove', '--id', 'nope'], /unknown route/],
      [
        ['simulate', 'inbound', '--from', '1', '--to', '2', '--text', 'x', '--control', 'http://127.0.0.1:9'],
        /does not answer/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await runStratus(args, env);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toMatch(message);
    }
  });

  it('smsc-sim runs a simulator that simulate inbound reaches through its control endpoint', {
    timeout: 30_000,
  }, async () => {
    const simDir = mkdtempSync(join(tmpdir(), 'stratus-smsc-sim-'));
    const sim = await startStratus(
      ['smsc-sim', '--port', '0'],
      { ...env, DATA_DIR: simDir },
      'SMSC simulator listening',
    );
    try {
      const info = JSON.parse(readFileSync(join(simDir, 'smsc-simulator.json'), 'utf8'));
      expect(sim.output()).toContain(`smpp://127.0.0.1:${info.smppPort}`);
      const injected = await runStratus(
        ['simulate', 'inbound', '--from', '2125550142', '--to', '2025550100', '--text', 'hi'],
        { ...env, DATA_DIR: simDir },
      );
      expect(injected.code).toBe(0);
      expect(injected.stdout).toContain('from +12125550142 to +12025550100');
    } finally {
      sim.child.kill('SIGTERM');
      await sim.exited;
      rmSync(simDir, { recursive: true, force: true });
    }
  });
});
