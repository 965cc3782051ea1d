import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRouteUrl } from '../../../src/features/carrier/route-url.js';
import { startSimulatorControl } from '../../../src/features/carrier/simulator-control.js';
import { buildSubmitParts, type InboundSms, SmppSession } from '../../../src/features/carrier/smpp-session.js';
import { CREDENTIALS, sessionFor, startSimulator, testLogger, waitFor } from './helpers.js';

// fixtures/test-cert.pem: a self-signed certificate for localhost and 127.0.0.1, valid 2020–2120, tests only.
const cert = readFileSync(new URL('./fixtures/test-cert.pem', import.meta.url));
const key = readFileSync(new URL('./fixtures/test-key.pem', import.meta.url));

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('TLS', () => {
  it('binds and submits over TLS, trusting a private CA', async () => {
    const sim = await startSimulator({ tls: { key, cert } });
    cleanup.push(() => sim.close());
    expect(sim.url).toMatch(/^ssmpp:\/\//);
    const session = sessionFor(sim, { tls: { ca: cert } });
    cleanup.push(() => session.close());
    await session.start().waitUntilBound(3000);
    await session.submit(buildSubmitParts({ from: '+15550001000', to: '+15550002000', text: 'over TLS' }));
    expect(sim.submitted[0]!.text).toBe('over TLS');
  });

  it('refuses a certificate it does not trust and keeps retrying', async () => {
    const sim = await startSimulator({ tls: { key, cert } });
    cleanup.push(() => sim.close());
    const session = sessionFor(sim, { tls: true });
    cleanup.push(() => session.close());
    const reasons: string[] = [];
    session.on('disconnected', ({ reason }) => reasons.push(reason));
    session.start();
    await waitFor(() => reasons.length >= 2, 'two refused handshakes');
    expect(reasons[0]).toMatch(/self.signed|certificate/i);
    expect(sim.stats.binds).toBe(0);
  });

  it('takes a route URL with ssmpp and its options', async () => {
    const sim = await startSimulator({ tls: { key, cert } });
    cleanup.push(() => sim.close());
    const route = parseRouteUrl(
      `ssmpp://${CREDENTIALS.systemId}:${CREDENTIALS.password}@localhost:${sim.port}?window=3&tps=0&tlsRejectUnauthorized=false`,
    );
    const session = new SmppSession({ ...route, logger: testLogger });
    cleanup.push(() => session.close());
    await session.start().waitUntilBound(3000);
    expect(route).toMatchObject({ window: 3, tps: 0, tls: { rejectUnauthorized: false } });
  });
});

describe('simulator HTTP control', () => {
  it('injects inbound texts, switches faults and lists submits', async () => {
    const sim = await startSimulator();
    cleanup.push(() => sim.close());
    const control = await startSimulatorControl(sim);
    cleanup.push(() => control.close());
    const inbound: InboundSms[] = [];
    const session = sessionFor(sim, { onInbound: (message) => void inbound.push(message) });
    cleanup.push(() => session.close());
    await session.start().waitUntilBound(2000);

    const post = (path: string, body: unknown) =>
      fetch(`${control.url}${path}`, { method: 'POST', body: JSON.stringify(body) });

    expect((await post('/inbound', { from: '+15557770000', to: '+15558880000', text: 'via HTTP' })).status).toBe(202);
    await waitFor(() => inbound.length === 1, 'the injected text');
    expect(inbound[0]).toMatchObject({ from: '+15557770000', text: 'via HTTP' });

    const faults = await post('/faults', { throttleNext: 1 });
    expect(faults.status).toBe(200);
    expect(await faults.json()).toMatchObject({ throttleNext: 1 });
    const parts = buildSubmitParts({ from: '+15550001000', to: '+15550002000', text: 'hello' });
    await expect(session.submit(parts)).rejects.toMatchObject({ reason: 'throttled' });
    await session.submit(parts);

    const submits = (await (await fetch(`${control.url}/submits`)).json()) as { text: string; status: number }[];
    expect(submits.map(({ text, status }) => ({ text, status }))).toEqual([
      { text: 'hello', status: 0x58 },
      { text: 'hello', status: 0 },
    ]);
    expect(await (await fetch(`${control.url}/faults`)).json()).toMatchObject({ throttleNext: 0 });

    const dropped = new Promise((resolve) => session.once('disconnected', resolve));
    expect((await post('/faults', { dropConnection: true })).status).toBe(200);
    await dropped;

    expect((await post('/faults', { nonsense: 1 })).status).toBe(400);
    expect((await post('/faults', { silent: 'yes' })).status).toBe(400);
    expect((await post('/inbound', { from: 'x' })).status).toBe(400);
    expect((await fetch(`${control.url}/inbound`, { method: 'POST', body: '{not json' })).status).toBe(400);
    expect((await fetch(`${control.url}/nothing`)).status).toBe(404);
  });

  it('listens on loopback only', async () => {
    const sim = await startSimulator();
    cleanup.push(() => sim.close());
    await expect(startSimulatorControl(sim, { host: '0.0.0.0' })).rejects.toThrow(/loopback/);
  });
});
