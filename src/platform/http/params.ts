import type { FastifyRequest } from 'fastify';

/**
 * CONTRACT.md §3: parameters may come in the query string, a form body or a JSON body, and body fields
 * win over query fields. Used as a route's preValidation hook, so the body schema validates the merged
 * object (the hosted sendsms takes `from`, `to`, `text` in the query with an empty body).
 */
export async function mergeQueryIntoBody(request: FastifyRequest): Promise<void> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const body = request.body;
  if (body === undefined || body === null || body === '') {
    request.body = { ...query };
  } else if (typeof body === 'object' && !Array.isArray(body) && !Buffer.isBuffer(body)) {
    request.body = { ...query, ...(body as Record<string, unknown>) };
  }
}
