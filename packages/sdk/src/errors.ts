import type { ErrorBody, ErrorCode } from './generated.js';

/**
 * An error answer of the API: its HTTP status, its stable `code` (see ErrorCode) and the request id to quote to
 * the operator. 401 `auth.unauthorized`, 403 `auth.forbidden` and 429 `rate_limited` come from the gateway; the
 * others from the operation.
 */
export class StratusApiError extends Error {
  override readonly name = 'StratusApiError';
  readonly status: number;
  readonly code: ErrorCode | string;
  readonly requestId: string | undefined;
  readonly body: Partial<ErrorBody> | undefined;

  constructor(status: number, body: Partial<ErrorBody> | undefined, fallback: string) {
    super(body?.message ?? fallback);
    this.status = status;
    this.code = body?.code ?? `http.${status}`;
    this.requestId = body?.requestId;
    this.body = body;
  }
}

/** A refusal of the token endpoint (RFC 6749 §5.2): `error` such as invalid_client or invalid_grant. */
export class StratusOAuthError extends Error {
  override readonly name = 'StratusOAuthError';

  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string | undefined,
  ) {
    super(description ? `${error}: ${description}` : error);
  }
}
