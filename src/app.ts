import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Container } from './container.js';
import { registerApiDocs } from './docs/docs.routes.js';
import { markApiOperations } from './docs/openapi.js';
import { registerConsentRoutes } from './features/consents/consents.routes.js';
import { registerContactRoutes } from './features/contacts/contacts.routes.js';
import { registerMediaRoute, registerMessageRoutes } from './features/messages/messages.routes.js';
import { installApiGuard } from './features/oauth/guard.js';
import { registerOAuthRoutes } from './features/oauth/oauth.routes.js';
import { registerSiteRoutes } from './features/sites/sites.routes.js';
import { registerWebhookRoutes } from './features/webhooks/webhooks.routes.js';
import { AppError } from './platform/http/errors.js';
import { installHealthRoutes } from './platform/http/health.js';
import { createMetricsRegistry, installMetrics } from './platform/http/metrics.js';
import { installCompatErrorRenderer } from './platform/http/renderer.js';
import { registerAuthorizeRoutes } from './web/authorize.routes.js';
import { registerWebApp } from './web/web.routes.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scope a route requires (CONTRACT.md §2), read by the API guard; absent on public routes. */
    scope?: string;
    /** Public routes (health, metrics, docs, OAuth) are outside the API guard. */
    public?: boolean;
  }
}

/** A client-given request id is kept when it is short and plain, so it can be traced across systems. */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** Builds the HTTP app from the container's services; listening is the caller's choice. */
export async function buildApp(container: Container): Promise<FastifyInstance> {
  const { config, logger, clock, database } = container;
  let requestCounter = 0;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace',
    }),
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      if (typeof given === 'string' && REQUEST_ID_PATTERN.test(given)) return given;
      requestCounter = (requestCounter + 1) % Number.MAX_SAFE_INTEGER;
      return `${process.pid.toString(36)}-${requestCounter.toString(36)}`;
    },
    return503OnClosing: true,
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // Integrations (and Postman) often send `Content-Type: application/json` with an empty body on sendsms,
  // whose parameters are in the query (CONTRACT.md §3): an empty JSON body reads as no body.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (String(body).trim() === '') return done(null, undefined);
    parseJson(request, String(body), (error, value) =>
      error ? done(new AppError('request.malformed_body', error.message), undefined) : done(null, value),
    );
  });
  await app.register(formbody);
  // Before every route: the OpenAPI document is collected from the routes as they are registered.
  await registerApiDocs(app, config);

  installCompatErrorRenderer(app, () => clock.now());
  installHealthRoutes(app, database);
  installMetrics(app, createMetricsRegistry());
  registerMediaRoute(app, { media: container.media });

  await container.keys.init();
  registerOAuthRoutes(app, {
    server: container.authorizationServer,
    keys: container.keys,
    publicUrl: config.publicUrl,
    scopes: container.oauth.knownScopes,
  });
  registerAuthorizeRoutes(app, {
    oauth: container.oauth,
    server: container.authorizationServer,
    scopePrefix: config.scopePrefix,
  });
  await registerWebApp(app, { oauth: container.oauth, config });

  // The Connect API under the stage prefix (CONTRACT.md §1), every route behind the guard (§2).
  await app.register(
    async (api) => {
      markApiOperations(api);
      installApiGuard(api, {
        oauth: container.oauth,
        clock,
        scopePrefix: config.scopePrefix,
        ratePerSecond: config.rateLimitPerSecond,
        burst: config.rateLimitBurst,
      });
      registerSiteRoutes(api, { sites: container.sites });
      registerContactRoutes(api, { contacts: container.contacts });
      registerConsentRoutes(api, { consents: container.consents });
      await registerMessageRoutes(api, { messages: container.messages });
      registerWebhookRoutes(api, { webhooks: container.webhooks, scopePrefix: config.scopePrefix });
    },
    { prefix: config.stage },
  );

  return app;
}
