"""Markdown to HTML for publishers whose platform takes HTML, with any raw HTML escaped."""

from __future__ import annotations

import html
import re

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_ORDERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"`([^`]+)`")
_IMAGE = re.compile(r"!\[((?:\\.|[^\]\\])*)\]\(([^)\s]+)\)")
_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_ESCAPED = re.compile(r"\\([\\`*_\[\]()#+\-.!])")


def markdown_to_html(markdown: str) -> str:
    """A small Markdown subset as HTML: headings, paragraphs, lists, quotes, fenced code,
    images, links, bold, italic and code spans. Raw HTML in the input is escaped."""
    blocks: list[str] = []
    paragraph: list[str] = []
    list_tag: str | None = None
    list_items: list[str] = []
    quote: list[str] = []
    code: list[str] | None = None

    def flush() -> None:
        nonlocal list_tag
        if paragraph:
            text = " ".join(line.strip() for line in paragraph)
            image = _IMAGE.fullmatch(text)
            blocks.append(
                f"<figure>{_inline(text)}</figure>" if image else f"<p>{_inline(text)}</p>"
            )
            paragraph.clear()
        if list_tag is not None:
            items = "".join(f"<li>{_inline(entry)}</li>" for entry in list_items)
            blocks.append(f"<{list_tag}>{items}</{list_tag}>")
            list_items.clear()
            list_tag = None
        if quote:
            blocks.append(f"<blockquote><p>{_inline(' '.join(quote))}</p></blockquote>")
            quote.clear()

    for line in markdown.splitlines():
        if code is not None:
            if _FENCE.match(line):
                blocks.append(f"<pre><code>{html.escape(chr(10).join(code))}</code></pre>")
                code = None
            else:
                code.append(line)
            continue
        if _FENCE.match(line):
            flush()
            code = []
            continue
        if not line.strip():
            flush()
            continue
        heading = _HEADING.match(line)
        item = _BULLET.match(line) or _ORDERED.match(line)
        if heading:
            flush()
            level = len(heading.group(1))
            blocks.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif item:
            tag = "ul" if item.re is _BULLET else "ol"
            if list_tag != tag:
                flush()
                list_tag = tag
            list_items.append(item.group(1))
        elif line.lstrip().startswith(">"):
            if not quote:
                flush()
            quote.append(line.lstrip()[1:].strip())
        elif list_tag is not None and line.startswith((" ", "\t")):
            list_items[-1] += " " + line.strip()
        else:
            if list_tag is not None or quote:
                flush()
            paragraph.append(line)
    if code is not None:
        blocks.append(f"<pre><code>{html.escape(chr(10).join(code))}</code></pre>")
    flush()
    return "\n".join(blocks)


def _inline(text: str) -> str:
    stash: list[str] = []

    def keep(fragment: str) -> str:
        stash.append(fragment)
        return f"\x00{len(stash) - 1}\x00"

    text = _CODE_SPAN.sub(lambda m: keep(f"<code>{html.escape(m.group(1))}</code>"), text)
    text = _IMAGE.sub(
        lambda m: keep(
            f'<img src="{_attr(m.group(2))}" alt="{_attr(_unescape_md(m.group(1)))}" />'
        ),
        text,
    )
    text = _ESCAPED.sub(lambda m: keep(html.escape(m.group(1))), text)
    text = html.escape(text, quote=False)
    text = _LINK.sub(lambda m: f'<a href="{_attr(m.group(2))}">{m.group(1)}</a>', text)
    text = _BOLD.sub(r"<strong>\2</strong>", text)
    text = _ITALIC.sub(r"<em>\2</em>", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: stash[int(m.group(1))], text)


def _unescape_md(text: str) -> str:
    return _ESCAPED.sub(r"\1", text)


def _attr(value: str) -> str:
    value = html.unescape(value)
    if re.match(r"^\s*(javascript|vbscript|data):", value, re.IGNORECASE):
        value = "#"
    return html.escape(value, quote=True)
