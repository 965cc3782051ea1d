import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/http/errors.js';
import { createTokenBucketLimiter } from '../../platform/http/rate-limit.js';
import type { OAuthService } from './oauth.service.js';
import { fullScope, SCOPE_NAMES, type ScopeName } from './scopes.js';

/** Who is calling: taken from the verified token; every service call of the route uses `orgId`. */
export interface ApiAuth {
  orgId: string;
  clientId: string;
  /** The authorising user, or the client id itself for client_credentials tokens. */
  subject: string;
  scopes: string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: ApiAuth;
  }
}

/**
 * The API guard (CONTRACT.md §2) on every route of the stage prefix: a Bearer JWT (signature, issuer, expiry,
 * key id — no database round trip once seen), an `x-api-key` of the same client (cached lookup), the route's
 * scope, and a per-client rate limit. 401 for token problems; 403 for API key and scope problems; 429 with
 * Retry-After when throttled.
 */
export function installApiGuard(
  api: FastifyInstance,
  deps: { oauth: OAuthService; clock: Clock; scopePrefix: string; ratePerSecond: number; burst: number },
): void {
  const limiter = createTokenBucketLimiter({
    ratePerSecond: deps.ratePerSecond,
    burst: deps.burst,
    now: () => deps.clock.now(),
  });
  api.decorateRequest('auth', null as unknown as ApiAuth);
  const fullScopes = new Map(SCOPE_NAMES.map((name) => [name, fullScope(deps.scopePrefix, name)]));

  api.addHook('onRequest', async (request: FastifyRequest, reply) => {
    if (request.routeOptions.config.public) return;
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new AppError('auth.unauthorized');
    const token = await deps.oauth.verifyAccessToken(match[1]!);
    if (!token) throw new AppError('auth.unauthorized');

    const apiKey = request.headers['x-api-key'];
    if (typeof apiKey !== 'string' || apiKey === '') throw new AppError('auth.forbidden');
    const owner = await deps.oauth.findApiKeyOwner(apiKey);
    if (!owner || owner.clientId !== token.client_id || owner.orgId !== token.org_id) {
      throw new AppError('auth.forbidden');
    }

    const required = request.routeOptions.config.scope as ScopeName | undefined;
    if (required && !token.scopes.includes(fullScopes.get(required) ?? '')) throw new AppError('auth.forbidden');

    const limited = limiter.take(token.client_id);
    if (!limited.allowed) {
      reply.header('retry-after', String(limited.retryAfterSeconds));
      throw new AppError('rate_limited');
    }
    request.auth = { orgId: token.org_id, clientId: token.client_id, subject: token.sub, scopes: token.scopes };
  });
}
