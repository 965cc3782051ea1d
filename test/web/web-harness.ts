import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { Config } from '../../src/config.js';
import type { OAuthService } from '../../src/features/oauth/oauth.service.js';
import { registerWebApp } from '../../src/web/web.routes.js';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { createOrgFixture } from '../harness/factories.js';

/**
 * The web app over real HTTP: the platform of this test file (its app listening on a random port) and its
 * OAuth service.
 */
export interface WebTestServer {
  platform: TestPlatform;
  oauth: OAuthService;
  baseUrl: string;
  /** Another listening app with only the web plugin, on the same services, with a changed configuration. */
  startVariant(config: Partial<Config>): Promise<string>;
  close(): Promise<void>;
}

async function listenWithWebApp(oauth: OAuthService, config: Config): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify();
  await app.register(formbody);
  await registerWebApp(app, { oauth, config });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url };
}

export async function startWebServer(): Promise<WebTestServer> {
  const platform = await createTestPlatform();
  const { oauth } = platform.container;
  const extra: FastifyInstance[] = [];
  const baseUrl = await platform.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    platform,
    oauth,
    baseUrl,
    async startVariant(config) {
      const started = await listenWithWebApp(oauth, { ...platform.container.config, ...config });
      extra.push(started.app);
      return started.url;
    },
    async close() {
      for (const app of extra) await app.close();
      await platform.close();
    },
  };
}

export const PASSWORD = 'correct horse battery';

/** A fresh organisation with a user of each role. */
export async function createOrgWithUsers(server: WebTestServer, name: string) {
  const { container } = server.platform;
  const fixture = await createOrgFixture(container, name);
  const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const users = {} as Record<'admin' | 'manager' | 'agent', { id: string; email: string }>;
  for (const role of ['admin', 'manager', 'agent'] as const) {
    const created = await container.accounts.createUser({
      orgId: fixture.organization.id,
      email: `${role}-${suffix}@example.com`,
      password: PASSWORD,
      role,
    });
    if (!created.ok) throw new Error(created.code);
    users[role] = { id: created.value.id, email: created.value.email };
  }
  return { ...fixture, users };
}

export interface PageResponse {
  status: number;
  headers: Headers;
  body: string;
  location: string | null;
}

/** A browser without JavaScript: a cookie jar, forms posted url-encoded, redirects not followed. */
export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index).trim();
      const value = pair!.slice(index + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private cookieHeader(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }

  async request(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<PageResponse> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      redirect: 'manual',
      headers: {
        ...this.cookieHeader(),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    this.remember(response);
    return {
      status: response.status,
      headers: response.headers,
      body: await response.text(),
      location: response.headers.get('location'),
    };
  }

  get(path: string): Promise<PageResponse> {
    return this.request('GET', path);
  }

  post(path: string, form: Record<string, string>): Promise<PageResponse> {
    return this.request('POST', path, form);
  }

  /** Opens the sign-in page (which sets its form token cookie) and submits it. */
  async login(email: string, password: string, returnTo?: string): Promise<PageResponse> {
    const page = await this.get(returnTo === undefined ? '/login' : `/login?return_to=${encodeURIComponent(returnTo)}`);
    expect(page.status).toBe(200);
    return this.post('/login', {
      csrf_token: csrfTokenOf(page.body),
      email,
      password,
      ...(returnTo === undefined ? {} : { return_to: returnTo }),
    });
  }

  /** Signs in and answers the session's CSRF token, read from the home page's sign-out form. */
  async signIn(email: string, password = PASSWORD): Promise<string> {
    const response = await this.login(email, password);
    expect(response.status).toBe(303);
    const home = await this.get('/');
    expect(home.status).toBe(200);
    return csrfTokenOf(home.body);
  }
}

export function csrfTokenOf(body: string): string {
  const match = /name="csrf_token" value="([^"]+)"/.exec(body);
  if (!match) throw new Error('no csrf_token field on the page');
  return match[1]!;
}

/** Reads the value of a `<dt>label</dt><dd><code>value</code></dd>` pair of a page. */
export function definition(body: string, label: string): string {
  const match = new RegExp(`<dt>${label}</dt><dd><code>([^<]+)</code></dd>`).exec(body);
  if (!match) throw new Error(`no "${label}" on the page`);
  return match[1]!;
}
