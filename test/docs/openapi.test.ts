import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedFiles } from '../../scripts/openapi-files.js';
import { fullScope, SCOPE_NAMES, type ScopeName } from '../../src/features/oauth/scopes.js';
import { registeredErrors } from '../../src/platform/http/errors.js';
import { createTestPlatform, type TestPlatform } from '../harness/app.js';
import { clientCredentialsToken, createApiClient } from '../harness/auth.js';
import { testDialect } from '../harness/database.js';
import { createOrgFixture } from '../harness/factories.js';

type Json = Record<string, unknown>;
interface Operation {
  path: string;
  method: string;
  op: Json;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

function operationsOf(document: Json): Operation[] {
  return Object.entries(document.paths as Record<string, Json>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ path, method, op: op as Json })),
  );
}

function resolveRef(document: Json, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], document);
}

/** Every problem of documentation in `schema`: fields without a description or an example, unresolvable $refs. */
function schemaProblems(document: Json, schema: unknown, where: string, problems: string[]): void {
  if (!schema || typeof schema !== 'object') return;
  if (Array.isArray(schema)) {
    for (const [i, item] of schema.entries()) schemaProblems(document, item, `${where}[${i}]`, problems);
    return;
  }
  const object = schema as Json;
  if (typeof object.$ref === 'string' && resolveRef(document, object.$ref) === undefined) {
    problems.push(`${where}: $ref ${object.$ref} does not resolve`);
  }
  for (const [name, property] of Object.entries((object.properties ?? {}) as Record<string, Json>)) {
    const at = `${where}.${name}`;
    if (!property.$ref) {
      if (!property.description) problems.push(`${at}: no description`);
      const items = property.items as Json | undefined;
      const composite = property.properties || items?.properties || items?.$ref;
      const example =
        (Array.isArray(property.examples) && property.examples.length > 0) || property.example !== undefined;
      if (!composite && !example) problems.push(`${at}: no example`);
    }
    schemaProblems(document, property, at, problems);
  }
  for (const key of ['items', 'additionalProperties', 'allOf', 'anyOf', 'oneOf']) {
    if (object[key]) schemaProblems(document, object[key], `${where}/${key}`, problems);
  }
}

