import type { UserView } from '../features/accounts/accounts.service.js';
import type { ClientView, IssuedCredentials } from '../features/oauth/oauth.service.js';
import { SCOPE_DESCRIPTIONS, SCOPE_NAMES, type ScopeName, scopeName } from '../features/oauth/scopes.js';
import { APP_NAME, csrfField, type Html, hiddenFields, html, layout } from './html.js';

/** The pages of the web app, as functions of their data; every value is escaped by the `html` tag. */

export interface PageSession {
  user: UserView;
  csrfToken: string;
}

export interface AuthorizerUrls {
  authUrl: string;
  accessTokenUrl: string;
  refreshTokenUrl: string;
}

const layoutOf = (session: PageSession | undefined) =>
  session ? { user: session.user, csrfToken: session.csrfToken } : {};

/** The short name of a full scope string: exact with the prefix, else by its ending (the prefix is configurable). */
function nameOfScope(scope: string, prefix?: string): ScopeName | null {
  if (prefix !== undefined) return scopeName(prefix, scope);
  return SCOPE_NAMES.find((name) => scope.endsWith(name)) ?? null;
}

function scopeList(scopes: string[], prefix?: string): Html {
  return html`<ul class="plain">${scopes.map((scope) => {
    const name = nameOfScope(scope, prefix);
    return name
      ? html`<li><strong>${SCOPE_DESCRIPTIONS[name]}</strong><br><code>${scope}</code></li>`
      : html`<li><code>${scope}</code></li>`;
  })}</ul>`;
}

function urlList(urls: string[]): Html {
  return html`<ul class="plain">${urls.map((url) => html`<li><code>${url}</code></li>`)}</ul>`;
}

function errorBox(message: string | undefined): Html | '' {
  return message ? html`<div class="error" role="alert"><p>${message}</p></div>` : '';
}

function noticeBox(message: string | undefined): Html | '' {
  return message ? html`<div class="notice" role="status"><p>${message}</p></div>` : '';
}

/** A page telling what went wrong, with a way home. */
export function renderErrorPage(title: string, message: string, session?: PageSession): string {
  return layout(
    title,
    html`<div class="card"><p>${message}</p><p><a href="/">Go to the home page</a></p></div>`,
    layoutOf(session),
  );
}

export function renderLoginPage(input: { email: string; returnTo: string; csrfToken: string; error?: string }): string {
  return layout(
    'Sign in',
    html`${errorBox(input.error)}
<div class="card">
<form method="post" action="/login">
${csrfField(input.csrfToken)}${hiddenFields({ return_to: input.returnTo })}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${input.email}"${input.email ? '' : html` autofocus`}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${input.email ? html` autofocus` : ''}>
<div class="actions"><button type="submit">Sign in</button></div>
</form>
</div>`,
  );
}

