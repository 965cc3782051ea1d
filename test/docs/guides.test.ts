import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../packages/sdk/src/index.js';
import { GUIDES, guideFile } from '../../src/docs/guides.js';
import { renderInline, renderMarkdown } from '../../src/docs/markdown.js';
import { authorizeInBrowser } from '../harness/browser.js';
import { testDialect } from '../harness/database.js';
import { type LiveClient, type LiveServer, startLiveServer } from '../harness/live-server.js';
import { type CodeBlock, codeBlocks } from '../harness/markdown.js';
import { freePort, runStratus } from '../harness/processes.js';
import { startReceiver } from './receiver.js';
import { RUNNABLE, type RunningSample, runSample, startSample } from './samples.js';

/** Blocks run by a test of their own (they need a receiver, a person's approval, an inbound text…). */
const OWN_TESTS: Record<string, string[]> = {
  oauth: ['authorize-url', 'exchange-code', 'refresh', 'revoke'],
  webhooks: ['subscribe', 'receiver-ts', 'receiver-py', 'deliveries'],
  faq: ['inbound-details', 'message-by-id'],
};

function blocksOf(slug: string): CodeBlock[] {
  return codeBlocks(readFileSync(guideFile(slug), 'utf8'));
}

function block(slug: string, id: string): CodeBlock {
  const found = blocksOf(slug).filter((b) => b.attributes.id === id);
  if (found.length !== 1) throw new Error(`${slug}.md has ${found.length} blocks with id=${id}`);
  return found[0]!;
}

/**
 * Every code sample of the guides (docs/*.md), run against a live `stratus serve` as a reader would run it:
 * shell with curl, TypeScript with tsx, Python with python3. A block is ```lang test (run in order, checked for exit
 * 0 and its `expect="…"` text), ```lang test id=… (run by a test below, with what it needs), or ```sh setup (what
 * the test harness itself does: starting the platform).
 */
