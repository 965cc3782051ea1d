import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientCredentials,
  StratusClient,
  verifyWebhook,
  WebhookVerificationError,
} from '../../packages/sdk/src/index.js';
import { startReceiver } from '../docs/receiver.js';
import { testDialect } from '../harness/database.js';
import { type LiveClient, type LiveServer, startLiveServer } from '../harness/live-server.js';
import { codeBlock } from '../harness/markdown.js';
import { freePort, REPO_ROOT } from '../harness/processes.js';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** A child process whose output can be waited on. */
function run(command: string, args: string[], options: { cwd: string; env: Record<string, string> }) {
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners: (() => void)[] = [];
  const onData = (chunk: Buffer) => {
    output += chunk;
    for (const listener of [...listeners]) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    child,
    exited,
    output: () => output,
    waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (!match) return false;
          clearTimeout(timer);
          listeners.splice(listeners.indexOf(check), 1);
          resolve(match);
          return true;
        };
        const timer = setTimeout(() => reject(new Error(`no ${pattern} in time; output:\n${output}`)), timeoutMs);
        listeners.push(check);
        check();
      });
    },
  };
}

/**
 * The SDK against `stratus serve` (workers, webhooks and the SMSC simulator running): webhook signatures of real
 * deliveries, and the README's samples run from the SDK as a newcomer installs it (npm pack, npm install).
 */
describe(`TypeScript SDK against a live server on ${testDialect()}`, () => {
  let server: LiveServer;
  let client: LiveClient;
  let receiver: Receiver;
  let stratus: StratusClient;
  let filter: string;

  beforeAll(async () => {
    server = await startLiveServer();
    client = await server.createClient();
    receiver = await startReceiver();
    stratus = new StratusClient({
      baseUrl: server.apiBase,
      apiKey: client.apiKey,
      auth: clientCredentials({ clientId: client.clientId, clientSecret: client.clientSecret }),
    });
    filter = `/orgId/${server.demo.organizationId}/department/${server.demo.departmentId}/message`;
  });
  afterAll(async () => {
    await receiver?.close();
    await server?.stop();
  });

  it('verifies the signatures of real deliveries, through a secret rotation, and refuses tampering', async () => {
    const subscription = await stratus.call('createOrUpdateWebhookSubscription', {
      body: { uri: `${receiver.url}/signed`, eventFilters: [filter] },
    });
    const secret = subscription.signingSecret!;
    expect(secret).toMatch(/^whsec_/);

    const sent = await stratus.sendSms({ from: server.demo.phoneNumber, to: '+12025550143', text: 'Signed?' });
    const delivery = await receiver.waitFor(
      (request) => request.url === '/signed' && request.method === 'POST' && request.body.includes(sent.id),
    );
    const event = verifyWebhook({ payload: delivery.body, headers: delivery.headers, secret });
    expect(event.messageInfo?.messageId).toBe(sent.id);
    expect(event.uuid).toBe(delivery.headers['webhook-id']);

    const refuse = (input: Partial<Parameters<typeof verifyWebhook>[0]>) => () =>
      verifyWebhook({ payload: delivery.body, headers: delivery.headers, secret, ...input });
    expect(refuse({ payload: delivery.body.replace(sent.id, 'f'.repeat(24)) })).toThrow(WebhookVerificationError);
    expect(refuse({ secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}` })).toThrow(WebhookVerificationError);
    expect(refuse({ now: Date.now() + 10 * 60 * 1000 })).toThrow('Timestamp out of tolerance');
    expect(refuse({ headers: { ...delivery.headers, 'webhook-signature': undefined } })).toThrow(
      WebhookVerificationError,
    );

    const rotated = await stratus.call('rotateWebhookSigningSecret', { path: { id: subscription.id } });
    const second = await stratus.sendSms({ from: server.demo.phoneNumber, to: '+12025550143', text: 'Rotated' });
    const after = await receiver.waitFor(
      (request) => request.url === '/signed' && request.method === 'POST' && request.body.includes(second.id),
    );
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifyWebhook({ payload: after.body, headers: after.headers, secret: rotated.signingSecret }).uuid).toBe(
      after.headers['webhook-id'],
    );
    expect(verifyWebhook({ payload: after.body, headers: after.headers, secret }).uuid).toBe(
      after.headers['webhook-id'],
    );
    await stratus.call('deleteWebhookSubscription', { path: { id: subscription.id } });
  });

  it('installs from the repository with npm and runs the README: send a text, verify a webhook signature', async () => {
    const work = mkdtempSync(join(tmpdir(), 'stratus-sdk-install-'));
    try {
      const packed = spawnSync('npm', ['pack', '--pack-destination', work, '--silent'], {
        cwd: join(REPO_ROOT, 'packages', 'sdk'),
        encoding: 'utf8',
      });
      expect(packed.status, packed.stderr).toBe(0);
      const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'))!;
      const app = join(work, 'my-app');
      spawnSync('mkdir', [app]);
      writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-app', private: true, type: 'module' }));
      const installed = spawnSync(
        'npm',
        ['install', join(work, tarball), '--offline', '--no-audit', '--no-fund', '--silent'],
        { cwd: app, encoding: 'utf8' },
      );
      expect(installed.status, installed.stderr).toBe(0);

      const readme = readFileSync(join(REPO_ROOT, 'packages', 'sdk', 'README.md'), 'utf8');
      const send = codeBlock(readme, 'sdk-send');
      const receive = codeBlock(readme, 'sdk-receive');
      expect(send.code.trim().split('\n').length).toBeLessThanOrEqual(10);
      expect(receive.code.trim().split('\n').length).toBeLessThanOrEqual(20);
      writeFileSync(join(app, 'send.mjs'), send.code);
      writeFileSync(join(app, 'receive.mjs'), receive.code);

      const port = String(await freePort());
      const env = {
        STRATUS_API: server.apiBase,
        API_KEY: client.apiKey,
        CLIENT_ID: client.clientId,
        CLIENT_SECRET: client.clientSecret,
        FROM_NUMBER: server.demo.phoneNumber,
        PORT: port,
      };
      // The receiver answers the handshake of the subscription, then runs again with the secret it was given.
      const handshake = run('node', ['receive.mjs'], { cwd: app, env: { ...env, WEBHOOK_SECRET: 'whsec_' } });
      await waitForPort(Number(port));
      const subscription = await stratus.call('createOrUpdateWebhookSubscription', {
        body: { uri: `http://127.0.0.1:${port}/hooks`, eventFilters: [filter] },
      });
      handshake.child.kill();
      await handshake.exited;
      const receiving = run('node', ['receive.mjs'], {
        cwd: app,
        env: { ...env, WEBHOOK_SECRET: subscription.signingSecret! },
      });
      try {
        await waitForPort(Number(port));
        const sending = run('node', ['send.mjs'], { cwd: app, env });
        const [, messageId] = await sending.waitFor(/sent ([0-9a-f]{24}) queued/);
        expect(await sending.exited).toBe(0);
        await receiving.waitFor(new RegExp(`verified \\S+ ${messageId}`));
      } finally {
        receiving.child.kill();
        await receiving.exited;
        await stratus.call('deleteWebhookSubscription', { path: { id: subscription.id } });
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});

/** Resolves once something accepts TCP connections on the port. */
async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