export function renderHomePage(session: PageSession): string {
  const { user } = session;
  const canManageApi = user.role === 'admin' || user.role === 'manager';
  return layout(
    `Welcome, ${user.name}`,
    html`<div class="card">
<p>You are signed in to ${APP_NAME} as <strong>${user.email}</strong> (${user.role}).</p>
${
  canManageApi
    ? html`<h2>Integrations</h2>
<ul class="plain"><li><a href="/integrations/api-connect">API Connect</a>: create credentials for apps that use the Connect API.</li></ul>`
    : html`<p>API credentials are managed by your organisation's admins and managers.</p>`
}
<h2>Developers</h2>
<ul class="plain"><li><a href="/docs">API Swagger Docs</a></li></ul>
</div>`,
    layoutOf(session),
  );
}

export interface ClientFormValues {
  name: string;
  redirectUris: string;
  clientCredentials: boolean;
}

const EMPTY_FORM: ClientFormValues = { name: '', redirectUris: '', clientCredentials: false };

export function renderApiConnectPage(input: {
  session: PageSession;
  clients: ClientView[];
  form?: ClientFormValues;
  error?: string;
  notice?: string;
}): string {
  const form = input.form ?? EMPTY_FORM;
  const table =
    input.clients.length === 0
      ? html`<p>No API clients yet.</p>`
      : html`<table>
<caption>API clients of your organisation</caption>
<thead><tr><th scope="col">Client app</th><th scope="col">Client ID</th><th scope="col">Callback URLs</th><th scope="col">Client credentials</th><th scope="col">API key</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
<tbody>${input.clients.map(
          (client) => html`<tr>
<th scope="row">${client.name}</th>
<td><code>${client.clientId}</code></td>
<td>${urlList(client.redirectUris)}</td>
<td>${client.clientCredentials ? 'On' : 'Off'}</td>
<td><code>…${client.apiKeyHint}</code></td>
<td><a href="/integrations/api-connect/clients/${encodeURIComponent(client.clientId)}">View Authorizer Credentials<span class="sr-only"> of ${client.name}</span></a></td>
</tr>`,
        )}</tbody>
</table>`;
  return layout(
    'API Connect',
    html`${noticeBox(input.notice)}
<p>Apps that use the Connect API sign in with OAuth 2.0 and send an API key with every call. Create one client per app.</p>
${table}
<h2 id="create">Create API client</h2>
${errorBox(input.error)}
<div class="card">
<form method="post" action="/integrations/api-connect/clients">
${csrfField(input.session.csrfToken)}
<label for="name">Client app name</label>
<input id="name" name="name" type="text" maxlength="100" required value="${form.name}">
<label for="redirect_uris">Callback URLs</label>
<textarea id="redirect_uris" name="redirect_uris" required aria-describedby="redirect_uris_hint">${form.redirectUris}</textarea>
<p class="hint" id="redirect_uris_hint">One per line. https URLs only (http is allowed for localhost while developing).</p>
<div class="check"><input id="client_credentials" name="client_credentials" type="checkbox" value="true"${form.clientCredentials ? html` checked` : ''} aria-describedby="client_credentials_hint"> <label for="client_credentials">Allow client credentials grant</label>
<p class="hint" id="client_credentials_hint">Lets the app get tokens for your organisation without a person signing in (server-to-server).</p></div>
<div class="actions"><button type="submit">Create API client</button></div>
</form>
</div>`,
    layoutOf(input.session),
  );
}

function authorizerList(client: ClientView, urls: AuthorizerUrls, scopePrefix: string | undefined): Html {
  return html`<dl>
<dt>Auth URL</dt><dd><code>${urls.authUrl}</code></dd>
<dt>Access Token URL</dt><dd><code>${urls.accessTokenUrl}</code></dd>
<dt>Refresh Token URL</dt><dd><code>${urls.refreshTokenUrl}</code></dd>
<dt>Client ID</dt><dd><code>${client.clientId}</code></dd>
<dt>Scopes</dt><dd>${scopeList(client.scopes, scopePrefix)}</dd>
<dt>Callback URLs</dt><dd>${urlList(client.redirectUris)}</dd>
<dt>Client credentials grant</dt><dd>${client.clientCredentials ? 'On' : 'Off'}</dd>
<dt>API key</dt><dd><code>…${client.apiKeyHint}</code></dd>
</dl>`;
}

const SHOWN_ONCE = html`<div class="warning" role="alert"><p><strong>Copy these now.</strong> They are shown only once and
cannot be shown again: only a hash of each is kept. If they are lost, renew the secret (or create a new client).</p></div>`;

const backToList = html`<p><a href="/integrations/api-connect">Back to API Connect</a></p>`;

export function renderCreatedPage(input: {
  session: PageSession;
  issued: IssuedCredentials;
  authorizer: AuthorizerUrls;
  scopePrefix?: string;
}): string {
  const { client, clientSecret, apiKey } = input.issued;
  return layout(
    `API client created: ${client.name}`,
    html`${SHOWN_ONCE}
<div class="card">
<h2>Credentials</h2>
<dl>
<dt>Client ID</dt><dd><code>${client.clientId}</code></dd>
<dt>Client Secret</dt><dd><code>${clientSecret}</code></dd>
<dt>API Key</dt><dd><code>${apiKey}</code></dd>
</dl>
</div>
<div class="card">
<h2>Authorizer credentials</h2>
${authorizerList(client, input.authorizer, input.scopePrefix)}
</div>
${backToList}`,
    layoutOf(input.session),
  );
}

export function renderClientPage(input: {
  session: PageSession;
  client: ClientView;
  authorizer: AuthorizerUrls;
  scopePrefix?: string;
  notice?: string;
}): string {
  const { client, session } = input;
  const base = `/integrations/api-connect/clients/${encodeURIComponent(client.clientId)}`;
  return layout(
    `Authorizer credentials: ${client.name}`,
    html`${noticeBox(input.notice)}
<div class="card">${authorizerList(client, input.authorizer, input.scopePrefix)}</div>
<h2>Manage</h2>
<div class="card">
<form method="post" action="${base}/renew-secret">
${csrfField(session.csrfToken)}
<p>Renewing gives a new Client Secret; the current one stops working at once.</p>
<button type="submit" class="secondary">Renew Client Secret</button>
</form>
</div>
<div class="card">
<form method="post" action="${base}/client-credentials">
${csrfField(session.csrfToken)}${hiddenFields({ enabled: client.clientCredentials ? 'false' : 'true' })}
<p>The client credentials grant is <strong>${client.clientCredentials ? 'on' : 'off'}</strong>.</p>
<button type="submit" class="secondary">${client.clientCredentials ? 'Turn off' : 'Turn on'} client credentials grant</button>
</form>
</div>
<div class="card">
<form method="post" action="${base}/delete">
${csrfField(session.csrfToken)}
<p>Deleting the client ends its tokens and its API key at once. This cannot be undone.</p>
<button type="submit" class="danger">Delete ${client.name}</button>
</form>
</div>
${backToList}`,
    layoutOf(session),
  );
}

export function renderSecretRenewedPage(input: {
  session: PageSession;
  client: ClientView;
  clientSecret: string;
}): string {
  const { client } = input;
  return layout(
    `New Client Secret: ${client.name}`,
    html`${SHOWN_ONCE}
<div class="card">
<dl>
<dt>Client ID</dt><dd><code>${client.clientId}</code></dd>
<dt>Client Secret</dt><dd><code>${input.clientSecret}</code></dd>
</dl>
<p>The previous secret no longer works. The API key is unchanged.</p>
</div>
<p><a href="/integrations/api-connect/clients/${encodeURIComponent(client.clientId)}">Back to the client</a></p>`,
    layoutOf(input.session),
  );
}

export interface ConsentPageInput {
  /** The client app's name, as its owner wrote it (escaped here). */
  appName: string;
  /** Full scope strings; each is shown with its description. */
  scopes: string[];
  userEmail: string;
  csrfToken: string;
  /** Where the form posts (the authorize endpoint). */
  action: string;
  /** The authorization request's parameters, carried through the form. */
  hiddenFields: Record<string, string>;
  /** The configured scope prefix, to name scopes exactly; without it scopes are recognised by their ending. */
  scopePrefix?: string;
  /** The callback the answer goes to, shown so the person knows where they will be sent. */
  redirectUri?: string;
}

/** The OAuth consent page: Approve (`decision=approve`) or Deny (`decision=deny`), posted to `action`. */
export function renderConsentPage(input: ConsentPageInput): string {
  let destination: string | undefined;
  try {
    destination = input.redirectUri ? new URL(input.redirectUri).host : undefined;
  } catch {
    destination = undefined;
  }
  // The form's own fields win over carried parameters of the same name.
  const carried = Object.fromEntries(
    Object.entries(input.hiddenFields).filter(([name]) => name !== 'csrf_token' && name !== 'decision'),
  );
  return layout(
    `Allow ${input.appName} to use your account?`,
    html`<div class="card">
<p><strong>${input.appName}</strong> asks to use ${APP_NAME} for your organisation, signed in as <strong>${input.userEmail}</strong>. It will be able to:</p>
${scopeList(input.scopes, input.scopePrefix)}
${destination ? html`<p class="hint">After you choose, you will be sent to <code>${destination}</code>.</p>` : ''}
<form method="post" action="${input.action}">
${csrfField(input.csrfToken)}${hiddenFields(carried)}
<div class="actions">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</div>
</form>
</div>`,
  );
}
