/**
 * A person in a browser, over real HTTP: a cookie jar, redirects followed by hand, the sign-in and consent forms
 * submitted with their hidden fields (CSRF tokens included). Enough to authorise an app without a real browser.
 */
export function createBrowser(base: string) {
  const jar = new Map<string, string>();
  return async (url: string, init: { method?: string; form?: Record<string, string> } = {}) => {
    const response = await fetch(new URL(url, base), {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const [name, ...value] = pair!.split('=');
      jar.set(name!, value.join('='));
    }
    return { status: response.status, location: response.headers.get('location'), body: await response.text() };
  };
}

/** The hidden fields of the first form of a page. */
export function hiddenFields(page: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    fields[match[1]!] = match[2]!
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&#96;/g, '`')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  }
  return fields;
}

/**
 * Follows an authorization URL through sign-in and consent (approving) and answers the callback URL the server
 * redirected to, with its code and state.
 */
export async function authorizeInBrowser(
  base: string,
  authorizationUrl: string,
  person: { email: string; password: string },
): Promise<string> {
  const go = createBrowser(base);
  const first = await go(authorizationUrl);
  if (first.status !== 303 || !first.location) throw new Error(`authorize answered ${first.status}: ${first.body}`);
  const loginPage = await go(first.location);
  const signedIn = await go('/login', {
    method: 'POST',
    form: { ...hiddenFields(loginPage.body), email: person.email, password: person.password },
  });
  if (signedIn.status !== 303 || !signedIn.location) throw new Error(`sign-in answered ${signedIn.status}`);
  const consent = await go(signedIn.location);
  if (consent.status === 302 && consent.location) return consent.location;
  if (consent.status !== 200) throw new Error(`consent page answered ${consent.status}: ${consent.body}`);
  const approved = await go('/oauth2/authorize/', {
    method: 'POST',
    form: { ...hiddenFields(consent.body), decision: 'approve' },
  });
  if (approved.status !== 303 || !approved.location) throw new Error(`approval answered ${approved.status}`);
  return approved.location;
}
