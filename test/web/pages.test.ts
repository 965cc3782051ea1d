import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from '../../src/web/html.js';
import { renderConsentPage, renderErrorPage } from '../../src/web/pages.js';
import { loginUrl, safeReturnTo } from '../../src/web/session.js';

describe('web page building blocks', () => {
  it('escapes interpolated text and keeps nested fragments', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\`</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
    );
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p>${inner}${['<', html`<br>`]}${null}${false}${undefined}${3}</p>`.value).toBe(
      '<p><b>&lt;i&gt;</b>&lt;<br>3</p>',
    );
  });

  it('renders the consent page with Approve and Deny posting to the action, everything escaped', () => {
    const page = renderConsentPage({
      appName: '<img src=x onerror=alert(1)>',
      scopes: ['https://com.beetexting.scopes/SendMessage', 'https://com.beetexting.scopes/ReadContact', 'other"scope'],
      userEmail: 'ann@example.com',
      csrfToken: 'tok"en',
      action: '/oauth2/authorize/',
      hiddenFields: { client_id: 'abc', state: '"><script>', csrf_token: 'ignored', decision: 'approve' },
      redirectUri: 'https://client.example/cb',
    });
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('<form method="post" action="/oauth2/authorize/">');
    expect(page).toContain('<button type="submit" name="decision" value="approve">Approve</button>');
    expect(page).toContain('name="decision" value="deny"');
    expect(page).toContain('<input type="hidden" name="csrf_token" value="tok&quot;en">');
    expect(page).toContain('<input type="hidden" name="client_id" value="abc">');
    expect(page).toContain('<input type="hidden" name="state" value="&quot;&gt;&lt;script&gt;">');
    expect(page.match(/name="csrf_token"/g)).toHaveLength(1);
    expect(page).not.toContain('type="hidden" name="decision"');
    expect(page).toContain('Send text messages and read messages');
    expect(page).toContain('Read contacts, consents, sites and departments');
    expect(page).not.toContain('Create and change contacts and consents');
    expect(page).toContain('other&quot;scope');
    expect(page).toContain('ann@example.com');
    expect(page).toContain('client.example');
  });

  it('renders an error page', () => {
    const page = renderErrorPage('Bad <request>', 'No "way"');
    expect(page).toContain('<h1>Bad &lt;request&gt;</h1>');
    expect(page).toContain('No &quot;way&quot;');
  });

  it('accepts only relative return_to paths on this site', () => {
    expect(safeReturnTo('/oauth2/authorize/?a=1&b=%20')).toBe('/oauth2/authorize/?a=1&b=%20');
    expect(safeReturnTo('/integrations/api-connect')).toBe('/integrations/api-connect');
    for (const unsafe of [
      undefined,
      '',
      '//evil.example',
      '///evil.example',
      '/\\evil.example',
      '/.//evil.example',
      '/a/..//evil.example',
      'https://evil.example',
      'HTTPS://evil.example',
      'javascript:alert(1)',
      ' /x',
      '/x\n/y',
      '/x\tx',
      `/${'a'.repeat(3000)}`,
    ]) {
      expect(safeReturnTo(unsafe), String(unsafe)).toBe('/');
    }
    expect(loginUrl('/')).toBe('/login');
    expect(loginUrl('//evil.example')).toBe('/login');
    expect(loginUrl('/a?b=c')).toBe('/login?return_to=%2Fa%3Fb%3Dc');
  });
});
