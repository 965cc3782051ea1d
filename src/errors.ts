/**
 * Loads every feature's error codes into the one registry (platform/http/errors.ts), so renderers, the CLI
 * and the OpenAPI document know all of them whichever feature a process happens to import first.
 * A new feature adds its `<name>.errors.ts` here.
 */
import './features/accounts/accounts.errors.js';
import './features/carrier/carrier.errors.js';
import './features/consents/consents.errors.js';
import './features/contacts/contacts.errors.js';
import './features/messages/messages.errors.js';
import './features/oauth/oauth.errors.js';
import './features/sites/sites.errors.js';
import './features/webhooks/webhooks.errors.js';
import './platform/http/idempotency.js';
