import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { dbErrorKind } from '../db/errors.js';
import { AppError } from './errors.js';

/**
 * The compat renderer: every API error is answered in the Spring shape of CONTRACT.md §3
 * (`timestamp, status, error, message, path, code`) plus `requestId`; the gateway errors
 * (401, 403, 429) in the hosted API's short form `{message, code}` (CONTRACT.md §2).
 */
const GATEWAY_CODES = new Set(['auth.unauthorized', 'auth.forbidden', 'rate_limited']);

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'request.too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'request.unsupported_media_type',
  FST_ERR_CTP_INVALID_JSON_BODY: 'request.malformed_body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'request.malformed_body',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'request.malformed_body',
  FST_ERR_RATE_LIMIT_EXCEEDED: 'rate_limited',
};

export interface ErrorBody {
  timestamp?: string;
  status?: number;
  error?: string;
  message: string;
  path?: string;
  code: string;
  requestId: string;
  details?: unknown;
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const fastifyError = error as Partial<FastifyError> & { validation?: unknown };
  if (fastifyError.validation) {
    return new AppError('request.invalid', fastifyError.message, fastifyError.validation);
  }
  if (fastifyError.code && FASTIFY_CODES[fastifyError.code]) {
    return new AppError(FASTIFY_CODES[fastifyError.code]!);
  }
  if (error instanceof SyntaxError || (fastifyError.statusCode === 400 && !fastifyError.code)) {
    return new AppError('request.malformed_body');
  }
  if (dbErrorKind(error) === 'unavailable') return new AppError('service.unavailable');
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new AppError('request.invalid', fastifyError.message);
  }
  return new AppError('internal');
}

export function errorBody(error: AppError, request: FastifyRequest, now: number): ErrorBody {
  if (GATEWAY_CODES.has(error.code)) {
    return { message: error.message, code: error.code, requestId: request.id };
  }
  return {
    timestamp: new Date(now).toISOString(),
    status: error.status,
    error: STATUS_CODES[error.status] ?? 'Error',
    message: error.message,
    path: request.url.split('?')[0]!,
    code: error.code,
    requestId: request.id,
    ...(error.details === undefined ? {} : { details: error.details }),
  };
}

export function sendError(reply: FastifyReply, error: AppError, now: number): FastifyReply {
  return reply
    .code(error.status)
    .type('application/json; charset=utf-8')
    .send(errorBody(error, reply.request, now));
}

export function installCompatErrorRenderer(app: FastifyInstance, now: () => number): void {
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: appError.code }, 'request refused');
    return sendError(reply, appError, now());
  });
  app.setNotFoundHandler((_request, reply) => sendError(reply, new AppError('route.not_found'), now()));
}
