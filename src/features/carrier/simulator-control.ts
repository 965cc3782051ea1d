import http from 'node:http';
import { listen } from '../../platform/net/listen.js';
import type { SimulatorFaults, SmscSimulator } from './simulator.js';

/**
 * A small HTTP control endpoint for the SMSC simulator, for demos and manual tests:
 *   POST /inbound {from, to, text}  → 202: a text "from a handset" is delivered to the bound ESME
 *   POST /faults  {…SimulatorFaults, dropConnection?: true} → 200 with the faults now active
 *   GET  /faults                    → 200 with the faults
 *   GET  /submits                   → 200 with every submit_sm received (octets as hex)
 * It has no authentication, so it only ever listens on a loopback address.
 */

export interface SimulatorControl {
  port: number;
  url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const MAX_BODY = 64 * 1024;

const FAULT_TYPES: Record<keyof SimulatorFaults, 'number' | 'boolean'> = {
  throttleNext: 'number',
  queueFullNext: 'number',
  rejectNext: 'number',
  rejectStatus: 'number',
  refuseBinds: 'boolean',
  silent: 'boolean',
  responseDelayMs: 'number',
  receiptBeforeResponse: 'boolean',
};

class BadRequest extends Error {}

export async function startSimulatorControl(
  sim: SmscSimulator,
  options: { port?: number; host?: string } = {},
): Promise<SimulatorControl> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new Error(`The simulator control endpoint listens on loopback only, not ${host}`);

  const server = http.createServer((req, res) => {
    handle(sim, req).then(
      ({ status, body }) => reply(res, status, body),
      (error: unknown) => {
        if (error instanceof BadRequest) reply(res, 400, { message: error.message });
        else reply(res, 500, { message: 'Simulator control failed' });
      },
    );
  });
  const port = await listen(server, options.port ?? 0, host);
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(sim: SmscSimulator, req: http.IncomingMessage): Promise<{ status: number; body: unknown }> {
  const path = new URL(req.url ?? '/', 'http://control').pathname;
  const route = `${req.method} ${path}`;
  switch (route) {
    case 'GET /submits':
      return {
        status: 200,
        body: sim.submitted.map(({ shortMessage, udh, ...rest }) => ({
          ...rest,
          shortMessage: shortMessage.toString('hex'),
          udh: udh?.toString('hex'),
        })),
      };
    case 'GET /faults':
      return { status: 200, body: { ...sim.faults } };
    case 'POST /faults': {
      const input = await readJson(req);
      const change: Partial<SimulatorFaults> = {};
      for (const [key, value] of Object.entries(input)) {
        if (key === 'dropConnection') continue;
        const type = FAULT_TYPES[key as keyof SimulatorFaults];
        if (!type) throw new BadRequest(`Unknown fault: ${key}`);
        if (typeof value !== type) throw new BadRequest(`${key} must be a ${type}`);
        if (type === 'number' && (!Number.isFinite(value) || (value as number) < 0)) {
          throw new BadRequest(`${key} must be zero or more`);
        }
        (change as Record<string, unknown>)[key] = value;
      }
      const faults = sim.setFaults(change);
      if (input['dropConnection'] === true) sim.dropConnections();
      return { status: 200, body: faults };
    }
    case 'POST /inbound': {
      const input = await readJson(req);
      const { from, to, text } = input;
      if (typeof from !== 'string' || typeof to !== 'string' || typeof text !== 'string' || !from || !to) {
        throw new BadRequest('from, to and text are required strings');
      }
      // Delivered in the background: with no ESME bound it waits until one binds, as an SMSC stores it.
      sim.injectInbound({ from, to, text }).catch(() => undefined);
      return { status: 202, body: { accepted: true } };
    }
    default:
      return { status: 404, body: { message: 'No such route' } };
  }
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new BadRequest('Body too large');
    chunks.push(chunk as Buffer);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new BadRequest('Body must be JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new BadRequest('Body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
