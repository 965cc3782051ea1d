import { randomUUID } from 'node:crypto';
import type {
  AuthorizationCodeSource,
  AuthorizationRequest,
  FetchLike,
  TokenContext,
  TokenSource,
  Tokens,
} from './auth.js';
import { StratusApiError } from './errors.js';
import { OPERATIONS, type OperationId, type Operations } from './generated.js';

export interface StratusClientOptions {
  /** The API base: `{PUBLIC_URL}{STAGE}`, e.g. `http://localhost:8080/stratustexting-prod`. */
  baseUrl: string;
  /** The API Key of the client (API Connect), sent as `x-api-key` on every call. */
  apiKey: string;
  /** Where access tokens come from: clientCredentials(…) or authorizationCode(…). */
  auth: TokenSource;
  /** `{PUBLIC_URL}/oauth2/token/` by default (the origin of baseUrl). */
  tokenUrl?: string;
  /** `{PUBLIC_URL}/oauth2/authorize/` by default (the origin of baseUrl). */
  authorizeUrl?: string;
  /** Retries of a call answered 429, each after the Retry-After the server gave (default 3). */
  maxRetries?: number;
  /** Longest wait honoured for one Retry-After, in seconds (default 60); a longer one fails at once. */
  maxRetryAfterSeconds?: number;
  fetch?: FetchLike;
  /** How the client waits before a retry (tests move a clock instead). */
  sleep?: (ms: number) => Promise<void>;
  /** The clock token expiry is judged by (epoch milliseconds). */
  now?: () => number;
}

/** What a call of an operation takes: path parameters, query parameters, the JSON body, and call options. */
export type CallInput<K extends OperationId> = ([Operations[K]['path']] extends [never]
  ? { path?: never }
  : { path: Operations[K]['path'] }) &
  ([Operations[K]['body']] extends [never] ? { body?: never } : { body: Operations[K]['body'] }) & {
    query?: [Operations[K]['query']] extends [never] ? never : Partial<Operations[K]['query']>;
    /** The Idempotency-Key of a POST; one is made up when absent and reused by the retries of this call. */
    idempotencyKey?: string;
    headers?: Record<string, string>;
  };

export type PagedOperationId = {
  [K in OperationId]: (typeof OPERATIONS)[K]['paged'] extends true ? K : never;
}[OperationId];

type ItemOf<K extends OperationId> = Operations[K]['response'] extends { content: (infer T)[] } ? T : never;

