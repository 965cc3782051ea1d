import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeQueryIntoBody } from '../../src/platform/http/params.js';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';

describe('HTTP platform', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await createTestPlatform({
      env: { BODY_LIMIT_BYTES: '2048' },
      beforeReady: (app) => {
        app.post('/test/echo', { preValidation: mergeQueryIntoBody }, async (request) => ({ body: request.body }));
        app.get('/test/boom', async () => {
          throw new Error('secret internals');
        });
      },
    });
  });
  afterAll(async () => platform.close());

  it('answers /healthz and /readyz', async () => {
    const health = await platform.app.inject({ url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    const ready = await platform.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
  });

  it('serves Prometheus metrics including request durations', async () => {
    await platform.app.inject({ url: '/healthz' });
    const metrics = await platform.app.inject({ url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toContain('http_request_duration_seconds_bucket');
    expect(metrics.body).toContain('route="/healthz"');
  });

  it('answers unknown routes with 404 in the compat error shape', async () => {
    const response = await platform.app.inject({ url: '/stratustexting-prod/nothing-here?x=1' });
    expect(response.statusCode).toBe(404);
    const body = response.json();
    expect(body).toMatchObject({
      status: 404,
      error: 'Not Found',
      code: 'route.not_found',
      path: '/stratustexting-prod/nothing-here',
    });
    expect(body.message).toBeTypeOf('string');
    expect(Date.parse(body.timestamp)).not.toBeNaN();
    expect(body.requestId).toBe(response.headers['x-request-id']);
  });

  it('keeps a plain client request id and replaces a suspicious one', async () => {
    const kept = await platform.app.inject({ url: '/healthz', headers: { 'x-request-id': 'trace-42' } });
    expect(kept.headers['x-request-id']).toBe('trace-42');
    const replaced = await platform.app.inject({
      url: '/healthz',
      headers: { 'x-request-id': 'bad id\nwith newline' },
    });
    expect(replaced.headers['x-request-id']).not.toContain('bad');
  });

  it('answers malformed JSON with 400 request.malformed_body', async () => {
    const response = await platform.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"from": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('request.malformed_body');
  });

  it('refuses prototype poisoning in JSON bodies', async () => {
    const response = await platform.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"__proto__": {"admin": true}}',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('request.malformed_body');
  });

  it('answers oversized bodies with 413 request.too_large', async () => {
    const response = await platform.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ text: 'x'.repeat(4096) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json().code).toBe('request.too_large');
  });

  it('answers an unsupported media type with 415', async () => {
    const response = await platform.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/x-unknown' },
      payload: 'abc',
    });
    expect(response.statusCode).toBe(415);
    expect(response.json().code).toBe('request.unsupported_media_type');
  });

  it('merges query, form and JSON parameters with body fields winning', async () => {
    const queryOnly = await platform.app.inject({
      method: 'POST',
      url: '/test/echo?from=1&to=2',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(queryOnly.statusCode).toBe(200);
    expect(queryOnly.json().body).toEqual({ from: '1', to: '2' });

    const json = await platform.app.inject({
      method: 'POST',
      url: '/test/echo?from=1&to=2',
      payload: { to: 'body' },
    });
    expect(json.json().body).toEqual({ from: '1', to: 'body' });

    const form = await platform.app.inject({
      method: 'POST',
      url: '/test/echo?from=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'from=form&text=hi',
    });
    expect(form.json().body).toEqual({ from: 'form', text: 'hi' });
  });

  it('hides internal errors behind a 500 without details', async () => {
    const response = await platform.app.inject({ url: '/test/boom' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ code: 'internal', message: 'Internal Server Error' });
    expect(response.body).not.toContain('secret internals');
  });
});
