/**
 * The Postman collection (v2.1) made from the OpenAPI document: one folder per tag, one request per operation,
 * in an order that runs top to bottom (each folder creates first, then reads, updates, acts, and deletes last).
 *
 * Authorization is set once on the collection, as the hosted Postman how-to describes: OAuth 2.0, grant type
 * Authorization Code, the Auth URL and Access Token URL of this server, client authentication "Send as Basic Auth
 * header", the token in the Authorization header with the Bearer prefix. Every request sends `x-api-key: {{apiKey}}`.
 * Unattended runs (newman, CI) set `unattendedGrant` to `client_credentials`: a collection pre-request script then
 * fetches a token with the client credentials grant and the collection's auth uses it.
 *
 * Every request carries tests: its status is one of the operation's documented success statuses, and its body
 * satisfies the documented schema of that status. Ids created or listed by one request are kept in collection
 * variables for the requests after it (a created contact's id in `contactId`, and so on).
 */

type Json = Record<string, unknown>;

interface Operation {
  path: string;
  method: string;
  operation: Json;
}

/**
 * Body fields that must name the caller's own data, and the variable (or dynamic value) the collection sends
 * instead of the document's example. Names unique in an organisation get a timestamp so the collection can run
 * again.
 */
const BODY_VALUES: Record<string, unknown> = {
  from: '{{fromNumber}}',
  to: '{{toNumber}}',
  mobileNumber: '{{mobileNumber}}',
  siteIds: ['{{siteId}}'],
  uri: '{{webhookUri}}',
  eventFilters: ['{{eventFilter}}'],
  mediaUrl: ['{{mediaUrl}}'],
  name: 'Appointment reminders {{$timestamp}}',
  optInKeywords: ['IN{{$timestamp}}'],
  optOutKeywords: ['OUT{{$timestamp}}'],
};

/** Body fields left out: references to existing things the run does not have, and times that age. */
const BODY_OMITTED = new Set(['id', 'expiresDateInMillies']);

/** The collection's variables, their defaults and what they are. */
const VARIABLES: { key: string; value: string; description: string }[] = [
  { key: 'clientId', value: '', description: 'Client ID from Integrations → API Connect.' },
  { key: 'clientSecret', value: '', description: 'Client Secret from API Connect (shown once).' },
  { key: 'apiKey', value: '', description: 'API Key from API Connect (shown once): sent as the x-api-key header.' },
  {
    key: 'redirectUri',
    value: 'https://oauth.pstmn.io/v1/callback',
    description: "Postman's callback URL: add it to the client's callback URLs in API Connect.",
  },
  {
    key: 'accessToken',
    value: '',
    description: 'The access token in use; "Get New Access Token" fills it, or the unattended script.',
  },
  {
    key: 'unattendedGrant',
    value: '',
    description:
      'Set to client_credentials for unattended runs (newman): a pre-request script gets the token with the client credentials grant (enable the grant for the client in API Connect).',
  },
  { key: 'fromNumber', value: '+12025550100', description: 'A number of one of your departments (sends).' },
  { key: 'toNumber', value: '+12025550143', description: 'A number to text (sends).' },
  { key: 'mobileNumber', value: '+12025550143', description: 'The number of the contact the Contacts requests use.' },
  { key: 'agentEmail', value: 'admin@example.com', description: 'Email of a user of your organisation.' },
  {
    key: 'webhookUri',
    value: '',
    description: 'Your webhook receiver: it must echo the validation-token header (see the Webhooks guide).',
  },
  {
    key: 'eventFilter',
    value: '',
    description: 'An event filter, e.g. /orgId/{orgId}/department/{departmentId}/message (ids from Get Sites).',
  },
  { key: 'mediaUrl', value: '', description: 'A public http(s) URL of an image to send by MMS.' },
];

const METHOD_RANK = (method: string, hasParams: boolean): number => {
  if (method === 'post' && !hasParams) return 0;
  if (method === 'get') return hasParams ? 2 : 1;
  if (method === 'put' || method === 'patch') return 3;
  if (method === 'post') return 4;
  if (method === 'delete') return 5;
  return 6;
};

function segmentsOf(path: string): string[] {
  return path.split('/').filter(Boolean);
}

function hasPathParams(path: string): boolean {
  return path.includes('{');
}

