import type { TObject } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { AppError } from './errors.js';

/**
 * A preValidation hook refusing body fields the schema does not name (400 request.invalid naming them). Fastify's
 * Ajv runs with `removeAdditional`, which would silently drop a misspelt field (`fristName`) and answer 200 without
 * the change the caller meant; refusing it tells the integrator at once. Run it after mergeQueryIntoBody, so
 * parameters sent in the query string are checked too.
 */
export function rejectUnknownFields(schema: TObject) {
  const known = new Set(Object.keys(schema.properties));
  return async (request: FastifyRequest): Promise<void> => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
    const unknown = Object.keys(body).filter((key) => !known.has(key));
    if (unknown.length > 0) {
      throw new AppError('request.invalid', `Unknown field${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, {
        unknownFields: unknown,
      });
    }
  };
}
