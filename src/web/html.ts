/**
 * HTML building blocks of the web app. Every interpolated value is escaped unless it is already `Html`
 * (built by the `html` tag itself), so escaping cannot be forgotten: a page is assembled only from `html`
 * templates, and raw strings can never reach the output unescaped.
 */
export class Html {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

/** What may be interpolated: escaped text, trusted fragments, lists of either; null, undefined and false render nothing. */
export type HtmlValue = string | number | Html | null | undefined | false | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for element content and quoted attribute values (OWASP XSS prevention, rule 1 and 2). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** The template tag: `html\`<p>${text}</p>\`` escapes `text`; nested `html` fragments are kept as they are. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Hidden inputs carrying values through a form (the CSRF token, OAuth request parameters, …). */
export function hiddenFields(fields: Record<string, string>): Html {
  return html`${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}`;
}

/** The CSRF token every form of a signed-in page carries (see session.ts). */
export function csrfField(csrfToken: string): Html {
  return hiddenFields({ csrf_token: csrfToken });
}

export const APP_NAME = 'Stratus Connect';

/**
 * Inline CSS (the page needs no other request, and the CSP allows inline styles only). Plain, legible,
 * high-contrast; visible focus rings for keyboard users.
 */
const STYLES = `
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f5f6f8}
a{color:#0b57d0}
a:focus-visible,button:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid #f2a900;outline-offset:2px}
.sr-only,.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:1}
header{background:#14213d;color:#fff}
header .bar{max-width:60rem;margin:0 auto;padding:.75rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a{color:#fff}
header .brand{font-weight:700;text-decoration:none;margin-right:auto}
header form{margin:0}
header button{background:transparent;border:1px solid #fff;color:#fff;padding:.25rem .75rem}
main{max-width:60rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.6rem;margin:.5rem 0 1rem}
h2{font-size:1.25rem;margin:2rem 0 .75rem}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:1.25rem;margin:1rem 0}
label{display:block;font-weight:600;margin:.9rem 0 .3rem}
.check label{display:inline;font-weight:400;margin:0}
.check{margin:.9rem 0}
input[type=email],input[type=password],input[type=text],textarea{width:100%;max-width:32rem;padding:.5rem;border:1px solid #8c959f;border-radius:4px;font:inherit}
textarea{min-height:6rem}
.hint{color:#57606a;font-size:.9rem;margin:.2rem 0 0}
button,.button{display:inline-block;font:inherit;padding:.5rem 1rem;border-radius:4px;border:1px solid #0b57d0;background:#0b57d0;color:#fff;cursor:pointer;text-decoration:none}
button.secondary{background:#fff;color:#0b57d0}
button.danger{background:#b42318;border-color:#b42318}
.actions{display:flex;gap:.75rem;flex-wrap:wrap;margin-top:1.25rem}
.inline{display:inline}
.error{border-left:4px solid #b42318;background:#fdecea;padding:.75rem 1rem;margin:1rem 0}
.notice{border-left:4px solid #1a7f37;background:#e9f6ec;padding:.75rem 1rem;margin:1rem 0}
.warning{border-left:4px solid #9a6700;background:#fff8c5;padding:.75rem 1rem;margin:1rem 0}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;vertical-align:top;padding:.5rem;border-bottom:1px solid #d0d7de}
caption{text-align:left;font-weight:600;padding:.5rem 0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9rem;word-break:break-all;background:#eef1f4;padding:.1rem .3rem;border-radius:3px}
dl{display:grid;grid-template-columns:minmax(10rem,max-content) 1fr;gap:.5rem 1rem;margin:0}
dt{font-weight:600}dd{margin:0}
ul.plain{margin:0;padding-left:1.2rem}
`;

export interface LayoutOptions {
  /** The signed-in user, for the header; absent on the sign-in and error pages. */
  user?: { email: string; name: string; role: string };
  /** The session's CSRF token, for the sign-out form in the header. */
  csrfToken?: string;
}

/** The page shell: header (with sign-out when signed in), a skip link, and `main` holding the page's `h1` and body. */
export function layout(title: string, body: Html, options: LayoutOptions = {}): string {
  const { user, csrfToken } = options;
  const canManageApi = user && (user.role === 'admin' || user.role === 'manager');
  const nav = user
    ? html`<nav aria-label="Main">${
        canManageApi ? html`<a href="/integrations/api-connect">Integrations → API Connect</a>` : ''
      }</nav>
      <span>Signed in as ${user.email}</span>
      <form method="post" action="/logout">${csrfToken ? csrfField(csrfToken) : ''}<button type="submit">Sign out</button></form>`
    : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · ${APP_NAME}</title>
<style>${new Html(STYLES)}</style>
</head>
<body>
<a class="skip" href="#content">Skip to content</a>
<header><div class="bar"><a class="brand" href="/">${APP_NAME}</a>${nav}</div></header>
<main id="content">
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`.value;
}
