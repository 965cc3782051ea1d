import { defineErrors } from '../../platform/http/errors.js';

export const OAuthErrors = defineErrors({
  'oauth.client_not_found': { status: 404, message: 'API client not found' },
  'oauth.invalid_client_name': { status: 400, message: 'A client app name must have 1 to 100 characters' },
  'oauth.invalid_redirect_uri': {
    status: 400,
    message: 'Callback URLs must be absolute https URLs (http only for localhost), without fragments',
  },
  'oauth.invalid_scope': { status: 400, message: 'Unknown scope' },
  'oauth.too_many_attempts': { status: 429, message: 'Too many sign-in attempts; try again later' },
  'oauth.invalid_login': { status: 401, message: 'Email or password is incorrect' },
});

export type OAuthErrorCode = keyof typeof OAuthErrors;