/** The variable a path parameter reads: `{id}` of `/contact/{id}` → `contactId`; other names as they are. */
function variableOfParam(path: string, param: string): string {
  return param === 'id' ? `${segmentsOf(path)[0]}Id` : param;
}

function singular(word: string): string {
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.endsWith('s')) return word.slice(0, -1);
  return word;
}

/** The variable an id read from this operation's answer is kept in, and whether it replaces a value already set. */
function captureOf(
  path: string,
  method: string,
  successSchema: Json | undefined,
): { variable: string; page: boolean; always: boolean } | undefined {
  const properties = (successSchema?.properties ?? {}) as Json;
  const isPage = 'content' in properties && 'totalElements' in properties;
  if (method === 'post' && !hasPathParams(path) && 'id' in properties) {
    return { variable: `${segmentsOf(path)[0]}Id`, page: false, always: true };
  }
  if (method === 'get' && isPage) {
    const statics = segmentsOf(path).filter((segment) => !segment.startsWith('{'));
    const noun = hasPathParams(path) ? singular(statics[statics.length - 1]!) : statics[0]!;
    return { variable: `${noun}Id`, page: true, always: false };
  }
  return undefined;
}

/** Resolves local `$ref`s, so a schema can be checked on its own. */
function dereference(schema: unknown, document: Json, seen: string[] = []): unknown {
  if (Array.isArray(schema)) return schema.map((item) => dereference(item, document, seen));
  if (!schema || typeof schema !== 'object') return schema;
  const object = schema as Json;
  if (typeof object.$ref === 'string') {
    const ref = object.$ref;
    if (seen.includes(ref)) return {};
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], document);
    return dereference(target, document, [...seen, ref]);
  }
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, dereference(value, document, seen)]));
}

const ANNOTATIONS = new Set([
  'description',
  'examples',
  'example',
  'title',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
]);

/** The schema without annotations: what the test checks, and small. */
function validationSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(validationSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema as Json)) {
    if (ANNOTATIONS.has(key)) continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Json).map(([name, property]) => [name, validationSchema(property)]),
      );
    } else {
      out[key] = validationSchema(value);
    }
  }
  return out;
}

function exampleOf(schema: Json): unknown {
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  return undefined;
}

/** A JSON body from the schema's examples: required fields, and optional ones that are not aliases of another. */
function bodyOf(schema: Json): Json {
  const body: Json = {};
  const required = new Set((schema.required as string[] | undefined) ?? []);
  for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
    if (BODY_OMITTED.has(name)) continue;
    const alias = /^Same as /.test(String(property.description ?? ''));
    if (alias && !required.has(name)) continue;
    const value = name in BODY_VALUES ? BODY_VALUES[name] : exampleOf(property);
    if (value !== undefined) body[name] = value;
  }
  return body;
}

function scriptLines(source: string): string[] {
  return source.split('\n');
}

function testScript(operation: Operation, document: Json): string[] {
  const responses = (operation.operation.responses ?? {}) as Record<string, Json>;
  const success = Object.keys(responses).filter((status) => /^2\d\d$/.test(status));
  const schemas: Json = {};
  for (const status of success) {
    const resolved = dereference(responses[status], document) as Json;
    const media = ((resolved.content ?? {}) as Record<string, Json>)['application/json'];
    if (media?.schema) schemas[status] = validationSchema(media.schema);
  }
  const firstSchema = dereference(
    (((responses[success[0] ?? ''] ?? {}) as Json).content as Record<string, Json> | undefined)?.['application/json']
      ?.schema,
    document,
  ) as Json | undefined;
  const capture = captureOf(operation.path, operation.method, firstSchema);
  const lines = [
    `const expected = ${JSON.stringify(success.map(Number))};`,
    `pm.test('status is ' + expected.join(' or '), () => pm.expect(pm.response.code).to.be.oneOf(expected));`,
    `const schemas = ${JSON.stringify(schemas)};`,
    'const schema = schemas[String(pm.response.code)];',
    'if (schema) {',
    "  pm.test('body has the documented shape', () => pm.response.to.have.jsonSchema(schema));",
    '}',
  ];
  if (capture) {
    const source = capture.page ? '(body.content || [])[0] && body.content[0].id' : 'body.id';
    lines.push(
      `// Keep the id for the requests after this one (${capture.variable}).`,
      'if (pm.response.code < 300) {',
      '  const body = pm.response.json();',
      `  const id = ${source};`,
      capture.always
        ? `  if (id) pm.collectionVariables.set('${capture.variable}', id);`
        : `  if (id && !pm.variables.get('${capture.variable}')) pm.collectionVariables.set('${capture.variable}', id);`,
      '}',
    );
  }
  return lines;
}

