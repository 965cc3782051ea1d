import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { allScopes } from '../features/oauth/scopes.js';
import { packageVersion } from './files.js';
import { registerGuideRoutes } from './guides.js';
import { type DocsOptions, documentBase, finishDocument, transformRoute } from './openapi.js';
import { toPostmanCollection } from './postman.js';

export function docsOptionsOf(config: Config): DocsOptions {
  return {
    publicUrl: config.publicUrl,
    stage: config.stage,
    scopePrefix: config.scopePrefix,
    version: packageVersion(),
  };
}

/**
 * The API docs (CONTRACT.md §1, "API Swagger Docs"): the OpenAPI document at /openapi.json, Swagger UI at /docs
 * (its Authorize button runs the authorization code flow with PKCE against this server, calling back to
 * /docs/oauth2-redirect.html), the guides at /docs/guides/ and the Postman collection at /docs/postman.json.
 *
 * Register before any route: @fastify/swagger collects routes with an onRoute hook.
 */
export async function registerApiDocs(app: FastifyInstance, config: Config): Promise<void> {
  const options = docsOptionsOf(config);
  await app.register(swagger, {
    openapi: documentBase(options),
    stripBasePath: false,
    transform: transformRoute(options) as never,
    transformObject: (documentObject) =>
      finishDocument((documentObject as { openapiObject: Record<string, unknown> }).openapiObject, options) as never,
  });

  const redirectUrl = `${config.publicUrl}/docs/oauth2-redirect.html`;
  const origin = new URL(config.publicUrl).origin;
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: {
      deepLinking: true,
      docExpansion: 'list',
      defaultModelsExpandDepth: 0,
      displayRequestDuration: true,
      persistAuthorization: false,
      tryItOutEnabled: false,
    },
    initOAuth: {
      appName: 'Stratus Connect API docs',
      usePkceWithAuthorizationCodeGrant: true,
      scopes: allScopes(config.scopePrefix),
    },
    theme: {
      title: 'Stratus Connect API',
      js: [{ filename: 'oauth2-redirect-url.js', content: redirectUrlScript(redirectUrl) }],
    },
    // Swagger UI needs inline styles; scripts, data and calls stay on this site (the API and the token endpoint).
    staticCSP: `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ${origin}; font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'`,
  });

  const publicRoute = { config: { public: true } };
  app.get('/openapi.json', publicRoute, async (_request, reply) =>
    reply.header('cache-control', 'no-cache').send(app.swagger()),
  );

  // The callback Swagger UI's Authorize registers with the authorization server. The page only hands the code to
  // the Swagger UI window that opened it (the script is Swagger UI's own).
  app.get('/docs/oauth2-redirect.html', publicRoute, async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; script-src 'self'; base-uri 'none'")
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .send(
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Signing in…</title></head>' +
          '<body><script src="static/oauth2-redirect.js"></script></body></html>\n',
      ),
  );

  let postman: string | undefined;
  app.get('/docs/postman.json', publicRoute, async (_request, reply) => {
    postman ??= JSON.stringify(toPostmanCollection(app.swagger() as Record<string, unknown>), null, 2);
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', 'attachment; filename="stratus-connect.postman_collection.json"')
      .send(postman);
  });

  registerGuideRoutes(app, config);
}

/**
 * @fastify/swagger-ui points Swagger UI's OAuth callback at its own static copy of the redirect page; this script,
 * loaded after the plugin's initializer and before it runs (on window load), gives Swagger UI our callback URL
 * instead: the one registered with the client, `{PUBLIC_URL}/docs/oauth2-redirect.html`.
 */
function redirectUrlScript(redirectUrl: string): string {
  return `(function () {
  var bundle = window.SwaggerUIBundle;
  function withOurRedirect(config) {
    return bundle(Object.assign({}, config, { oauth2RedirectUrl: ${JSON.stringify(redirectUrl)} }));
  }
  Object.assign(withOurRedirect, bundle);
  window.SwaggerUIBundle = withOurRedirect;
})();
`;
}
