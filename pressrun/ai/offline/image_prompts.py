"""Image prompts and alt text without a model: a featured image, then one per article section."""

from __future__ import annotations

import re

from pressrun.ai.base import ALT_TEXT_MAX, ArticleDraft, ImagePromptDraft
from pressrun.ai.offline.phrases import IMAGE_ALT_LABEL, IMAGE_STYLES
from pressrun.ai.offline.picking import HashPicker
from pressrun.ai.text import fit, heading_phrase, shorten, unique_texts


def image_prompts(article: ArticleDraft, in_article: int) -> list[ImagePromptDraft]:
    """A featured prompt for the whole article, then one per H2 (then H3) section, in order."""
    picker = HashPicker("images", article.slug, article.title)
    title = article.title.strip()
    h2s, h3s = _headings(article.body, "##"), _headings(article.body, "###")
    sections = h2s + [h for h in h3s if h not in h2s] or [title]

    style = picker.choice(IMAGE_STYLES)
    prompts = [
        ImagePromptDraft(
            kind="featured",
            prompt=(
                f'Featured image for an article titled "{title}": an inviting, uncluttered scene '
                f"that sums up the subject at a glance. Style: {style}. Wide composition with "
                "room for a headline; no text, logos or watermarks."
            ),
            alt_text=_alt_text(f"{IMAGE_ALT_LABEL} for the article", title),
        )
    ]
    for i in range(max(in_article, 0)):
        section = sections[i % len(sections)]
        style = picker.choice(IMAGE_STYLES)
        phrase = heading_phrase(section) or title.lower()
        prompts.append(
            ImagePromptDraft(
                kind="in_article",
                prompt=(
                    f'In-article image for the section "{section}" of an article titled '
                    f'"{title}": a clear, concrete scene showing {phrase}. Style: {style}. '
                    "No text, logos or watermarks."
                ),
                alt_text=_alt_text(
                    f"{IMAGE_ALT_LABEL} for the section on {phrase}, from the article", title
                ),
            )
        )
    return prompts


def _headings(body: str, marker: str) -> list[str]:
    """The distinct texts of the Markdown headings that open with exactly `marker` (`##`)."""
    return unique_texts(re.findall(rf"^{marker} +(.+?)\s*$", body, flags=re.MULTILINE))


def _alt_text(description: str, title: str) -> str:
    """`description "title"`, with the title (then the description) shortened to fit. The
    description says what the offline picture is, an abstract illustration, not what the
    prompt asked for."""
    room = ALT_TEXT_MAX - len(description) - 3
    if room >= 12:
        return f'{description} "{shorten(title, room)}"'
    return fit(description.removesuffix(", from the article"), ALT_TEXT_MAX)
