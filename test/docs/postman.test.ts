import { readFileSync } from 'node:fs';
import newman, { type NewmanRunSummary } from 'newman';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialect } from '../harness/database.js';
import { type LiveClient, type LiveServer, startLiveServer } from '../harness/live-server.js';
import { startReceiver } from './receiver.js';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

function runNewman(options: Parameters<typeof newman.run>[0]): Promise<NewmanRunSummary> {
  return new Promise((resolve, reject) =>
    newman.run(options, (error, summary) => (error ? reject(error) : resolve(summary))),
  );
}

/** Every failure of a run, one line each, for a readable assertion message. */
function failuresOf(summary: NewmanRunSummary): string[] {
  return summary.run.failures.map(
    (failure) =>
      `${failure.source?.name ?? '?'}: ${failure.error.test ?? failure.error.name}: ${failure.error.message}`,
  );
}

/**
 * The Postman collection as a newcomer runs it: downloaded from /docs/postman.json of a live `stratus serve`,
 * run with newman (client credentials for the unattended run), every request asserting its status and shape.
 */
describe(`Postman collection with newman on ${testDialect()}`, () => {
  let server: LiveServer;
  let client: LiveClient;
  let receiver: Receiver;

  beforeAll(async () => {
    server = await startLiveServer();
    receiver = await startReceiver();
    client = await server.createClient(['https://oauth.pstmn.io/v1/callback']);
  });
  afterAll(async () => {
    await receiver?.close();
    await server?.stop();
  });

  it('is served at /docs/postman.json for this server, and is the committed one with its URLs', async () => {
    const response = await fetch(`${server.publicUrl}/docs/postman.json`);
    expect(response.status).toBe(200);
    const served = (await response.json()) as {
      variable: { key: string; value: string }[];
      auth: { type: string; oauth2: { key: string; value: unknown }[] };
    };
    // Collection-level OAuth 2.0 as the hosted Postman how-to sets it up.
    expect(served.auth.type).toBe('oauth2');
    expect(Object.fromEntries(served.auth.oauth2.map((entry) => [entry.key, entry.value]))).toMatchObject({
      grant_type: 'authorization_code',
      authUrl: '{{authUrl}}',
      accessTokenUrl: '{{accessTokenUrl}}',
      client_authentication: 'header',
      addTokenTo: 'header',
      redirect_uri: '{{redirectUri}}',
    });
    const variables = Object.fromEntries(served.variable.map((v) => [v.key, v.value]));
    expect(variables.baseUrl).toBe(server.apiBase);
    expect(variables.authUrl).toBe(`${server.publicUrl}/oauth2/authorize/`);
    expect(variables.accessTokenUrl).toBe(`${server.publicUrl}/oauth2/token/`);
    const committed = readFileSync('openapi/postman.json', 'utf8').replaceAll(
      'http://localhost:8080',
      server.publicUrl,
    );
    expect(served).toEqual(JSON.parse(committed));
  });

  it('runs green: every request answers a documented status with the documented shape', async () => {
    const collection = await (await fetch(`${server.publicUrl}/docs/postman.json`)).json();
    const filter = `/orgId/${server.demo.organizationId}/department/${server.demo.departmentId}/message`;

    // A delivery for the webhook requests: a subscription to the receiver (the collection's create then updates
    // it, the uri being the same) and a message whose event it receives.
    const token = await server.token(client);
    const headers = {
      authorization: `Bearer ${token}`,
      'x-api-key': client.apiKey,
      'content-type': 'application/json',
    };
    const subscribed = await fetch(`${server.apiBase}/webhooksubscription`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ uri: `${receiver.url}/events`, eventFilters: [filter] }),
    });
    expect(subscribed.status).toBe(201);
    const sent = await fetch(`${server.apiBase}/message/sendsms`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ from: server.demo.phoneNumber, to: '+12025550143', text: 'before the collection' }),
    });
    expect(sent.status).toBe(200);
    await receiver.waitFor((request) => request.method === 'POST' && request.url === '/events');

    const summary = await runNewman({
      collection,
      reporters: [],
      timeoutRequest: 20_000,
      envVar: [
        { key: 'clientId', value: client.clientId },
        { key: 'clientSecret', value: client.clientSecret },
        { key: 'apiKey', value: client.apiKey },
        { key: 'unattendedGrant', value: 'client_credentials' },
        { key: 'fromNumber', value: server.demo.phoneNumber },
        { key: 'toNumber', value: '+12025550143' },
        { key: 'mobileNumber', value: '+12025550188' },
        { key: 'agentEmail', value: server.demo.adminEmail },
        { key: 'webhookUri', value: `${receiver.url}/events` },
        { key: 'eventFilter', value: filter },
        { key: 'mediaUrl', value: `${receiver.url}/media.png` },
      ],
    });

    expect(failuresOf(summary)).toEqual([]);
    const requests = (collection as { item: { item: unknown[] }[] }).item.reduce(
      (n, folder) => n + folder.item.length,
      0,
    );
    // One execution per request (besides the token request the unattended script makes), each with both tests.
    const assertionsByItem = new Map<unknown, string[]>();
    for (const execution of summary.run.executions) {
      const names = (execution.assertions ?? []).map((assertion) => assertion.assertion);
      assertionsByItem.set(execution.item, [...(assertionsByItem.get(execution.item) ?? []), ...names]);
    }
    expect(assertionsByItem.size).toBe(requests);
    for (const [item, names] of assertionsByItem) {
      const name = (item as { name: string }).name;
      expect(
        names.some((n) => n.startsWith('status is')),
        name,
      ).toBe(true);
      expect(names, name).toContain('body has the documented shape');
    }
  });
});
