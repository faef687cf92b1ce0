"""What the OpenAI-compatible provider asks for: each text task's instructions, input, JSON schema.

The system prompt carries the instructions; the user message is the task's input as one JSON
object, so any model (and the test server) can read it without parsing prose.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from pressrun.ai.base import (
    ALT_TEXT_MAX,
    META_DESCRIPTION_MAX,
    META_DESCRIPTION_MIN,
    TITLE_MAX,
    ArticleBrief,
    ArticleDraft,
    ClusterBrief,
    ClusterCandidate,
    WritingProfile,
)

CLUSTER_NAMES = "cluster_names"
IDEAS = "ideas"
ARTICLE = "article"
IMAGE_PROMPTS = "image_prompts"

# Enough of the body for the model to see what the sections are about, not the whole article.
_IMAGE_EXCERPT_CHARS = 1500


@dataclass(frozen=True)
class TextTask:
    """One structured-output request: `schema_name` names the json_schema response format."""

    schema_name: str
    schema: dict[str, object]
    system: str
    user: str


def _string(description: str = "") -> dict[str, object]:
    # Limits go in the description, not `minLength`/`maxLength`: strict structured outputs do
    # not accept those keywords, and the provider cuts or repairs what exceeds them anyway.
    return {"type": "string", "description": description} if description else {"type": "string"}


_TITLE = f"At most {TITLE_MAX} characters."
_META_DESCRIPTION = f"One sentence of {META_DESCRIPTION_MIN} to {META_DESCRIPTION_MAX} characters."
_ALT_TEXT = f"At most {ALT_TEXT_MAX} characters."


def _array(items: dict[str, object]) -> dict[str, object]:
    return {"type": "array", "items": items}


def _object(properties: dict[str, dict[str, object]]) -> dict[str, object]:
    # Strict structured outputs require every property listed and no extra ones.
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


CLUSTER_NAMES_SCHEMA = _object(
    {
        "clusters": _array(
            _object(
                {
                    "id": {"type": "integer"},
                    "name": _string(),
                    "description": _string(),
                    "split": _array(_array({"type": "integer"})),
                }
            )
        )
    }
)

IDEAS_SCHEMA = _object(
    {
        "ideas": _array(
            _object(
                {
                    "title": _string(_TITLE),
                    "brief": _string(),
                    "outline": _array(_string()),
                    "target_keyword": _string(),
                }
            )
        )
    }
)

ARTICLE_SCHEMA = _object(
    {
        "title": _string(_TITLE),
        "body": _string(),
        "meta_description": _string(_META_DESCRIPTION),
        "slug": _string(),
    }
)

IMAGE_PROMPTS_SCHEMA = _object(
    {
        "prompts": _array(
            _object(
                {
                    "kind": {"type": "string", "enum": ["featured", "in_article"]},
                    "prompt": _string(),
                    "alt_text": _string(_ALT_TEXT),
                }
            )
        )
    }
)

CLUSTER_NAMES_SYSTEM = """\
You name keyword clusters for a website's content plan. Each cluster was grouped by meaning \
and is meant to become one page serving one search intent; its first keyword is its head \
(the most searched).
For every cluster in the input, by its id:
- name: 2 to 6 words naming the page's topic, specific enough to tell it from the site's \
other pages (include the intent where it matters: "Espresso Machine Buying Guide", "Breville \
vs De'Longhi").
- description: one sentence on what the page covers and for whom.
- split: [] when the keywords belong on one page. Only when the cluster mixes search intents \
that need separate pages (a comparison, a roundup of the best options, a how-to, a definition, \
a troubleshooting guide), list the keyword ids of each page: every keyword id of the cluster \
exactly once.
Reply with JSON only: {"clusters": [{"id": int, "name": str, "description": str, \
"split": [[int]]}]}"""

IDEAS_SYSTEM = f"""\
You plan articles for a website from one keyword cluster.
Propose at most `count` distinct article ideas that together cover the cluster without overlapping.
Each idea serves the cluster's search `intent` (a comparison, a roundup, a how-to, a \
definition, a troubleshooting guide, ...) and targets a different keyword of the cluster.
For each idea:
- title: specific and useful to the reader, at most {TITLE_MAX} characters.
- brief: 1 to 3 sentences on the angle, the reader, and what they will get.
- outline: 4 to 8 section headings, in order.
- target_keyword: the one keyword from the cluster the article should rank for.
Reply with JSON only: {{"ideas": [{{"title": str, "brief": str, "outline": [str], \
"target_keyword": str}}]}}"""

ARTICLE_SYSTEM = f"""\
You write accurate, concrete, useful articles for a website.
Write the article described by the input, in Markdown:
- Open with a short introduction paragraph with no heading.
- Sections are `##` headings, with `###` subsections where they help. No `#` heading: the \
title is separate.
- Follow the outline when one is given. Use the target keyword naturally in the introduction \
and in at least one heading; use the other keywords where they fit.
- Aim for about `target_words` words, between `target_words_min` and `target_words_max`. No \
filler, no placeholders, no unsupported claims.
title: the input's title, or a clearer one, at most {TITLE_MAX} characters.
meta_description: one sentence of {META_DESCRIPTION_MIN} to {META_DESCRIPTION_MAX} characters.
slug: the title's main words, lowercase, joined by hyphens.
Reply with JSON only: {{"title": str, "body": str, "meta_description": str, "slug": str}}"""

IMAGE_PROMPTS_SYSTEM = f"""\
You art-direct the images of a blog article.
Write exactly one prompt of kind "featured" (the header image, summing up the article), then \
exactly `in_article` prompts of kind "in_article", each illustrating a different section from \
`headings`.
- prompt: 1 to 3 sentences for a text-to-image model: subject, setting, composition, style, \
lighting. No text, letters, logos or watermarks in the image; no real person's likeness.
- alt_text: a plain description of what the image shows, at most {ALT_TEXT_MAX} characters.
Reply with JSON only: {{"prompts": [{{"kind": "featured" | "in_article", "prompt": str, \
"alt_text": str}}]}}"""

REPAIR_TEMPLATE = """\
Your previous reply was not valid: {error}
Reply again with only the corrected JSON object, matching the required schema. \
Keep whatever was already correct."""

_HEADING = re.compile(r"^#{2,3}\s+(.+?)\s*#*\s*$", re.MULTILINE)


_POINTS_OF_VIEW = {
    "first_person_singular": 'the first person singular ("I")',
    "first_person_plural": 'the first person plural ("we")',
    "second_person": 'the second person, addressing the reader as "you"',
    "third_person": "the third person, without addressing the reader",
}


def profile_instructions(profile: WritingProfile, *, length: bool = False) -> str:
    """The site's content profile as instructions, appended to a text task's system prompt."""
    lines = [
        "The site's content profile (follow it in everything you write):",
        f"- Language: write in {profile.language} (BCP 47), whatever the input's language.",
    ]
    if profile.audience:
        lines.append(f"- Audience: {profile.audience}")
    if profile.tone:
        lines.append(f"- Tone and voice: {profile.tone}")
    lines.append(f"- Point of view: {_POINTS_OF_VIEW[profile.point_of_view]}.")
    if length:
        lines.append(f"- Length: {profile.target_words_min} to {profile.target_words_max} words.")
    if profile.brand_name:
        lines.append(
            f"- Brand: the site is {profile.brand_name}; name it where it fits naturally, "
            "never as an advertisement."
        )
    if profile.avoid:
        lines.append(
            "- Never write about, mention or claim any of these: "
            + "; ".join(json.dumps(term, ensure_ascii=False) for term in profile.avoid)
            + "."
        )
    if profile.house_style:
        lines.append(f"- House style: {profile.house_style}")
    return "\n".join(lines)


def _system(base: str, profile: WritingProfile, *, length: bool = False) -> str:
    return f"{base}\n\n{profile_instructions(profile, length=length)}"


def _user(payload: dict[str, object]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def cluster_names_task(candidates: list[ClusterCandidate]) -> TextTask:
    payload: dict[str, object] = {
        "clusters": [
            {
                "id": c.id,
                "intent": c.intent,
                "keywords": [{"id": k.id, "text": k.text, "volume": k.volume} for k in c.keywords],
            }
            for c in candidates
        ]
    }
    return TextTask(CLUSTER_NAMES, CLUSTER_NAMES_SCHEMA, CLUSTER_NAMES_SYSTEM, _user(payload))


def ideas_task(cluster: ClusterBrief, count: int) -> TextTask:
    payload: dict[str, object] = {
        "count": count,
        "cluster": {
            "name": cluster.name,
            "description": cluster.description,
            "intent": cluster.intent,
            "keywords": cluster.keywords,
        },
    }
    system = _system(IDEAS_SYSTEM, cluster.profile)
    return TextTask(IDEAS, IDEAS_SCHEMA, system, _user(payload))


def article_task(brief: ArticleBrief) -> TextTask:
    payload: dict[str, object] = {
        "title": brief.title,
        "brief": brief.brief,
        "outline": brief.outline,
        "target_keyword": brief.target_keyword,
        "keywords": brief.keywords,
        "target_words": brief.target_words,
        "target_words_min": brief.profile.target_words_min,
        "target_words_max": brief.profile.target_words_max,
    }
    system = _system(ARTICLE_SYSTEM, brief.profile, length=True)
    return TextTask(ARTICLE, ARTICLE_SCHEMA, system, _user(payload))


def image_prompts_task(
    article: ArticleDraft, in_article: int, profile: WritingProfile | None = None
) -> TextTask:
    payload: dict[str, object] = {
        "in_article": in_article,
        "article": {
            "title": article.title,
            "meta_description": article.meta_description,
            "headings": _HEADING.findall(article.body),
            "excerpt": article.body[:_IMAGE_EXCERPT_CHARS],
        },
    }
    system = _system(IMAGE_PROMPTS_SYSTEM, profile or WritingProfile())
    return TextTask(IMAGE_PROMPTS, IMAGE_PROMPTS_SCHEMA, system, _user(payload))


def repair_prompt(error: str) -> str:
    return REPAIR_TEMPLATE.format(error=error)
