import {
  type SimulatorOptions,
  type SmscSimulator,
  startSmscSimulator,
} from '../../../src/features/carrier/simulator.js';
import { SmppSession, type SmppSessionOptions } from '../../../src/features/carrier/smpp-session.js';
import { createLogger } from '../../../src/platform/logger.js';

/** TEST_LOG_LEVEL=debug shows the carrier logs while debugging a test. */
export const testLogger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

export const CREDENTIALS = { systemId: 'stratus', password: 'secret1' };

/** Polls until `probe` returns a truthy value; fails with `what` after timeoutMs. Polling, not timing assertions. */
export async function waitFor<T>(
  probe: () => T | undefined | null | false,
  what = 'condition',
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function startSimulator(options: SimulatorOptions = {}): Promise<SmscSimulator> {
  return startSmscSimulator({ credentials: CREDENTIALS, receiptDelayMs: 5, logger: testLogger, ...options });
}

/** A session on the simulator with small timeouts, so fault tests take milliseconds. */
export function sessionFor(sim: SmscSimulator, options: Partial<SmppSessionOptions> = {}): SmppSession {
  return new SmppSession({
    host: sim.host,
    port: sim.port,
    ...CREDENTIALS,
    window: 10,
    tps: 0,
    responseTimeoutMs: 1000,
    enquireLinkIntervalMs: 5000,
    reconnectMinMs: 10,
    reconnectMaxMs: 50,
    queueTimeoutMs: 3000,
    throttleBackoffMs: 20,
    throttleRecoveryMs: 50,
    logger: testLogger,
    ...options,
  });
}

/** Settles a promise into a value or an error, for asserting both outcomes of many submits. */
export async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * A simulator and a session on it per test, both closed by `closeAll` (register it in afterEach). The session is
 * created, not started: a test that needs it bound calls `session.start().waitUntilBound(…)`.
 */
export function sessionFixtures() {
  const cleanup: (() => Promise<void>)[] = [];
  return {
    async setup(
      simOptions: SimulatorOptions = {},
      sessionOptions: Partial<SmppSessionOptions> = {},
    ): Promise<{ sim: SmscSimulator; session: SmppSession }> {
      const sim = await startSimulator(simOptions);
      cleanup.push(() => sim.close());
      const session = sessionFor(sim, sessionOptions);
      cleanup.push(() => session.close());
      return { sim, session };
    },
    /** Registers another closing step (a second session, a proxy). */
    onClose(step: () => Promise<void>): void {
      cleanup.push(step);
    },
    async closeAll(): Promise<void> {
      for (const step of cleanup.splice(0).reverse()) await step();
    },
  };
}
