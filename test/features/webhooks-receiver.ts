import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * What the receiver does with a request: answer with a status (and headers, body), or 'hang' (never answer).
 * The default answers the validation handshake by echoing `validation-token`, and POSTs with 200.
 */
export type Behaviour = (
  request: Received,
) => { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export const echoHandshake: Behaviour = (request) =>
  request.method === 'GET'
    ? { status: 200, headers: { 'validation-token': String(request.headers['validation-token'] ?? '') } }
    : { status: 200, body: 'ok' };

/**
 * A real HTTP receiver on 127.0.0.1 (port 0 on first start, the same port on a restart), recording every request.
 * stop() closes it and every open connection, so it can play "down" and then "up" again.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  behaviour: Behaviour = echoHandshake;
  port = 0;
  /** Requests being answered (or hanging) right now, and the most at once. */
  open = 0;
  maxOpen = 0;
  private server: Server | undefined;
  private hanging = new Set<ServerResponse>();

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** The POSTs received, with their parsed bodies. */
  posts(): (Received & { json: Record<string, unknown> })[] {
    return this.received
      .filter((r) => r.method === 'POST')
      .map((r) => ({ ...r, json: JSON.parse(r.body) as Record<string, unknown> }));
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      this.received.push(request);
      this.open += 1;
      this.maxOpen = Math.max(this.maxOpen, this.open);
      res.on('close', () => {
        this.open -= 1;
        this.hanging.delete(res);
      });
      const answer = this.behaviour(request);
      if (answer === 'hang') {
        this.hanging.add(res);
        return;
      }
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  }
}

export async function startReceiver(behaviour?: Behaviour): Promise<WebhookReceiver> {
  const receiver = new WebhookReceiver();
  if (behaviour) receiver.behaviour = behaviour;
  return receiver.start();
}
