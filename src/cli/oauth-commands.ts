import { fullScope, SCOPE_NAMES, type ScopeName } from '../features/oauth/scopes.js';
import { CliError, type Command, requireString, stringList } from './cli.js';
import { orFail, resolveOrg } from './commands.js';

/** API Connect from the command line: the same clients the web page creates. */
export const oauthCommands: Record<string, Command> = {
  'client create': {
    summary: 'Create an API client (Client ID, Client Secret, API Key; shown once)',
    usage: 'client create --org ORG --name NAME --redirect-uri URL… [--client-credentials] [--scopes S,S]',
    options: {
      org: { type: 'string' },
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'client-credentials': { type: 'boolean' },
      scopes: { type: 'string' },
    },
    async run({ flags, container, print }) {
      const services = await container();
      const org = await resolveOrg(services, requireString(flags, 'org'));
      const prefix = services.config.scopePrefix;
      const scopes = typeof flags.scopes === 'string' ? parseScopes(flags.scopes, prefix) : undefined;
      const issued = orFail(
        await services.oauth.createClient({
          orgId: org.id,
          name: requireString(flags, 'name'),
          redirectUris: stringList(flags, 'redirect-uri'),
          clientCredentials: flags['client-credentials'] === true,
          ...(scopes ? { scopes } : {}),
        }),
      );
      const urls = services.oauth.authorizerCredentials();
      print(
        [
          `Client ID:      ${issued.client.clientId}`,
          `Client Secret:  ${issued.clientSecret}`,
          `API Key:        ${issued.apiKey}`,
          `Auth URL:       ${urls.authUrl}`,
          `Token URL:      ${urls.accessTokenUrl}`,
          'The secret and the API key are not shown again.',
        ].join('\n'),
        {
          clientId: issued.client.clientId,
          clientSecret: issued.clientSecret,
          apiKey: issued.apiKey,
          orgId: org.id,
          name: issued.client.name,
          redirectUris: issued.client.redirectUris,
          scopes: issued.client.scopes,
          clientCredentials: issued.client.clientCredentials,
          ...urls,
        },
      );
    },
  },

  'client list': {
    summary: 'List the API clients of an organisation',
    usage: 'client list --org ORG',
    options: { org: { type: 'string' } },
    async run({ flags, container, print }) {
      const services = await container();
      const org = await resolveOrg(services, requireString(flags, 'org'));
      const clients = await services.oauth.listClients(org.id);
      print(clients.map((c) => `${c.clientId}  ${c.name}  key …${c.apiKeyHint}`).join('\n') || '(no clients)', clients);
    },
  },

  'client renew-secret': {
    summary: 'Give an API client a new secret (the old one stops working)',
    usage: 'client renew-secret --org ORG --client CLIENT_ID',
    options: { org: { type: 'string' }, client: { type: 'string' } },
    async run({ flags, container, print }) {
      const services = await container();
      const org = await resolveOrg(services, requireString(flags, 'org'));
      const clientId = requireString(flags, 'client');
      const { clientSecret } = orFail(await services.oauth.renewSecret(org.id, clientId));
      print(`Client Secret:  ${clientSecret}`, { clientId, clientSecret });
    },
  },

  'keys rotate': {
    summary: 'Start signing tokens with a new key (the old one verifies until its tokens expire)',
    usage: 'keys rotate',
    options: {},
    async run({ container, print }) {
      const services = await container();
      await services.keys.init();
      const kid = await services.keys.rotate();
      print(`new signing key ${kid}`, { kid });
    },
  },
};

/** `--scopes` takes short names (SendMessage) or full scope strings, comma- or space-separated. */
function parseScopes(raw: string, prefix: string): string[] {
  return raw
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((scope) => {
      const name = scope.startsWith(prefix) ? scope.slice(prefix.length) : scope;
      if (!(SCOPE_NAMES as readonly string[]).includes(name)) {
        throw new CliError(`unknown scope "${scope}" (known: ${SCOPE_NAMES.join(', ')})`);
      }
      return fullScope(prefix, name as ScopeName);
    });
}
