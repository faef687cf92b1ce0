"""Markdown to HTML for publishers that take HTML: the subset the writers produce, and never raw
HTML or a script URL from the article."""

from __future__ import annotations

import pytest

from pressrun.publishing.markdown import markdown_to_html


def test_markdown_to_html_escapes_and_formats() -> None:
    html = markdown_to_html(
        "# T <script>\n\n1. one\n2. two\n\n> quoted\n\n```\na < b\n```\n\n"
        "![x](javascript:alert(1)) `co*de*` a_b_c"
    )
    assert "<h1>T &lt;script&gt;</h1>" in html
    assert "<ol><li>one</li><li>two</li></ol>" in html
    assert "<blockquote><p>quoted</p></blockquote>" in html
    assert "<pre><code>a &lt; b</code></pre>" in html
    assert "javascript" not in html
    assert "<code>co*de*</code>" in html and "a_b_c" in html


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("# One\n## Two ##\n###### Six", "<h1>One</h1>\n<h2>Two</h2>\n<h6>Six</h6>"),
        ("#NoSpace", "<p>#NoSpace</p>"),
        ("First line\nsecond line\n\nNext", "<p>First line second line</p>\n<p>Next</p>"),
        ("", ""),
        ("  \n\n", ""),
    ],
)
def test_headings_and_paragraphs(markdown: str, expected: str) -> None:
    assert markdown_to_html(markdown) == expected


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("- a\n* b\n+ c", "<ul><li>a</li><li>b</li><li>c</li></ul>"),
        ("1. one\n2) two", "<ol><li>one</li><li>two</li></ol>"),
        ("- a\n1. b", "<ul><li>a</li></ul>\n<ol><li>b</li></ol>"),
        ("- item\n  continued", "<ul><li>item continued</li></ul>"),
        ("- item\nafter", "<ul><li>item</li></ul>\n<p>after</p>"),
        ("> quoted\n> more\n\nafter", "<blockquote><p>quoted more</p></blockquote>\n<p>after</p>"),
    ],
)
def test_lists_and_quotes(markdown: str, expected: str) -> None:
    assert markdown_to_html(markdown) == expected


def test_code_fences_keep_their_lines_and_escape_everything() -> None:
    assert markdown_to_html("text\n```\nx < y && z\n  **not bold**\n```\nafter") == (
        "<p>text</p>\n<pre><code>x &lt; y &amp;&amp; z\n  **not bold**</code></pre>\n<p>after</p>"
    )
    assert markdown_to_html("~~~\nunclosed <b>") == "<pre><code>unclosed &lt;b&gt;</code></pre>"


def test_inline_formatting() -> None:
    assert markdown_to_html("**b** __b2__ *i* _i2_ snake_case_word 2*3*4 `a <b> *c*`") == (
        "<p><strong>b</strong> <strong>b2</strong> <em>i</em> <em>i2</em> snake_case_word "
        "2*3*4 <code>a &lt;b&gt; *c*</code></p>"
    )
    assert markdown_to_html(r"\*not italic\* \# \[x\]") == "<p>*not italic* # [x]</p>"


def test_links_and_images() -> None:
    assert markdown_to_html("[label](https://e.com/?a=1&b=2)") == (
        '<p><a href="https://e.com/?a=1&amp;b=2">label</a></p>'
    )
    # An image alone in its paragraph is a figure; with text around it, it stays inline.
    assert markdown_to_html('![alt "q" <b>](img.png)') == (
        '<figure><img src="img.png" alt="alt &quot;q&quot; &lt;b&gt;" /></figure>'
    )
    assert markdown_to_html("para ![a](i.png) inline") == (
        '<p>para <img src="i.png" alt="a" /> inline</p>'
    )
    assert markdown_to_html(r"![a\]b](p.png)") == '<figure><img src="p.png" alt="a]b" /></figure>'


def test_raw_html_and_script_urls_never_get_through() -> None:
    assert markdown_to_html('<script>alert(1)</script> & "q"') == (
        '<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; "q"</p>'
    )
    for url in ("javascript:alert", "JavaScript:x", "vbscript:x", "data:text/html,x"):
        assert markdown_to_html(f"[x]({url})") == '<p><a href="#">x</a></p>'
        assert markdown_to_html(f"![x]({url})") == '<figure><img src="#" alt="x" /></figure>'
    # A quote in a URL cannot close the attribute.
    assert markdown_to_html('[a](http://x/"onmouseover=")') == (
        '<p><a href="http://x/&quot;onmouseover=&quot;">a</a></p>'
    )
