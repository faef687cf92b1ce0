"""The default provider: no model and no network, so pipelines run end to end in demos and tests."""

from __future__ import annotations

import asyncio
import colorsys
import functools
import hashlib
import io
import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

from pressrun.ai.base import (
    AIItemError,
    ArticleBrief,
    ArticleDraft,
    ClusterBrief,
    ClusterCandidate,
    ClusterNaming,
    GeneratedImage,
    IdeaDraft,
    ImagePromptDraft,
    KeywordInput,
)
from pressrun.ai.offline_text import (
    ANGLES,
    BODY_SENTENCES,
    CLOSING_SENTENCES,
    DEFAULT_OUTLINE,
    IMAGE_STYLES,
    INTRO_SENTENCES,
    META_TEMPLATES,
    SUB_SENTENCES,
    SUBHEADINGS,
    Angle,
    HashPicker,
    SentenceDeck,
    build_paragraph,
    count_words,
    fill,
    heading_phrase,
    is_question,
    join_phrases,
    sentence_case,
    shorten,
    slugify,
    subject,
    title_case,
    unique_texts,
)
from pressrun.clustering.names import head_name

OFFLINE_NOTE = "> Draft generated offline by pressrun (no AI model was called)."

_SIZE_RE = re.compile(r"^\s*(\d{1,5})\s*[xX]\s*(\d{1,5})\s*$")
_MIN_SIDE, _MAX_SIDE = 16, 4096
_ALT_TEXT_LIMIT = 125

_Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


class OfflineProvider:
    """Deterministic local stand-in for a model: lexical clustering, template prose, title cards.

    Every method ignores `model`; the same input always gives the same output.
    """

    @property
    def name(self) -> str:
        return "offline"

    async def name_clusters(
        self, candidates: list[ClusterCandidate], *, model: str
    ) -> list[ClusterNaming]:
        return [name_cluster(c) for c in candidates]

    async def generate_ideas(
        self, cluster: ClusterBrief, *, count: int, model: str
    ) -> list[IdeaDraft]:
        return generate_ideas(cluster, count)

    async def write_article(self, brief: ArticleBrief, *, model: str) -> ArticleDraft:
        return write_article(brief)

    async def image_prompts(
        self, article: ArticleDraft, *, in_article: int, model: str
    ) -> list[ImagePromptDraft]:
        return image_prompts(article, in_article)

    async def generate_image(self, prompt: str, *, model: str, size: str) -> GeneratedImage:
        width, height = parse_size(size)
        data = await asyncio.to_thread(render_title_card, prompt, width, height)
        return GeneratedImage(data=data, mime_type="image/png", width=width, height=height)

    async def aclose(self) -> None:
        return None


# --- clustering ---------------------------------------------------------------------------


def name_cluster(candidate: ClusterCandidate) -> ClusterNaming:
    """The page named after its head keyword (its most searched query), which says what the
    page is for without a model to summarise it; a description of its members. Never a split
    (that takes a model's judgement)."""
    ranked = sorted(candidate.keywords, key=lambda k: (-k.volume, len(k.text), k.id))
    return ClusterNaming(
        id=candidate.id,
        name=head_name(ranked[0].text),
        description=_cluster_description(ranked, candidate.intent),
    )


def _cluster_description(ranked: Sequence[KeywordInput], intent: str) -> str:
    shown = ", ".join(f'"{kw.text}"' for kw in ranked[:8])
    more = f" and {len(ranked) - 8} more" if len(ranked) > 8 else ""
    volume = sum(kw.volume for kw in ranked)
    noun = "keyword" if len(ranked) == 1 else "keywords"
    return (
        f"{len(ranked)} {noun} ({volume:,} monthly searches, {intent.replace('_', '-')} "
        f"intent): {shown}{more}. Named offline by pressrun (no AI model called)."
    )


# --- ideas --------------------------------------------------------------------------------


# The angle that serves each search intent; the others follow in their usual order.
_INTENT_ANGLES = {
    "comparison": "comparison",
    "roundup": "tools",
    "how_to": "how-to",
    "troubleshooting": "mistakes",
    "definition": "faq",
}


def _angles_for(intent: str) -> list[Angle]:
    first = _INTENT_ANGLES.get(intent, "guide")
    return sorted(ANGLES, key=lambda a: a.key != first)


