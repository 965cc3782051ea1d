import { escapeHtml } from '../web/html.js';

/**
 * A small Markdown renderer for the guides (docs/*.md), written here rather than taken as a dependency: the guides
 * use headings, paragraphs, lists, tables, block quotes, fenced code, inline code, emphasis and links, and nothing
 * else. Every piece of text is HTML-escaped; link targets are kept only when they are http(s), mailto or relative,
 * and a link to another guide (`oauth.md`) points to its page (`oauth`).
 */

function safeHref(href: string): string {
  const trimmed = href.trim();
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed)) return /^(https?|mailto):/i.test(trimmed) ? trimmed : '#';
  return trimmed.replace(/^([A-Za-z0-9_-]+)\.md(#.*)?$/, '$1$2');
}

/** Inline Markdown: code spans first (their content is literal), then links, strong and emphasis. */
export function renderInline(text: string): string {
  const parts = text.split(/(`[^`]*`)/);
  return parts
    .map((part) => {
      if (/^`[^`]*`$/.test(part)) return `<code>${escapeHtml(part.slice(1, -1))}</code>`;
      let html = escapeHtml(part);
      html = html.replace(
        /\[([^\]]+)\]\(([^)\s]+)\)/g,
        (_, label: string, href: string) =>
          `<a href="${escapeHtml(safeHref(href.replace(/&amp;/g, '&')))}">${label}</a>`,
      );
      html = html.replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
      html = html.replace(/(^|[^\w*])\*([^*\s][^*]*)\*(?!\w)/g, '$1<em>$2</em>');
      html = html.replace(/(^|[^\w])_([^_\s][^_]*)_(?!\w)/g, '$1<em>$2</em>');
      return html;
    })
    .join('');
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function tableCells(line: string): string[] {
  return line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

/** The HTML of a Markdown document, and its first heading as the title. */
export function renderMarkdown(markdown: string): { title: string; html: string } {
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  const out: string[] = [];
  let title = '';
  let i = 0;
  const isBlockStart = (line: string) =>
    /^(#{1,6}\s|```|>\s?|\s*[-*]\s|\s*\d+\.\s|\||<!--)/.test(line) || /^---+\s*$/.test(line);

  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '' || /^<!--.*-->\s*$/.test(line)) {
      i++;
      continue;
    }
    const fence = /^```(\S*)/.exec(line);
    if (fence) {
      const code: string[] = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) code.push(lines[i]!);
      i++;
      const language = fence[1] ? ` class="language-${escapeHtml(fence[1])}"` : '';
      out.push(`<pre><code${language}>${escapeHtml(code.join('\n'))}</code></pre>`);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const level = heading[1]!.length;
      const text = heading[2]!.trim();
      if (!title && level === 1) title = text.replace(/`/g, '');
      out.push(`<h${level} id="${slug(text)}">${renderInline(text)}</h${level}>`);
      i++;
      continue;
    }
    if (/^---+\s*$/.test(line)) {
      out.push('<hr>');
      i++;
      continue;
    }
    if (line.startsWith('|') && i + 1 < lines.length && /^\|?\s*:?-{3,}/.test(lines[i + 1]!)) {
      const header = tableCells(line);
      i += 2;
      const rows: string[][] = [];
      for (; i < lines.length && lines[i]!.startsWith('|'); i++) rows.push(tableCells(lines[i]!));
      out.push(
        `<table><thead><tr>${header.map((cell) => `<th>${renderInline(cell)}</th>`).join('')}</tr></thead><tbody>${rows
          .map((row) => `<tr>${row.map((cell) => `<td>${renderInline(cell)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`,
      );
      continue;
    }
    if (/^>\s?/.test(line)) {
      const quote: string[] = [];
      for (; i < lines.length && /^>\s?/.test(lines[i]!); i++) quote.push(lines[i]!.replace(/^>\s?/, ''));
      out.push(`<blockquote>${renderMarkdown(quote.join('\n')).html}</blockquote>`);
      continue;
    }
    const item = /^\s*([-*]|\d+\.)\s+(.*)$/.exec(line);
    if (item) {
      const ordered = /\d/.test(item[1]!);
      const items: string[] = [];
      while (i < lines.length) {
        const match = /^\s*([-*]|\d+\.)\s+(.*)$/.exec(lines[i]!);
        if (!match) break;
        let text = match[2]!;
        // Continuation lines: indented, not starting a new item.
        for (i++; i < lines.length && /^\s{2,}\S/.test(lines[i]!) && !/^\s*([-*]|\d+\.)\s/.test(lines[i]!); i++) {
          text += ` ${lines[i]!.trim()}`;
        }
        items.push(`<li>${renderInline(text)}</li>`);
      }
      out.push(ordered ? `<ol>${items.join('')}</ol>` : `<ul>${items.join('')}</ul>`);
      continue;
    }
    const paragraph: string[] = [];
    for (; i < lines.length && lines[i]!.trim() !== '' && !isBlockStart(lines[i]!); i++)
      paragraph.push(lines[i]!.trim());
    if (paragraph.length === 0) {
      // A line that looked like a block start but was not one (e.g. a lone `|`): keep it as text.
      paragraph.push(lines[i]!.trim());
      i++;
    }
    out.push(`<p>${renderInline(paragraph.join(' '))}</p>`);
  }
  return { title, html: out.join('\n') };
}