function requestOf(operation: Operation, document: Json): Json {
  const { path, method, operation: op } = operation;
  const parameters = (op.parameters ?? []) as Json[];
  const pathParams = parameters.filter((parameter) => parameter.in === 'path');
  const queryParams = parameters.filter((parameter) => parameter.in === 'query');
  const headerParams = parameters.filter((parameter) => parameter.in === 'header');

  const postmanPath = segmentsOf(path).map((segment) => segment.replace(/^\{(.+)\}$/, ':$1'));
  const query = queryParams.map((parameter) => {
    const schema = (parameter.schema ?? {}) as Json;
    const value = parameter.example ?? exampleOf(schema);
    return {
      key: String(parameter.name),
      value: value === undefined ? '' : String(value),
      description: String(parameter.description ?? ''),
      ...(parameter.required ? {} : { disabled: true }),
    };
  });
  const headers: Json[] = [{ key: 'x-api-key', value: '{{apiKey}}', description: 'The API Key of the client.' }];
  for (const parameter of headerParams) {
    if (parameter.name === 'Idempotency-Key') {
      headers.push({
        key: 'Idempotency-Key',
        value: '{{$guid}}',
        description: 'A new key for each send; resend the same key to retry safely.',
      });
    }
  }

  const request: Json = {
    method: method.toUpperCase(),
    header: headers,
    url: {
      raw: `{{baseUrl}}/${postmanPath.join('/')}${
        query.some((q) => !('disabled' in q))
          ? `?${query
              .filter((q) => !('disabled' in q))
              .map((q) => `${q.key}=${q.value}`)
              .join('&')}`
          : ''
      }`,
      host: ['{{baseUrl}}'],
      path: postmanPath,
      ...(query.length > 0 ? { query } : {}),
      ...(pathParams.length > 0
        ? {
            variable: pathParams.map((parameter) => ({
              key: String(parameter.name),
              value: `{{${variableOfParam(path, String(parameter.name))}}}`,
              description: String(parameter.description ?? ''),
            })),
          }
        : {}),
    },
    description: String(op.description ?? ''),
  };
  const json = ((op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined)?.[
    'application/json'
  ];
  if (json?.schema) {
    const schema = dereference(json.schema, document) as Json;
    headers.push({ key: 'Content-Type', value: 'application/json' });
    request.body = {
      mode: 'raw',
      raw: JSON.stringify(bodyOf(schema), null, 2),
      options: { raw: { language: 'json' } },
    };
  }
  return {
    name: String(op.summary ?? `${method.toUpperCase()} ${path}`),
    request,
    event: [{ listen: 'test', script: { type: 'text/javascript', exec: testScript(operation, document) } }],
  };
}

const UNATTENDED_SCRIPT = `// Unattended runs (newman, CI): with unattendedGrant = client_credentials, get a token with the client
// credentials grant (client authentication by HTTP Basic) and reuse it until a minute before it expires.
if (pm.variables.get('unattendedGrant') === 'client_credentials') {
  const expiresAt = Number(pm.collectionVariables.get('accessTokenExpiresAt') || 0);
  if (!pm.variables.get('accessToken') || Date.now() > expiresAt - 60000) {
    const id = encodeURIComponent(pm.variables.get('clientId'));
    const secret = encodeURIComponent(pm.variables.get('clientSecret'));
    pm.sendRequest(
      {
        url: pm.variables.replaceIn('{{accessTokenUrl}}'),
        method: 'POST',
        header: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: 'Basic ' + btoa(id + ':' + secret) },
        body: { mode: 'urlencoded', urlencoded: [{ key: 'grant_type', value: 'client_credentials' }] },
      },
      (error, response) => {
        if (error || response.code !== 200) {
          throw new Error('client_credentials token request failed: ' + (error || response.code + ' ' + response.text()));
        }
        const token = response.json();
        pm.collectionVariables.set('accessToken', token.access_token);
        pm.collectionVariables.set('accessTokenExpiresAt', String(Date.now() + token.expires_in * 1000));
      },
    );
  }
}`;

/** The collection for `document` (an OpenAPI 3.1 document of this API). */
export function toPostmanCollection(document: Json): Json {
  const info = (document.info ?? {}) as Json;
  const server = String((document.servers as Json[] | undefined)?.[0]?.url ?? '');
  const security = ((document.components as Json | undefined)?.securitySchemes ?? {}) as Record<string, Json>;
  const oauth = Object.values(security).find((scheme) => scheme.type === 'oauth2');
  const flow = ((oauth?.flows ?? {}) as Record<string, Json>).authorizationCode ?? {};
  const scopes = Object.keys((flow.scopes ?? {}) as Json);

  const operations: Operation[] = [];
  for (const [path, item] of Object.entries((document.paths ?? {}) as Record<string, Json>)) {
    for (const [method, operation] of Object.entries(item)) {
      if (operation && typeof operation === 'object' && 'responses' in (operation as Json)) {
        operations.push({ path, method, operation: operation as Json });
      }
    }
  }
  const tagNames = [
    ...((document.tags ?? []) as Json[]).map((tag) => String(tag.name)),
    ...operations.flatMap((op) => (op.operation.tags as string[] | undefined) ?? ['Other']),
  ].filter((name, index, all) => all.indexOf(name) === index);

  const folders = tagNames
    .map((name) => {
      const tag = ((document.tags ?? []) as Json[]).find((t) => t.name === name);
      const items = operations
        .filter((op) => ((op.operation.tags as string[] | undefined)?.[0] ?? 'Other') === name)
        .sort(
          (a, b) =>
            METHOD_RANK(a.method, hasPathParams(a.path)) - METHOD_RANK(b.method, hasPathParams(b.path)) ||
            (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
        )
        .map((op) => requestOf(op, document));
      return { name, ...(tag?.description ? { description: String(tag.description) } : {}), item: items };
    })
    .filter((folder) => folder.item.length > 0);

  const used = JSON.stringify(folders);
  const variables = [
    { key: 'baseUrl', value: server, description: 'The API base: PUBLIC_URL followed by the STAGE prefix.' },
    { key: 'authUrl', value: String(flow.authorizationUrl ?? ''), description: 'Auth URL.' },
    { key: 'accessTokenUrl', value: String(flow.tokenUrl ?? ''), description: 'Access Token URL (and refresh).' },
    { key: 'scope', value: scopes.join(' '), description: 'The scopes asked for, space-separated.' },
    ...VARIABLES,
    { key: 'accessTokenExpiresAt', value: '', description: 'Set by the unattended script.' },
  ];
  for (const match of used.matchAll(/\{\{([A-Za-z][A-Za-z0-9]*)\}\}/g)) {
    const key = match[1]!;
    if (!variables.some((variable) => variable.key === key)) {
      variables.push({ key, value: '', description: 'Kept from an earlier request of the collection.' });
    }
  }

  const oauth2 = [
    ['grant_type', 'authorization_code'],
    ['authUrl', '{{authUrl}}'],
    ['accessTokenUrl', '{{accessTokenUrl}}'],
    ['refreshTokenUrl', '{{accessTokenUrl}}'],
    ['clientId', '{{clientId}}'],
    ['clientSecret', '{{clientSecret}}'],
    ['scope', '{{scope}}'],
    ['redirect_uri', '{{redirectUri}}'],
    ['client_authentication', 'header'],
    ['useBrowser', false],
    ['tokenName', 'Stratus Connect'],
    ['accessToken', '{{accessToken}}'],
    ['addTokenTo', 'header'],
    ['headerPrefix', 'Bearer'],
  ].map(([key, value]) => ({ key, value, type: typeof value === 'boolean' ? 'boolean' : 'string' }));

  return {
    info: {
      name: String(info.title ?? 'API'),
      description: [
        String(info.description ?? ''),
        '',
        'Authorization is set on the collection: OAuth 2.0 with the Authorization Code grant, client authentication "Send as Basic Auth header". Fill in the collection variables clientId, clientSecret and apiKey, then Authorization → Get New Access Token. For unattended runs set unattendedGrant to client_credentials.',
      ].join('\n'),
      version: String(info.version ?? ''),
      schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
    },
    auth: { type: 'oauth2', oauth2 },
    event: [{ listen: 'prerequest', script: { type: 'text/javascript', exec: scriptLines(UNATTENDED_SCRIPT) } }],
    variable: variables.map((variable) => ({ ...variable, type: 'string' })),
    item: folders,
  };
}