describe(`guides and their samples on ${testDialect()}`, () => {
  let server: LiveServer;
  let client: LiveClient;
  let env: Record<string, string>;
  let callback: string;
  const running: RunningSample[] = [];

  beforeAll(async () => {
    server = await startLiveServer();
    callback = `http://localhost:${await freePort()}/callback`;
    client = await server.createClient([callback, 'https://oauth.pstmn.io/v1/callback']);
    env = {
      STRATUS_URL: server.publicUrl,
      STRATUS_API: server.apiBase,
      CLIENT_ID: client.clientId,
      CLIENT_SECRET: client.clientSecret,
      API_KEY: client.apiKey,
      FROM_NUMBER: server.demo.phoneNumber,
      ACCESS_TOKEN: await server.token(client),
    };
  });
  afterAll(async () => {
    for (const sample of running) await sample.stop();
    await server?.stop();
  });

  const api = async (path: string, init: { method?: string; body?: unknown } = {}) => {
    const response = await fetch(`${server.apiBase}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${env.ACCESS_TOKEN}`,
        'x-api-key': client.apiKey,
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('runs every code sample of every guide: each block is tagged test (or setup)', () => {
    for (const guide of GUIDES) {
      for (const b of blocksOf(guide.slug)) {
        if (!RUNNABLE.has(b.lang)) continue;
        const where = `${guide.slug}.md line ${b.line}`;
        expect(b.words.includes('test') || b.words.includes('setup'), `${where}: tag it test or setup`).toBe(true);
        if (b.attributes.id !== undefined) expect(OWN_TESTS[guide.slug] ?? [], where).toContain(b.attributes.id);
      }
    }
  });

  for (const guide of GUIDES) {
    it(`runs the samples of ${guide.slug}.md`, async () => {
      const generic = blocksOf(guide.slug).filter((b) => b.words.includes('test') && b.attributes.id === undefined);
      for (const b of generic) await runSample(b, env);
    });
  }

  it('oauth.md: the authorization code flow, refresh with rotation and revocation', async () => {
    const started = JSON.parse(await runSample(block('oauth', 'authorize-url'), { ...env, REDIRECT_URI: callback }));
    const returned = new URL(
      await authorizeInBrowser(server.publicUrl, started.url, {
        email: server.demo.adminEmail,
        password: server.demo.adminPassword,
      }),
    );
    expect(`${returned.origin}${returned.pathname}`).toBe(callback);
    expect(returned.searchParams.get('state')).toBe(started.state);

    const tokens = JSON.parse(
      await runSample(block('oauth', 'exchange-code'), {
        ...env,
        REDIRECT_URI: callback,
        CODE: returned.searchParams.get('code')!,
        CODE_VERIFIER: started.codeVerifier,
      }),
    );
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const sites = await fetch(`${server.apiBase}/site/all`, {
      headers: { authorization: `Bearer ${tokens.access_token}`, 'x-api-key': client.apiKey },
    });
    expect(sites.status).toBe(200);

    const refreshed = JSON.parse(
      await runSample(block('oauth', 'refresh'), { ...env, REFRESH_TOKEN: tokens.refresh_token }),
    );
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    await runSample(block('oauth', 'revoke'), { ...env, REFRESH_TOKEN: refreshed.refresh_token });
    await expect(
      runSample(block('oauth', 'refresh'), { ...env, REFRESH_TOKEN: refreshed.refresh_token }),
    ).rejects.toThrow(/invalid_grant/);
  });

  it('oauth.md lists every operation of the API with the scopes of its security', async () => {
    const document = (await (await fetch(`${server.publicUrl}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { summary: string; security: { OAuth2: string[] }[] }>>;
    };
    const expected = Object.entries(document.paths)
      .flatMap(([path, item]) =>
        Object.entries(item).map(([method, op]) => {
          const scopes = op.security.map((s) => `\`${s.OAuth2[0]?.split('/').pop() ?? 'any'}\``).join(' or ');
          return `| ${op.summary} | \`${method.toUpperCase()} ${path}\` | ${scopes} |`;
        }),
      )
      .sort();
    const listed = readFileSync(guideFile('oauth'), 'utf8')
      .split('\n')
      .filter((line) => /^\| .+ \| `(GET|POST|PUT|DELETE|PATCH) \//.test(line))
      .sort();
    expect(listed).toEqual(expected);
  });

  it('webhooks.md: the TypeScript and Python receivers answer the handshake and verify real deliveries', async () => {
    const receivers = { ts: block('webhooks', 'receiver-ts'), py: block('webhooks', 'receiver-py') };
    const ports = { ts: String(await freePort()), py: String(await freePort()) };
    const subscriptions: Record<string, { id: string; signingSecret: string }> = {};

    for (const kind of ['ts', 'py'] as const) {
      // Up without a secret for the handshake, then again with the secret the subscription gave.
      const first = startSample(receivers[kind], { ...env, PORT: ports[kind] });
      running.push(first);
      await first.waitFor(/listening/);
      subscriptions[kind] = JSON.parse(
        await runSample(block('webhooks', 'subscribe'), {
          ...env,
          WEBHOOK_URL: `http://127.0.0.1:${ports[kind]}/hook`,
          ORG_ID: server.demo.organizationId,
          DEPARTMENT_ID: server.demo.departmentId,
        }),
      );
      expect(subscriptions[kind]).toMatchObject({ status: 'ACTIVE', signingSecret: expect.stringMatching(/^whsec_/) });
      await first.stop();
    }
    const started = {
      ts: startSample(receivers.ts, { ...env, PORT: ports.ts, WEBHOOK_SECRET: subscriptions.ts!.signingSecret }),
      py: startSample(receivers.py, { ...env, PORT: ports.py, WEBHOOK_SECRET: subscriptions.py!.signingSecret }),
    };
    running.push(started.ts, started.py);
    await Promise.all([started.ts.waitFor(/listening/), started.py.waitFor(/listening/)]);

    const sent = await api('/message/sendsms', {
      method: 'POST',
      body: { from: server.demo.phoneNumber, to: '+12025550143', text: 'Webhook guide' },
    });
    expect(sent.status).toBe(200);
    const messageId = String(sent.body.id);
    await started.ts.waitFor(new RegExp(`verified \\S+ ${messageId}`));
    await started.py.waitFor(new RegExp(`verified \\S+ ${messageId}`));

    // Forged, tampered and replayed deliveries are refused.
    for (const kind of ['ts', 'py'] as const) {
      const url = `http://127.0.0.1:${ports[kind]}/hook`;
      const body = JSON.stringify({ uuid: 'forged', messageInfo: { messageId: 'forged' } });
      const post = (headers: Record<string, string>) =>
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      const now = Math.floor(Date.now() / 1000);
      const sign = (timestamp: number) =>
        signWebhook({ secret: subscriptions[kind]!.signingSecret, id: 'forged', timestamp, payload: body });
      const stranger = signWebhook({
        secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
        id: 'forged',
        timestamp: now,
        payload: body,
      });
      expect(
        (await post({ 'webhook-id': 'forged', 'webhook-timestamp': String(now), 'webhook-signature': stranger }))
          .status,
        kind,
      ).toBe(400);
      expect(
        (
          await post({
            'webhook-id': 'forged',
            'webhook-timestamp': String(now - 600),
            'webhook-signature': sign(now - 600),
          })
        ).status,
        kind,
      ).toBe(400);
      expect(
        (await post({ 'webhook-id': 'other', 'webhook-timestamp': String(now), 'webhook-signature': sign(now) }))
          .status,
        kind,
      ).toBe(400);
      expect(
        (await post({ 'webhook-id': 'forged', 'webhook-timestamp': String(now), 'webhook-signature': sign(now) }))
          .status,
        kind,
      ).toBe(204);
    }

    const log = JSON.parse(
      await runSample(block('webhooks', 'deliveries'), { ...env, SUBSCRIPTION_ID: subscriptions.ts!.id }),
    ) as { content: { payload: Record<string, unknown>; status: string }[] };
    expect(log.content.length).toBeGreaterThan(0);

    // The guide's example event has the keys of a real one.
    const example = JSON.parse(
      codeBlocks(readFileSync(guideFile('webhooks'), 'utf8')).find((b) => b.lang === 'json')!.code,
    );
    const real = log.content[0]!.payload as { messageInfo: Record<string, unknown> };
    expect(Object.keys(example).sort()).toEqual(Object.keys(real).sort());
    expect(Object.keys(example.messageInfo).sort()).toEqual(Object.keys(real.messageInfo).sort());

    for (const kind of ['ts', 'py'] as const) {
      expect((await api(`/webhooksubscription/${subscriptions[kind]!.id}`, { method: 'DELETE' })).status).toBe(200);
    }
  });

  it('faq.md: an inbound text’s details from its webhook event and getmessagebyid', async () => {
    const receiver = await startReceiver();
    try {
      const filter = `/orgId/${server.demo.organizationId}/department/${server.demo.departmentId}/message?direction=inbound`;
      const subscribed = await api('/webhooksubscription', {
        method: 'POST',
        body: { uri: `${receiver.url}/inbound`, eventFilters: [filter] },
      });
      expect(subscribed.status).toBe(201);
      const simulated = await runStratus(
        [
          'simulate',
          'inbound',
          '--from',
          '+12025550143',
          '--to',
          server.demo.phoneNumber,
          '--text',
          'Is my order ready?',
        ],
        server.env,
      );
      expect(simulated.code, simulated.stderr).toBe(0);
      const delivery = await receiver.waitFor((request) => request.method === 'POST' && request.url === '/inbound');
      const event = JSON.parse(delivery.body) as { messageInfo: { messageId: string; direction: string } };
      expect(event.messageInfo.direction).toBe('inbound');

      const output = await runSample(block('faq', 'inbound-details'), { ...env, EVENT_JSON: delivery.body });
      expect(output).toContain(`+12025550143 wrote to ${server.demo.phoneNumber}: Is my order ready?`);
      await runSample(block('faq', 'message-by-id'), { ...env, MESSAGE_ID: event.messageInfo.messageId });
      await api(`/webhooksubscription/${subscribed.body.id}`, { method: 'DELETE' });
    } finally {
      await receiver.close();
    }
  });

  it('serves the guides as HTML and as Markdown, with this server’s URLs', async () => {
    for (const guide of GUIDES) {
      const page = await fetch(`${server.publicUrl}/docs/guides/${guide.slug}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
      const body = await page.text();
      expect(body).toContain(`<title>${guide.title}`);
      expect(body).not.toContain('http://localhost:8080');
      const markdown = await fetch(`${server.publicUrl}/docs/guides/${guide.slug}.md`);
      expect(markdown.headers.get('content-type')).toContain('text/markdown');
      const text = await markdown.text();
      expect(text).not.toContain('http://localhost:8080');
      if (readFileSync(guideFile(guide.slug), 'utf8').includes('http://localhost:8080')) {
        expect(text).toContain(server.publicUrl);
      }
    }
    const started = await (await fetch(`${server.publicUrl}/docs/guides/getting-started`)).text();
    expect(started).toContain(`<code>${server.apiBase}</code>`);
    expect(started).toContain('<a href="oauth">OAuth 2.0</a>');
    expect(started).toContain('<table>');
    expect((await fetch(`${server.publicUrl}/docs/guides/nothing`)).status).toBe(404);
    expect((await fetch(`${server.publicUrl}/docs/guides`)).status).toBe(200);
  });
});

describe('the Markdown renderer', () => {
  it('escapes text and code, and keeps only safe link targets', () => {
    const { html } = renderMarkdown(
      '# T <x>\n\nA <script>alert(1)</script> [a](javascript:alert(1)) [b](https://example.com/?a=1&b=2) [c](faq.md#x)\n\n```html\n<b>\n```\n\n| a | b |\n|---|---|\n| `<i>` | **x** |\n',
    );
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('<a href="#">a</a>');
    expect(html).toContain('<a href="https://example.com/?a=1&amp;b=2">b</a>');
    expect(html).toContain('<a href="faq#x">c</a>');
    expect(html).toContain('<pre><code class="language-html">&lt;b&gt;</code></pre>');
    expect(html).toContain('<td><code>&lt;i&gt;</code></td><td><strong>x</strong></td>');
    expect(renderInline('`a*b*` *c* snake_case_name')).toBe('<code>a*b*</code> <em>c</em> snake_case_name');
  });
});