def generate_ideas(cluster: ClusterBrief, count: int) -> list[IdeaDraft]:
    """Up to `count` ideas, each a distinct (angle, target keyword) pair from the cluster; the
    first takes the angle of the cluster's intent and targets its head keyword."""
    keywords = unique_texts(cluster.keywords) or unique_texts([cluster.name]) or ["this topic"]
    angles = _angles_for(cluster.intent)
    ideas: list[IdeaDraft] = []
    seen: set[str] = set()
    # Round r pairs angle a with keyword (a + r) % K, so no pair repeats within K rounds.
    for i in range(len(angles) * len(keywords)):
        if len(ideas) >= count:
            break
        rounds, a = divmod(i, len(angles))
        angle, keyword = angles[a], keywords[(a + rounds) % len(keywords)]
        picker = HashPicker("idea", cluster.id, cluster.name, keyword, angle.key)
        slots = {"kw": subject(keyword), "n": str(5 + picker.below(6))}
        title = shorten(fill(picker.choice(angle.titles), **slots), 300)
        if title.lower() in seen:
            continue
        seen.add(title.lower())
        related = [k for k in keywords if k != keyword][:4]
        also = f" Also cover: {join_phrases(related)}." if related else ""
        ideas.append(
            IdeaDraft(
                title=title,
                brief=f"{fill(angle.brief, **slots)} Target keyword: {keyword}.{also}",
                outline=[sentence_case(fill(h, **slots)) for h in angle.outline],
                target_keyword=keyword,
            )
        )
    return ideas


# --- articles -----------------------------------------------------------------------------


@dataclass
class _Slot:
    """A paragraph yet to be written: its share of the word budget and where its sentences come
    from."""

    weight: float
    deck: SentenceDeck[str]
    opener: SentenceDeck[str] | None = None
    slots: dict[str, str] = field(default_factory=dict)


def write_article(brief: ArticleBrief) -> ArticleDraft:
    """Template prose sized to `brief.target_words`, under the brief's outline when it has one."""
    queries = unique_texts([brief.target_keyword, *brief.keywords])
    query = queries[0] if queries else brief.title.strip() or f"article {brief.task_id}"
    topic = subject(query)
    phrases = unique_texts(subject(q) for q in queries) or [topic]
    title = shorten(brief.title.strip() or title_case(topic), 300)
    picker = HashPicker("article", brief.task_id, title, query, brief.target_words)
    headings = _section_headings(brief.outline, topic, phrases, brief.target_words)
    slots = {"topic": topic, "query": query}
    return ArticleDraft(
        title=title,
        body=_article_body(headings, phrases, slots, brief.target_words, picker),
        meta_description=_meta_description(query, headings, picker),
        slug=slugify(title) or slugify(query) or f"article-{brief.task_id}",
    )


