import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCarrierLinks } from '../../src/features/carrier/links.js';
import { type SimulatorOptions, type SmscSimulator, startSmscSimulator } from '../../src/features/carrier/simulator.js';
import type { SmppSessionOptions } from '../../src/features/carrier/smpp-session.js';
import { createMessageJobHandlers } from '../../src/features/messages/messages.jobs.js';
import { createWorker, type Worker } from '../../src/platform/jobs/worker.js';
import { createLogger } from '../../src/platform/logger.js';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { authHeaders } from '../harness/auth.js';
import { createOrgFixture } from '../harness/factories.js';

export const STAGE = '/stratustexting-prod';
export const testLogger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

/** Polls `probe` until it answers a truthy value (never a timing assertion: the deadline only bounds a hang). */
export async function eventually<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface MessagingPlatform {
  platform: TestPlatform;
  sim: SmscSimulator;
  links: ReturnType<typeof createCarrierLinks>;
  worker: Worker;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * The platform with the send pipeline over real TCP: an SMSC simulator on an ephemeral port as the SMPP_URL route,
 * carrier links with short timeouts, and a worker (not started: tests drive it with drain(), or start it) whose
 * retries are due at once (random 0), so fault tests need no waiting.
 */
export async function createMessagingPlatform(
  options: {
    simulator?: SimulatorOptions;
    session?: Partial<SmppSessionOptions>;
    routeQuery?: string;
    env?: Record<string, string>;
    concurrency?: number;
  } = {},
): Promise<MessagingPlatform> {
  const sim = await startSmscSimulator({ receiptDelayMs: 5, logger: testLogger, ...options.simulator });
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-messages-'));
  // The test's own parameters come last: a route URL's last occurrence of a parameter wins.
  const query = `reconnectMinMs=10&reconnectMaxMs=50&responseTimeoutMs=2000${options.routeQuery ? `&${options.routeQuery}` : ''}`;
  const platform = await createTestPlatform({
    env: {
      DATA_DIR: dataDir,
      SMPP_URL: `smpp://stratus:secret@127.0.0.1:${sim.port}?${query}`,
      MEDIA_ALLOW_PRIVATE_URLS: 'true',
      RATE_LIMIT_PER_SECOND: '100000',
      RATE_LIMIT_BURST: '100000',
      ...options.env,
    },
  });
  const { container } = platform;
  const links = createCarrierLinks({
    routes: container.carrierRoutes,
    defaultUrl: container.config.smppUrl,
    logger: testLogger,
    reloadMs: 0,
    sessionDefaults: { throttleBackoffMs: 20, throttleRecoveryMs: 50, queueTimeoutMs: 5000, ...options.session },
    onReceipt: (routeId, receipt) => container.messages.applyReceipt(routeId, receipt),
    onInbound: async (routeId, sms) => {
      await container.messages.receiveInbound(routeId, sms);
    },
  });
  const handlers = createMessageJobHandlers({ messages: container.messages, links });
  const worker = createWorker({
    database: container.database,
    clock: container.clock,
    logger: testLogger,
    handlers,
    concurrency: options.concurrency ?? 20,
    pollIntervalMs: 20,
    lockTimeoutMs: 60_000,
    random: () => 0,
    queue: container.jobs,
  });
  await links.start();
  return {
    platform,
    sim,
    links,
    worker,
    dataDir,
    async close() {
      await worker.stop(2000);
      await links.close();
      await sim.close();
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type OrgFixture = Awaited<ReturnType<typeof createOrgFixture>>;

/** An organisation with a department number and API headers with every scope. */
export async function orgWithHeaders(platform: TestPlatform, name = 'Messaging Org') {
  const org = await createOrgFixture(platform.container, name);
  const headers = await authHeaders(platform, org.organization.id);
  return { ...org, headers };
}

export async function sendSms(
  platform: TestPlatform,
  headers: Record<string, string>,
  params: { from: string; to: string; text: string },
  extraHeaders: Record<string, string> = {},
) {
  return platform.app.inject({
    method: 'POST',
    url: `${STAGE}/message/sendsms`,
    headers: { ...headers, ...extraHeaders },
    payload: params,
  });
}

export async function getMessage(platform: TestPlatform, headers: Record<string, string>, id: string) {
  const response = await platform.app.inject({ url: `${STAGE}/message/getmessagebyid/${id}`, headers });
  return response.json();
}

/** Opts `number` out of the whole organisation through the opt-out engine, as the API would. */
export async function optOutNumber(platform: TestPlatform, orgId: string, number: string): Promise<void> {
  const optedOut = await platform.container.optOut.optOut({ orgId, number, source: 'api', actor: 'test' });
  if (!optedOut.ok) throw new Error(`could not opt ${number} out: ${optedOut.code}`);
}
