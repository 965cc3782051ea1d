import type { Outcome } from '../outcome.js';

/**
 * The one registry of error codes: code → HTTP status → default message. Each feature declares its codes
 * in its `<name>.errors.ts` with defineErrors(); the platform's own are below. The renderers and the
 * OpenAPI document read this registry, so a code means the same everywhere.
 */
export interface ErrorDefinition {
  status: number;
  message: string;
}

const registry = new Map<string, ErrorDefinition>();

export function defineErrors<const T extends Record<string, ErrorDefinition>>(definitions: T): T {
  for (const [code, definition] of Object.entries(definitions)) {
    const existing = registry.get(code);
    if (existing && (existing.status !== definition.status || existing.message !== definition.message)) {
      throw new Error(`Error code ${code} is defined twice with different meanings`);
    }
    registry.set(code, definition);
  }
  return definitions;
}

export function registeredErrors(): ReadonlyMap<string, ErrorDefinition> {
  return registry;
}

/** An error with a registered code; routes and services throw it, the renderer answers it. */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: string,
    message?: string,
    readonly details?: unknown,
  ) {
    const definition = registry.get(code);
    if (!definition) throw new Error(`Unregistered error code: ${code}`);
    super(message ?? definition.message);
    this.status = definition.status;
  }
}

/** Turns a failed outcome into the AppError its code names. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw new AppError(outcome.code, outcome.message, outcome.details);
}

export const PlatformErrors = defineErrors({
  'request.invalid': { status: 400, message: 'The request is invalid' },
  'request.malformed_body': { status: 400, message: 'The request body could not be parsed' },
  'request.too_large': { status: 413, message: 'The request body is too large' },
  'request.unsupported_media_type': { status: 415, message: 'The request body has an unsupported media type' },
  'route.not_found': { status: 404, message: 'No such route' },
  'auth.unauthorized': { status: 401, message: 'Unauthorized' },
  'auth.forbidden': { status: 403, message: 'Forbidden' },
  rate_limited: { status: 429, message: 'Too Many Requests' },
  'service.unavailable': { status: 503, message: 'The service is temporarily unavailable' },
  internal: { status: 500, message: 'Internal Server Error' },
});