describe(`OpenAPI document on ${testDialect()}`, () => {
  let platform: TestPlatform;
  let document: Json;
  let orgId: string;

  beforeAll(async () => {
    platform = await createTestPlatform({
      env: { PUBLIC_URL: 'https://texting.example.org', STAGE: '/v-test', SCOPE_PREFIX: 'https://scopes.example.org/' },
    });
    orgId = (await createOrgFixture(platform.container)).organization.id;
    const response = await platform.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    document = response.json();
  });
  afterAll(async () => platform.close());

  it('matches the committed snapshots (run `npm run openapi` after reviewing an API change)', async () => {
    for (const [path, content] of Object.entries(await generatedFiles())) {
      expect(readFileSync(path, 'utf8'), `${path} is out of date: run npm run openapi`).toBe(content);
    }
  });

  it('is OpenAPI 3.1 with this deployment’s server, OAuth 2.0 URLs, scopes and the x-api-key scheme', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers).toEqual([{ url: 'https://texting.example.org/v-test', description: expect.any(String) }]);
    const schemes = (document.components as Json).securitySchemes as Record<string, Json>;
    const scopes = Object.fromEntries(SCOPE_NAMES.map((n) => [`https://scopes.example.org/${n}`, expect.any(String)]));
    expect(schemes.OAuth2).toMatchObject({
      type: 'oauth2',
      flows: {
        authorizationCode: {
          authorizationUrl: 'https://texting.example.org/oauth2/authorize/',
          tokenUrl: 'https://texting.example.org/oauth2/token/',
          refreshUrl: 'https://texting.example.org/oauth2/token/',
          scopes,
        },
        clientCredentials: { tokenUrl: 'https://texting.example.org/oauth2/token/', scopes },
      },
    });
    expect(schemes.ApiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' });
  });

  it('describes the API only: no web pages, OAuth endpoints, health, metrics, media or docs', () => {
    const paths = Object.keys(document.paths as Json);
    expect(paths.length).toBeGreaterThan(10);
    for (const path of paths) {
      expect(path).not.toMatch(
        /^\/(v-test|oauth2|\.well-known|login|logout|integrations|healthz|readyz|metrics|m|docs|openapi)\b/,
      );
    }
    expect(paths).toContain('/site/all');
  });

  it('documents every operation: id, summary, description, described tag, security of both schemes', () => {
    const tags = new Map(((document.tags ?? []) as Json[]).map((tag) => [tag.name, tag.description]));
    const ids = new Set<string>();
    const declared = SCOPE_NAMES.map((name) => `https://scopes.example.org/${name}`);
    for (const { path, method, op } of operationsOf(document)) {
      const at = `${method.toUpperCase()} ${path}`;
      expect(op.operationId, at).toMatch(/^[a-z][A-Za-z0-9]+$/);
      expect(ids.has(op.operationId as string), `${at}: duplicate operationId`).toBe(false);
      ids.add(op.operationId as string);
      expect(op.summary, at).toBeTruthy();
      expect(op.description, at).toBeTruthy();
      for (const tag of op.tags as string[])
        expect(tags.get(tag), `${at}: tag ${tag} without description`).toBeTruthy();
      const security = op.security as Json[];
      expect(security.length, at).toBeGreaterThan(0);
      for (const requirement of security) {
        expect(Object.keys(requirement).sort(), at).toEqual(['ApiKey', 'OAuth2']);
        for (const scope of requirement.OAuth2 as string[]) expect(declared, at).toContain(scope);
      }
    }
  });

  it('documents the error responses of every operation, and every registered error code', () => {
    const components = document.components as Json;
    const codes = (components.schemas as Record<string, Json>).ErrorCode!.enum as string[];
    expect([...codes].sort()).toEqual([...registeredErrors().keys()].sort());
    const responses = components.responses as Record<string, Json>;
    const inResponses = new Set(
      Object.values(responses).flatMap((response) =>
        Object.keys(((response.content as Record<string, Json>)['application/json']!.examples ?? {}) as Json),
      ),
    );
    for (const [code, { status }] of registeredErrors()) {
      if (status >= 400) expect(inResponses.has(code), code).toBe(true);
    }
    expect(responses.TooManyRequests!.headers).toHaveProperty('Retry-After');
    for (const { path, method, op } of operationsOf(document)) {
      const statuses = Object.keys(op.responses as Json);
      for (const status of ['400', '401', '403', '404', '429']) {
        expect(statuses, `${method.toUpperCase()} ${path}`).toContain(status);
      }
      expect(
        statuses.some((status) => /^2\d\d$/.test(status)),
        `${method} ${path}`,
      ).toBe(true);
    }
  });

  it('has a description and an example on every field and parameter, and every $ref resolves', () => {
    const problems: string[] = [];
    for (const [name, schema] of Object.entries((document.components as Json).schemas as Json)) {
      schemaProblems(document, schema, `#/components/schemas/${name}`, problems);
    }
    for (const { path, method, op } of operationsOf(document)) {
      const at = `${method.toUpperCase()} ${path}`;
      for (const parameter of (op.parameters ?? []) as Json[]) {
        if (!parameter.description) problems.push(`${at} parameter ${parameter.name}: no description`);
        const schema = (parameter.schema ?? {}) as Json;
        if (parameter.example === undefined && parameter.examples === undefined && !schema.examples) {
          problems.push(`${at} parameter ${parameter.name}: no example`);
        }
      }
      const body = op.requestBody as Json | undefined;
      for (const media of Object.values((body?.content ?? {}) as Record<string, Json>)) {
        schemaProblems(document, media.schema, `${at} body`, problems);
      }
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
        if (typeof response.$ref === 'string' && resolveRef(document, response.$ref) === undefined) {
          problems.push(`${at} ${status}: $ref ${response.$ref} does not resolve`);
        }
        for (const media of Object.values((response.content ?? {}) as Record<string, Json>)) {
          schemaProblems(document, media.schema, `${at} ${status}`, problems);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('documents routes that exist: each operation answers 401 without a token, and 403 without its scope', async () => {
    const credentials = await createApiClient(platform, orgId);
    const tokens = new Map<string, string>();
    const tokenWithout = async (scope: ScopeName) => {
      if (!tokens.has(scope)) {
        tokens.set(
          scope,
          await clientCredentialsToken(
            platform,
            credentials,
            SCOPE_NAMES.filter((s) => s !== scope),
          ),
        );
      }
      return tokens.get(scope)!;
    };
    for (const { path, method, op } of operationsOf(document)) {
      const url = `/v-test${path.replace(/\{[^}]+\}/g, '6650c2f1a3b4c5d6e7f80912')}`;
      const at = `${method.toUpperCase()} ${path}`;
      const anonymous = await platform.app.inject({ method: method.toUpperCase() as 'GET', url });
      expect(anonymous.statusCode, at).toBe(401);
      expect(anonymous.json(), at).toMatchObject({ code: 'auth.unauthorized' });

      const security = op.security as { OAuth2: string[] }[];
      if (security.length !== 1 || security[0]!.OAuth2.length !== 1) continue;
      const scope = security[0]!.OAuth2[0]!.replace('https://scopes.example.org/', '') as ScopeName;
      expect(fullScope('https://scopes.example.org/', scope)).toBe(security[0]!.OAuth2[0]);
      const withoutScope = await platform.app.inject({
        method: method.toUpperCase() as 'GET',
        url,
        headers: { authorization: `Bearer ${await tokenWithout(scope)}`, 'x-api-key': credentials.apiKey },
      });
      expect(withoutScope.statusCode, at).toBe(403);
      expect(withoutScope.json(), at).toMatchObject({ code: 'auth.forbidden' });
    }
  });

  it('serves Swagger UI at /docs with this server’s OAuth callback and a content security policy', async () => {
    const page = await platform.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger-ui-bundle.js');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const theme = await platform.app.inject({ method: 'GET', url: '/docs/static/theme/oauth2-redirect-url.js' });
    expect(theme.statusCode).toBe(200);
    expect(theme.body).toContain('"https://texting.example.org/docs/oauth2-redirect.html"');
    const initializer = await platform.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(initializer.body).toContain('"usePkceWithAuthorizationCodeGrant":true');
    const redirect = await platform.app.inject({ method: 'GET', url: '/docs/oauth2-redirect.html' });
    expect(redirect.statusCode).toBe(200);
    expect(redirect.body).toContain('<script src="static/oauth2-redirect.js"></script>');
    const script = await platform.app.inject({ method: 'GET', url: '/docs/static/oauth2-redirect.js' });
    expect(script.statusCode).toBe(200);
  });
});
