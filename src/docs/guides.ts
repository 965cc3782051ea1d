import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Config } from '../config.js';
import { Html, html, layout } from '../web/html.js';
import { repoRoot } from './files.js';
import { renderMarkdown } from './markdown.js';

/** The guides, kept as Markdown in docs/ and served at /docs/guides/{slug} (HTML) and /docs/guides/{slug}.md. */
export const GUIDES: { slug: string; title: string }[] = [
  { slug: 'getting-started', title: 'Getting Started' },
  { slug: 'oauth', title: 'OAuth 2.0' },
  { slug: 'postman', title: 'Postman' },
  { slug: 'webhooks', title: 'Webhooks' },
  { slug: 'faq', title: 'FAQ' },
];

/** The host and API base the guides are written with; served guides show this server's instead. */
export const GUIDE_PUBLIC_URL = 'http://localhost:8080';
export const GUIDE_STAGE = '/stratustexting-prod';

export function guideFile(slug: string): string {
  return join(repoRoot(), 'docs', `${slug}.md`);
}

/** A guide's Markdown with this server's URLs in place of the local defaults it is written with. */
export function guideMarkdown(slug: string, config: Pick<Config, 'publicUrl' | 'stage'>): string {
  return readFileSync(guideFile(slug), 'utf8')
    .replaceAll(`${GUIDE_PUBLIC_URL}${GUIDE_STAGE}`, `${config.publicUrl}${config.stage}`)
    .replaceAll(GUIDE_PUBLIC_URL, config.publicUrl);
}

const PAGE_CSP =
  "default-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const GUIDE_STYLES = new Html(
  '<style>pre{background:#0f172a;color:#e2e8f0;padding:1rem;border-radius:6px;overflow:auto}pre code{background:none;color:inherit;padding:0;word-break:normal}blockquote{border-left:4px solid #d0d7de;margin:1rem 0;padding:0 1rem;color:#57606a}nav.guides a{margin-right:1rem}</style>',
);

function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .headers({
      'content-security-policy': PAGE_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    })
    .send(body);
}

function guideNav(): Html {
  return html`<nav class="guides" aria-label="Guides"><a href="/docs">API Swagger Docs</a>${GUIDES.map(
    (guide) => html`<a href="/docs/guides/${guide.slug}">${guide.title}</a>`,
  )}<a href="/docs/postman.json">Postman collection</a></nav>`;
}

export function registerGuideRoutes(app: FastifyInstance, config: Config): void {
  const publicRoute = { config: { public: true } };

  app.get('/docs/guides', publicRoute, async (_request, reply) =>
    sendPage(
      reply,
      200,
      layout(
        'Guides',
        html`${GUIDE_STYLES}${guideNav()}<ul>${GUIDES.map(
          (guide) => html`<li><a href="/docs/guides/${guide.slug}">${guide.title}</a></li>`,
        )}</ul>`,
      ),
    ),
  );

  app.get<{ Params: { name: string } }>('/docs/guides/:name', publicRoute, async (request, reply) => {
    const raw = request.params.name.endsWith('.md');
    const slug = raw ? request.params.name.slice(0, -3) : request.params.name;
    const guide = GUIDES.find((g) => g.slug === slug);
    if (!guide || !existsSync(guideFile(slug))) {
      return sendPage(reply, 404, layout('Not found', html`${guideNav()}<p>There is no such guide.</p>`));
    }
    const markdown = guideMarkdown(slug, config);
    if (raw) {
      return reply
        .type('text/markdown; charset=utf-8')
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .send(markdown);
    }
    const rendered = renderMarkdown(markdown);
    // The guide's own first heading is the page's h1: drop it from the body.
    const body = rendered.html.replace(/^<h1[^>]*>.*?<\/h1>\n?/, '');
    return sendPage(
      reply,
      200,
      layout(rendered.title || guide.title, html`${GUIDE_STYLES}${guideNav()}${new Html(body)}`),
    );
  });
}