def _section_headings(
    outline: Sequence[str], topic: str, phrases: Sequence[str], target_words: int
) -> list[str]:
    """The outline's H2s (as many as the length allows), or a default outline sized to it."""
    limit = max(1, target_words // 100)
    given = unique_texts(h.strip().lstrip("#") for h in outline)
    if given:
        return given[:limit]
    count = min(limit, max(2, min(len(DEFAULT_OUTLINE), round(target_words / 300))))
    picker = HashPicker("outline", topic)
    rest = sorted(picker.shuffled(range(1, len(DEFAULT_OUTLINE)))[: count - 1])
    secondary = phrases[1] if len(phrases) > 1 else topic
    return [sentence_case(fill(DEFAULT_OUTLINE[i], topic=topic, kw=secondary)) for i in [0, *rest]]


def _article_body(
    headings: Sequence[str],
    phrases: Sequence[str],
    slots: dict[str, str],
    target_words: int,
    picker: HashPicker,
) -> str:
    rotation = itertools.cycle(phrases)
    next_keyword: Callable[[], str] = functools.partial(next, rotation)
    body_deck = SentenceDeck(BODY_SENTENCES, picker)
    sub_deck = SentenceDeck(SUB_SENTENCES, picker)
    subheading_deck = SentenceDeck(SUBHEADINGS, picker)
    subs_each = min(3, max(1, round(target_words / len(headings) / 150)))

    blocks: list[str | _Slot] = [
        OFFLINE_NOTE,
        _Slot(1.0, SentenceDeck(INTRO_SENTENCES, picker), slots=slots),
    ]
    for heading in headings:
        about = (
            f"this part of {slots['topic']}" if is_question(heading) else heading_phrase(heading)
        )
        blocks += [f"## {heading}", _Slot(0.8, body_deck, slots={**slots, "heading": about})]
        for _ in range(subs_each):
            sub_heading, sub_phrase = subheading_deck.deal()
            keyword = next_keyword()
            sub_slots = {**slots, "heading": about, "sub": fill(sub_phrase, kw=keyword)}
            blocks += [
                f"### {fill(sub_heading, kw=keyword)}",
                _Slot(1.2, body_deck, opener=sub_deck, slots=sub_slots),
            ]
    blocks.append(_Slot(0.7, SentenceDeck(CLOSING_SENTENCES, picker), slots=slots))
    return "\n\n".join(_fill_blocks(blocks, target_words, picker, next_keyword)) + "\n"


def _fill_blocks(
    blocks: Sequence[str | _Slot],
    target_words: int,
    picker: HashPicker,
    next_keyword: Callable[[], str],
) -> list[str]:
    """Write each slot's paragraphs, re-spreading whatever budget is left over the slots still to
    come so that rounding drift does not accumulate."""
    remaining = target_words - sum(count_words(b) for b in blocks if isinstance(b, str))
    weight_left = sum(b.weight for b in blocks if isinstance(b, _Slot))
    out: list[str] = []
    for block in blocks:
        if isinstance(block, str):
            out.append(block)
            continue
        budget = max(8, round(remaining * block.weight / weight_left))
        parts = max(1, math.ceil(budget / 110))
        for part in range(parts):
            opener = block.opener if part == 0 else None
            paragraph = build_paragraph(
                budget // parts, block.deck, picker, next_keyword, opener=opener, **block.slots
            )
            out.append(paragraph)
            remaining -= count_words(paragraph)
        weight_left -= block.weight
    return out


def _meta_description(query: str, headings: Sequence[str], picker: HashPicker) -> str:
    """At most 160 characters, opening with the target keyword as typed."""
    template, short = picker.choice(META_TEMPLATES)
    points = [heading_phrase(h) for h in headings if not is_question(h)]
    for n in (3, 2, 1):
        text = sentence_case(fill(template, query=query, points=join_phrases(points[:n])))
        if points[:n] and len(text) <= 160:
            return text
    text = sentence_case(fill(short, query=query))
    return text if len(text) <= 160 else shorten(query, 160, suffix="")


# --- image prompts ------------------------------------------------------------------------


def image_prompts(article: ArticleDraft, in_article: int) -> list[ImagePromptDraft]:
    """A featured prompt for the whole article, then one per H2 (then H3) section, in order."""
    picker = HashPicker("images", article.slug, article.title)
    title = article.title.strip()
    h2s = unique_texts(re.findall(r"^## +(.+?)\s*$", article.body, flags=re.MULTILINE))
    h3s = unique_texts(re.findall(r"^### +(.+?)\s*$", article.body, flags=re.MULTILINE))
    sections = h2s + [h for h in h3s if h not in h2s] or [title]

    style, label = picker.choice(IMAGE_STYLES)
    prompts = [
        ImagePromptDraft(
            kind="featured",
            prompt=(
                f'Featured image for an article titled "{title}": an inviting, uncluttered scene '
                f"that sums up the subject at a glance. Style: {style}. Wide composition with "
                "room for a headline; no text, logos or watermarks."
            ),
            alt_text=_alt_text(f"{label} for the article", title),
        )
    ]
    for i in range(max(in_article, 0)):
        section = sections[i % len(sections)]
        style, label = picker.choice(IMAGE_STYLES)
        phrase = heading_phrase(section) or title.lower()
        prompts.append(
            ImagePromptDraft(
                kind="in_article",
                prompt=(
                    f'In-article image for the section "{section}" of an article titled '
                    f'"{title}": a clear, concrete scene showing {phrase}. Style: {style}. '
                    "No text, logos or watermarks."
                ),
                alt_text=_alt_text(f"{label} showing {phrase}, from the article", title),
            )
        )
    return prompts


def _alt_text(description: str, title: str) -> str:
    """`description "title"`, with the title (then the description) shortened to fit."""
    room = _ALT_TEXT_LIMIT - len(description) - 3
    if room >= 12:
        return f'{description} "{shorten(title, room)}"'
    return shorten(description.removesuffix(", from the article"), _ALT_TEXT_LIMIT, suffix="")


# --- title-card images --------------------------------------------------------------------


def parse_size(size: str) -> tuple[int, int]:
    """`"WIDTHxHEIGHT"` as two ints; anything malformed or out of range is an item error."""
    match = _SIZE_RE.match(size)
    if not match:
        raise AIItemError(f"image size must look like 1024x1024, got {size!r}")
    width, height = int(match[1]), int(match[2])
    if not (_MIN_SIDE <= width <= _MAX_SIDE and _MIN_SIDE <= height <= _MAX_SIDE):
        raise AIItemError(f"image sides must be {_MIN_SIDE}..{_MAX_SIDE} pixels, got {size!r}")
    return width, height


def render_title_card(prompt: str, width: int, height: int) -> bytes:
    """A PNG with a gradient picked by hashing the prompt, the prompt wrapped on it, and a label
    saying it was made offline."""
    digest = hashlib.sha256(prompt.encode()).digest()
    top, bottom = _palette(digest)
    mask = Image.linear_gradient("L").resize((width, height))
    image = Image.composite(
        Image.new("RGB", (width, height), bottom), Image.new("RGB", (width, height), top), mask
    )
    draw = ImageDraw.Draw(image, "RGBA")
    _draw_circles(draw, digest, width, height)
    label_height = _draw_label(draw, width, height)
    _draw_text(draw, prompt, width, height - label_height)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _palette(digest: bytes) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Two related colours, both dark enough for white text."""
    hue, shift, saturation = digest[0] / 255, 0.06 + digest[1] / 255 * 0.18, 0.45 + digest[2] / 850
    light = colorsys.hsv_to_rgb(hue, saturation, 0.5 + digest[3] / 1700)
    dark = colorsys.hsv_to_rgb((hue + shift) % 1.0, saturation, 0.2 + digest[4] / 2100)
    return _rgb(light), _rgb(dark)


def _rgb(color: tuple[float, float, float]) -> tuple[int, int, int]:
    return round(color[0] * 255), round(color[1] * 255), round(color[2] * 255)


def _draw_circles(draw: ImageDraw.ImageDraw, digest: bytes, width: int, height: int) -> None:
    side = min(width, height)
    for k in range(3):
        cx, cy = digest[5 + k] / 255 * width, digest[8 + k] / 255 * height
        radius = side * (0.15 + digest[11 + k] / 255 * 0.45)
        box = (cx - radius, cy - radius, cx + radius, cy + radius)
        draw.ellipse(box, fill=(255, 255, 255, 14 + digest[14 + k] % 16))


def _draw_label(draw: ImageDraw.ImageDraw, width: int, height: int) -> int:
    """Draw the "offline" pill in the bottom-right corner; return the height it reserves."""
    size = max(8, min(width, height) // 36)
    font = ImageFont.load_default(size=size)
    text = "pressrun offline"
    pad = max(2, size // 3)
    text_width = draw.textlength(text, font=font)
    right, bottom = width - pad * 2, height - pad * 2
    left, top = right - text_width - pad * 2, bottom - size - pad * 2
    draw.rounded_rectangle((left, top, right, bottom), radius=pad * 2, fill=(0, 0, 0, 110))
    draw.text((left + pad, top + pad), text, font=font, fill=(255, 255, 255, 230))
    return height - round(top) + pad


def _draw_text(draw: ImageDraw.ImageDraw, prompt: str, width: int, height: int) -> None:
    """The prompt, wrapped and shrunk to fit the area above the label, cut with "..." if needed."""
    text = shorten(prompt, 400)
    margin = max(4, round(min(width, height) * 0.08))
    box_width, box_height = width - 2 * margin, max(1, height - margin)
    size, min_size = max(8, min(width, height) // 12), max(6, min(width, height) // 40)
    while True:
        font: _Font = ImageFont.load_default(size=size)
        line_height = round(size * 1.3)
        lines = _wrap(draw, text, font, box_width)
        if len(lines) * line_height <= box_height or size <= min_size:
            break
        size = max(min_size, int(size * 0.85))
    max_lines = max(1, box_height // line_height)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _fit(draw, lines[-1], font, box_width, suffix=" ...")
    y = margin + max(0, (box_height - len(lines) * line_height) // 2)
    shadow = max(1, size // 16)
    for line in lines:
        draw.text((margin + shadow, y + shadow), line, font=font, fill=(0, 0, 0, 90))
        draw.text((margin, y), line, font=font, fill=(255, 255, 255, 245))
        y += line_height


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: _Font, max_width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = _fit(draw, word, font, max_width)
    if current:
        lines.append(current)
    return lines


def _fit(
    draw: ImageDraw.ImageDraw, text: str, font: _Font, max_width: int, suffix: str = ""
) -> str:
    """`text` cut from the right until it, plus `suffix`, fits in `max_width` pixels."""
    while len(text) > 1 and draw.textlength(text + suffix, font=font) > max_width:
        text = text[:-1]
    return text.rstrip() + suffix
