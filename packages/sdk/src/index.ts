/**
 * @stratus-connect/sdk — a TypeScript client of the StratusTexting Connect API.
 *
 *   const stratus = new StratusClient({
 *     baseUrl: 'http://localhost:8080/stratustexting-prod',
 *     apiKey: process.env.API_KEY!,
 *     auth: clientCredentials({ clientId: process.env.CLIENT_ID!, clientSecret: process.env.CLIENT_SECRET! }),
 *   });
 *   await stratus.sendSms({ from: '+12025550100', to: '+12025550143', text: 'Hello' });
 */
export {
  type AuthorizationCodeOptions,
  type AuthorizationCodeSource,
  type AuthorizationRequest,
  authorizationCode,
  type ClientCredentialsOptions,
  clientCredentials,
  type FetchLike,
  SCOPES,
  type TokenContext,
  type TokenSource,
  type Tokens,
} from './auth.js';
export {
  type CallInput,
  type PagedOperationId,
  type RawResponse,
  retryAfterSeconds,
  StratusClient,
  type StratusClientOptions,
} from './client.js';
export { StratusApiError, StratusOAuthError } from './errors.js';
export * from './generated.js';
export {
  signWebhook,
  type VerifyWebhookInput,
  verifyWebhook,
  type WebhookHeaders,
  WebhookVerificationError,
} from './webhooks.js';
