// Articles are Markdown. This draws the subset the writers produce (headings, paragraphs,
// lists, quotes, code, emphasis, links) as DOM nodes; nothing in an article becomes markup,
// so an article cannot run script in the dashboard.

import { h } from './dom.js';

const SAFE_LINK = /^(https?:\/\/|\/|#)/i;

function inline(text) {
  const nodes = [];
  const pattern = /(\*\*[^*]+\*\*|__[^_]+__|\*[^*\s][^*]*\*|_[^_\s][^_]*_|`[^`]+`|\[[^\]]+\]\([^)\s]+\))/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) nodes.push(text.slice(last, match.index));
    const token = match[0];
    if (token.startsWith('**') || token.startsWith('__')) nodes.push(h('strong', null, inline(token.slice(2, -2))));
    else if (token.startsWith('`')) nodes.push(h('code', null, token.slice(1, -1)));
    else if (token.startsWith('[')) {
      const [, label, href] = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(token);
      nodes.push(
        SAFE_LINK.test(href)
          ? h('a', { href, rel: 'noopener noreferrer nofollow', target: '_blank' }, inline(label))
          : label,
      );
    } else nodes.push(h('em', null, inline(token.slice(1, -1))));
    last = match.index + token.length;
  }
  if (last < text.length) nodes.push(text.slice(last));
  return nodes;
}

/**
 * The article as nodes. Headings start at `<h{top}>`, so an article sits under the page's own
 * headings. Returns the nodes and the level-2 section headings, for placing images.
 */
export function renderMarkdown(source, { top = 3 } = {}) {
  const lines = String(source ?? '').replaceAll('\r\n', '\n').split('\n');
  const nodes = [];
  const sections = [];
  let i = 0;
  const level = (hashes) => Math.min(6, top + Math.max(0, hashes - 2));
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i += 1;
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const el = h(`h${level(heading[1].length)}`, null, inline(heading[2].trim()));
      if (heading[1].length <= 2) sections.push(el);
      nodes.push(el);
      i += 1;
      continue;
    }
    if (/^```/.test(line)) {
      const code = [];
      i += 1;
      while (i < lines.length && !/^```/.test(lines[i])) code.push(lines[i++]);
      i += 1;
      nodes.push(h('pre', null, h('code', null, code.join('\n'))));
      continue;
    }
    if (/^(\*\s*\*\s*\*|-\s*-\s*-)[\s*-]*$/.test(line)) {
      nodes.push(h('hr'));
      i += 1;
      continue;
    }
    if (/^>\s?/.test(line)) {
      const quoted = [];
      while (i < lines.length && /^>\s?/.test(lines[i])) quoted.push(lines[i++].replace(/^>\s?/, ''));
      nodes.push(h('blockquote', null, renderMarkdown(quoted.join('\n'), { top }).nodes));
      continue;
    }
    const bullet = /^\s*[-*+]\s+/;
    const numbered = /^\s*\d+[.)]\s+/;
    if (bullet.test(line) || numbered.test(line)) {
      const ordered = numbered.test(line);
      const marker = ordered ? numbered : bullet;
      const items = [];
      while (i < lines.length && marker.test(lines[i])) items.push(lines[i++].replace(marker, ''));
      nodes.push(h(ordered ? 'ol' : 'ul', null, items.map((item) => h('li', null, inline(item)))));
      continue;
    }
    const paragraph = [];
    while (i < lines.length && lines[i].trim() && !/^(#{1,6}\s|>|```|\s*[-*+]\s|\s*\d+[.)]\s)/.test(lines[i])) {
      paragraph.push(lines[i++].trim());
    }
    if (!paragraph.length) paragraph.push(lines[i++].trim());
    nodes.push(h('p', null, inline(paragraph.join(' '))));
  }
  return { nodes, sections };
}