export interface RawResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Seconds to wait from a Retry-After header: delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function retryAfterSeconds(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * A client of the StratusTexting Connect API. Every call carries `Authorization: Bearer <token>` (from `auth`,
 * renewed before it expires, and once more after a 401) and `x-api-key`. A 429 is retried after its Retry-After.
 * POSTs carry an Idempotency-Key, the same on every retry, so a retried send is never sent twice.
 */
export class StratusClient {
  readonly baseUrl: string;
  private readonly options: StratusClientOptions;
  private readonly fetchImpl: FetchLike;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(options: StratusClientOptions) {
    this.options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? Date.now;
  }

  /** The context token sources use: where the token endpoint is, how to fetch, what time it is. */
  tokenContext(): TokenContext {
    return {
      fetch: this.fetchImpl,
      now: this.now,
      tokenUrl: this.options.tokenUrl ?? `${new URL(this.baseUrl).origin}/oauth2/token/`,
    };
  }

  /** For authorizationCode(…): the URL to send the person to, with PKCE. */
  authorizationUrl(input: { scopes: string[]; state?: string }): AuthorizationRequest {
    const authorizeUrl = this.options.authorizeUrl ?? `${new URL(this.baseUrl).origin}/oauth2/authorize/`;
    return this.codeSource().authorizationUrl({ authorizeUrl, ...input });
  }

  /** For authorizationCode(…): exchanges the code the callback received (pass the whole callback URL). */
  exchangeCode(input: {
    callbackUrl?: string;
    code?: string;
    codeVerifier: string;
    expectedState?: string;
  }): Promise<Tokens> {
    return this.codeSource().exchangeCode(this.tokenContext(), input);
  }

  private codeSource(): AuthorizationCodeSource {
    const auth = this.options.auth as Partial<AuthorizationCodeSource>;
    if (typeof auth.authorizationUrl !== 'function') throw new Error('auth is not authorizationCode(…)');
    return auth as AuthorizationCodeSource;
  }

  /** Calls the operation `id` (see Operations) and answers its JSON body; an error answer throws StratusApiError. */
  async call<K extends OperationId>(id: K, input?: CallInput<K>): Promise<Operations[K]['response']> {
    return (await this.callRaw(id, input)).body;
  }

  /** Like call(), with the status and headers of the answer. */
  async callRaw<K extends OperationId>(id: K, input?: CallInput<K>): Promise<RawResponse<Operations[K]['response']>> {
    const operation = OPERATIONS[id];
    const given = (input ?? {}) as {
      path?: Record<string, string>;
      query?: Record<string, unknown>;
      body?: unknown;
      idempotencyKey?: string;
      headers?: Record<string, string>;
    };
    const path = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
      const value = given.path?.[name];
      if (value === undefined) throw new Error(`${id}: path parameter ${name} is required`);
      return encodeURIComponent(String(value));
    });
    return this.request(operation.method, path, {
      query: given.query,
      body: given.body,
      headers: given.headers,
      idempotencyKey: operation.method === 'POST' ? (given.idempotencyKey ?? randomUUID()) : undefined,
    }) as Promise<RawResponse<Operations[K]['response']>>;
  }

  /** Sends an SMS (POST /message/sendsms), idempotently. */
  sendSms(
    body: Operations['sendSms']['body'],
    options: { idempotencyKey?: string } = {},
  ): Promise<Operations['sendSms']['response']> {
    return this.call('sendSms', { body, ...options });
  }

  /** Sends an MMS with media URLs (POST /message/sendmms), idempotently. */
  sendMms(
    body: Operations['sendMms']['body'],
    options: { idempotencyKey?: string } = {},
  ): Promise<Operations['sendMms']['response']> {
    return this.call('sendMms', { body, ...options });
  }

  /** A message with its current status (GET /message/getmessagebyid/{id}). */
  getMessage(id: string): Promise<Operations['getMessageById']['response']> {
    return this.call('getMessageById', { path: { id } });
  }

  /**
   * Every item of a paged operation, page after page (`page` from 0, `size` per page, default 100), as an async
   * iterator: `for await (const contact of client.paginate('getAllContactsInAnOrg')) …`.
   */
  async *paginate<K extends PagedOperationId>(
    id: K,
    input?: Omit<CallInput<K>, 'body'>,
    options: { pageSize?: number } = {},
  ): AsyncGenerator<ItemOf<K>, void, undefined> {
    for await (const page of this.pages(id, input, options)) {
      for (const item of (page as unknown as { content: ItemOf<K>[] }).content) yield item;
    }
  }

  /** The pages of a paged operation, until the one marked `last`. */
  async *pages<K extends PagedOperationId>(
    id: K,
    input?: Omit<CallInput<K>, 'body'>,
    options: { pageSize?: number } = {},
  ): AsyncGenerator<Operations[K]['response'], void, undefined> {
    const given = (input ?? {}) as { query?: Record<string, unknown> };
    const size = options.pageSize ?? (given.query?.size as number | undefined) ?? 100;
    for (let number = (given.query?.page as number | undefined) ?? 0; ; number++) {
      const page = (await this.call(id, {
        ...(input as object),
        query: { ...given.query, page: number, size },
      } as CallInput<K>)) as Operations[K]['response'] & { last: boolean; empty: boolean };
      yield page;
      if (page.last || page.empty) return;
    }
  }

  /** A call by method and path (relative to baseUrl), with the client's authentication, retries and errors. */
  async request(
    method: string,
    path: string,
    input: {
      query?: Record<string, unknown> | undefined;
      body?: unknown;
      headers?: Record<string, string> | undefined;
      idempotencyKey?: string | undefined;
    } = {},
  ): Promise<RawResponse<unknown>> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(input.query ?? {})) {
      if (value === undefined || value === null) continue;
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
    }
    const maxRetries = this.options.maxRetries ?? 3;
    const maxWait = this.options.maxRetryAfterSeconds ?? 60;
    let refreshedAfter401 = false;

    for (let attempt = 0; ; attempt++) {
      const token = await this.options.auth.accessToken(this.tokenContext());
      const headers: Record<string, string> = {
        accept: 'application/json',
        ...input.headers,
        authorization: `Bearer ${token}`,
        'x-api-key': this.options.apiKey,
      };
      if (input.idempotencyKey) headers['idempotency-key'] = input.idempotencyKey;
      if (input.body !== undefined) headers['content-type'] = 'application/json';
      const response = await this.fetchImpl(url, {
        method,
        headers,
        ...(input.body !== undefined ? { body: JSON.stringify(input.body) } : {}),
      });

      if (response.status === 401 && !refreshedAfter401) {
        // The token may have been revoked or its signing key rotated away: one more try with a new token.
        refreshedAfter401 = true;
        this.options.auth.invalidate();
        await response.body?.cancel();
        continue;
      }
      if (response.status === 429 && attempt < maxRetries) {
        const wait = retryAfterSeconds(response.headers.get('retry-after'), this.now()) ?? 2 ** attempt;
        if (wait <= maxWait) {
          await response.body?.cancel();
          await this.sleep(wait * 1000);
          continue;
        }
      }
      const text = await response.text();
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      if (response.status >= 400) {
        throw new StratusApiError(
          response.status,
          body && typeof body === 'object' ? (body as StratusApiError['body']) : undefined,
          `${method} ${path} answered ${response.status}`,
        );
      }
      return { status: response.status, headers: response.headers, body };
    }
  }
}
