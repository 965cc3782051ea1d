import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialect } from '../harness/database.js';
import { randomUsNumber } from '../harness/factories.js';
import {
  createMessagingPlatform,
  eventually,
  getMessage,
  type MessagingPlatform,
  orgWithHeaders,
  sendSms,
  testLogger,
} from './messages-helpers.js';

/**
 * Window 50 with 50 submit_sm in flight, then the SMSC drops the connection: every message still reaches the SMSC
 * after the reconnect (same message ids), none is lost. The simulator holds its answers until the drop, so the
 * window fills however slow the machine is.
 */
describe(`SMPP link dropped with the window full on ${testDialect()}`, () => {
  let m: MessagingPlatform;
  let org: Awaited<ReturnType<typeof orgWithHeaders>>;
  beforeAll(async () => {
    m = await createMessagingPlatform({ routeQuery: 'window=50&tps=0&responseTimeoutMs=600000', concurrency: 60 });
    org = await orgWithHeaders(m.platform);
    await m.links.session('env')!.waitUntilBound(30_000);
  });
  afterAll(async () => {
    await m.worker.stop(2000);
    await m.close();
  });

  it('loses nothing: all 50 delivered after reconnect', async () => {
    m.sim.setFaults({ responseDelayMs: 600_000 });
    const sent = [];
    for (let i = 0; i < 50; i++) {
      const response = await sendSms(m.platform, org.headers, {
        from: org.phoneNumber,
        to: randomUsNumber(),
        text: `in flight ${i}`,
      });
      expect(response.statusCode).toBe(200);
      sent.push(response.json() as { id: string });
    }
    m.worker.start();
    await eventually(() => m.sim.stats.inFlight >= 50, '50 submits in flight');
    const session = m.links.session('env')!;
    expect(session.stats.maxInFlight).toBeGreaterThanOrEqual(50);
    const drops = session.stats.disconnects;

    m.sim.setFaults({ responseDelayMs: 0 });
    m.sim.dropConnections();
    for (const { id } of sent) {
      await eventually(
        async () => (await getMessage(m.platform, org.headers, id)).status === 'delivered',
        `message ${id} delivered`,
      );
    }
    expect(session.stats.disconnects).toBeGreaterThan(drops);
    const received = new Set(m.sim.submitted.filter((s) => s.status === 0).map((s) => s.text));
    for (let i = 0; i < 50; i++) expect(received.has(`in flight ${i}`)).toBe(true);
    const resubmits = m.sim.submitted.length - 50;
    testLogger.info({ resubmits }, 'window drop');
    expect(resubmits).toBeGreaterThanOrEqual(50);
  });
});
