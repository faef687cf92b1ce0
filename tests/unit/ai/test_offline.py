"""The offline provider does real, deterministic work: cluster names, ideas, articles, images."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

import pressrun
from pressrun.ai.base import (
    ALT_TEXT_MAX,
    META_DESCRIPTION_MAX,
    META_DESCRIPTION_MIN,
    TITLE_MAX,
    AIItemError,
    AIProvider,
    ArticleBrief,
    ArticleDraft,
    ClusterBrief,
    ClusterCandidate,
    KeywordInput,
    WritingProfile,
    count_words,
)
from pressrun.ai.offline import OfflineProvider
from pressrun.ai.text import fit

DEMO_CSV = Path(pressrun.__file__).parent / "data" / "demo_keywords.csv"
MODEL = "ignored"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# The topic each demo keyword was written for, recognised by seeds matched at a word start.
TOPIC_SEEDS = {
    "coffee": [
        "coffee", "espresso", "brew", "grinder", "french press", "pour over", "latte",
        "cappuccino", "aeropress", "moka", "chemex", "kettle", "barista", "nespresso",
    ],
    "plants": [
        "plant", "houseplant", "monstera", "pothos", "fiddle leaf", "lily", "succulent",
        "calathea", "philodendron", "grow light", "potting",
    ],
    "running": [
        "trail", "run", "ultra", "marathon", "50k", "hoka", "salomon", "western states",
        "hydration",
    ],
    "finance": [
        "freelanc", "self employ", "tax", "1099", "401k", "llc", "income", "invoice",
        "quickbooks", "schedule c", "budget",
    ],
    "seo": [
        "seo", "google", "keyword", "backlink", "meta", "title tag", "citation", "schema",
        "website", "search", "rank", "content marketing", "blogging", "linking", "landing page",
        "web vitals",
    ],
}  # fmt: skip


def topic_of(text: str) -> str:
    topics = {
        topic
        for topic, seeds in TOPIC_SEEDS.items()
        if any(re.search(rf"\b{re.escape(seed)}", text) for seed in seeds)
    }
    assert len(topics) == 1, f"{text!r} matches topics {topics}"
    return topics.pop()


def demo_rows() -> list[dict[str, str]]:
    with DEMO_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def demo_keywords() -> list[KeywordInput]:
    return [
        KeywordInput(
            id=100 + i,
            text=row["keyword"],
            volume=int(row["volume"]),
            difficulty=int(row["difficulty"]),
        )
        for i, row in enumerate(demo_rows())
    ]


@pytest.fixture
def offline() -> OfflineProvider:
    return OfflineProvider()


# --- demo data ----------------------------------------------------------------------------


def test_demo_csv_is_a_realistic_sample() -> None:
    with DEMO_CSV.open(encoding="utf-8", newline="") as f:
        # No intent column: pressrun reads each query's intent itself.
        assert f.readline().strip() == "keyword,volume,difficulty"
    rows = demo_rows()
    texts = [row["keyword"] for row in rows]
    assert 180 <= len(rows) <= 220
    assert len(set(texts)) == len(texts)
    for row in rows:
        assert row["keyword"] == row["keyword"].lower().strip()
        assert 50 <= int(row["volume"]) <= 40000
        assert 0 <= int(row["difficulty"]) <= 100
    topics = Counter(topic_of(text) for text in texts)
    assert set(topics) == set(TOPIC_SEEDS)
    assert min(topics.values()) >= 30


# --- clustering ---------------------------------------------------------------------------


async def test_provider_basics(offline: OfflineProvider) -> None:
    provider: AIProvider = offline
    assert provider.name == "offline"
    await provider.aclose()


def candidate(texts: list[str], intent: str = "informational") -> ClusterCandidate:
    return ClusterCandidate(
        id=4,
        intent=intent,
        keywords=[KeywordInput(id=i, text=t, volume=1000 - i) for i, t in enumerate(texts)],
    )


async def test_a_cluster_is_named_after_its_head_keyword(offline: OfflineProvider) -> None:
    searched = {"snake plant propagation": 5, "snake plant care": 900, "snake plant watering": 40}
    keywords = [KeywordInput(id=i, text=t, volume=v) for i, (t, v) in enumerate(searched.items())]
    group = ClusterCandidate(id=4, intent="informational", keywords=keywords)
    [naming] = await offline.name_clusters([group], model=MODEL)
    assert (naming.id, naming.name, naming.split) == (4, "Snake Plant Care", [])
    assert '"snake plant care"' in naming.description
    assert "offline" in naming.description.lower()


async def test_cluster_names_are_deterministic_and_one_per_candidate(
    offline: OfflineProvider,
) -> None:
    keywords = demo_keywords()
    candidates = [
        ClusterCandidate(id=n, intent="how_to", keywords=keywords[n * 5 : n * 5 + 5])
        for n in range(10)
    ]
    first = await offline.name_clusters(candidates, model=MODEL)
    second = await offline.name_clusters(candidates, model="another-model")
    assert [n.model_dump() for n in first] == [n.model_dump() for n in second]
    assert [n.id for n in first] == list(range(10))
    assert all(n.name.strip() and "how-to intent" in n.description for n in first)


async def test_cluster_name_edge_cases(offline: OfflineProvider) -> None:
    assert await offline.name_clusters([], model=MODEL) == []
    [single] = await offline.name_clusters([candidate(["zz plant"])], model=MODEL)
    assert single.name == "ZZ Plant"
    odd = await offline.name_clusters([candidate(["how to", "!!!", "Café crème"])], model=MODEL)
    assert odd[0].name.strip()


# --- ideas --------------------------------------------------------------------------------


CLUSTER = ClusterBrief(
    id=3,
    name="French Press",
    description="",
    keywords=["how to use a french press", "french press coffee ratio", "french press grind size"],
)


async def test_ideas_are_distinct_and_use_cluster_keywords(offline: OfflineProvider) -> None:
    ideas = await offline.generate_ideas(CLUSTER, count=8, model=MODEL)
    assert len(ideas) == 8
    assert len({idea.title.lower() for idea in ideas}) == 8
    assert len({idea.brief for idea in ideas}) == 8
    for idea in ideas:
        assert idea.target_keyword in CLUSTER.keywords
        assert idea.brief
        assert len(idea.outline) >= 4
        assert all(heading.strip() for heading in idea.outline)
    assert {idea.target_keyword for idea in ideas} == set(CLUSTER.keywords)
    again = await offline.generate_ideas(CLUSTER, count=8, model=MODEL)
    assert again == ideas


async def test_the_first_idea_takes_the_clusters_intent(offline: OfflineProvider) -> None:
    versus = ClusterBrief(
        id=5, name="Aeropress vs French Press", intent="comparison",
        keywords=["aeropress vs french press", "french press or aeropress"],
    )  # fmt: skip
    [idea] = await offline.generate_ideas(versus, count=1, model=MODEL)
    assert idea.target_keyword == "aeropress vs french press"
    assert "compar" in (idea.title + idea.brief).lower()


async def test_ideas_count_limits(offline: OfflineProvider) -> None:
    assert await offline.generate_ideas(CLUSTER, count=0, model=MODEL) == []
    one_keyword = ClusterBrief(id=1, name="Peace Lily", keywords=["peace lily care"])
    many = await offline.generate_ideas(one_keyword, count=100, model=MODEL)
    assert 5 <= len(many) < 100
    assert len({idea.title for idea in many}) == len(many)
    empty = ClusterBrief(id=2, name="Moka Pot", keywords=[])
    ideas = await offline.generate_ideas(empty, count=2, model=MODEL)
    assert [idea.target_keyword for idea in ideas] == ["Moka Pot", "Moka Pot"]


# --- articles -----------------------------------------------------------------------------


def brief(target_words: int, **changes: object) -> ArticleBrief:
    fields: dict[str, object] = {
        "task_id": 11,
        "title": "The Complete Guide to Using a French Press",
        "brief": "A beginner-friendly guide.",
        "outline": ["What a french press does", "Choosing the grind", "Brewing step by step"],
        "target_keyword": "how to use a french press",
        "keywords": ["french press coffee ratio", "french press grind size"],
        "target_words": target_words,
    }
    fields.update(changes)
    return ArticleBrief.model_validate(fields)


@pytest.mark.parametrize("target_words", [300, 800, 1200, 2500])
async def test_article_matches_brief(offline: OfflineProvider, target_words: int) -> None:
    article = await offline.write_article(brief(target_words), model=MODEL)
    body = article.body

    assert article.title == "The Complete Guide to Using a French Press"
    assert abs(count_words(body) - target_words) <= 0.15 * target_words
    assert abs(len(body.split()) - target_words) <= 0.15 * target_words
    assert body.splitlines()[0].startswith("> Draft generated offline by pressrun")
    assert "no AI model was called" in body

    h2s = re.findall(r"^## (.+)$", body, flags=re.MULTILINE)
    h3s = re.findall(r"^### (.+)$", body, flags=re.MULTILINE)
    assert h2s == brief(target_words).outline
    assert len(h3s) >= len(h2s)
    for section in re.split(r"^## .+$", body, flags=re.MULTILINE)[1:]:
        assert "\n### " in section

    assert SLUG_RE.match(article.slug)
    assert len(article.meta_description) <= 160
    assert "how to use a french press" in article.meta_description.lower()
    assert "french press grind size" in body
    assert "lorem" not in body.lower()


def prose(body: str) -> list[str]:
    """The body's paragraphs: no headings, no note."""
    return [p for p in body.split("\n\n") if p.strip() and not p.startswith(("#", ">"))]


async def test_article_follows_the_profile_it_can(offline: OfflineProvider) -> None:
    profile = WritingProfile(
        target_words_min=600, target_words_max=800, brand_name="Bean There", avoid=["coffee"]
    )
    article = await offline.write_article(brief(700, profile=profile), model=MODEL)
    body = article.body
    assert abs(count_words(body) - 700) <= 0.15 * 700
    assert body.count("Bean There") == 1
    assert all("coffee" not in p.lower() for p in prose(body))
    # English, in its own voice: the note says nothing it could not follow.
    assert body.splitlines()[0] == "> Draft generated offline by pressrun (no AI model was called)."


async def test_the_offline_note_says_what_it_cannot_follow(offline: OfflineProvider) -> None:
    profile = WritingProfile(language="pt-BR", audience="baristas", house_style="Short lines.")
    article = await offline.write_article(brief(300, profile=profile), model=MODEL)
    assert article.body.splitlines()[0] == (
        "> Draft generated offline by pressrun (no AI model was called): it writes English "
        "only, not pt-BR; it does not follow the profile's audience and house style."
    )


async def test_ideas_name_no_avoided_topic(offline: OfflineProvider) -> None:
    cluster = ClusterBrief(
        id=1,
        name="Espresso",
        keywords=["espresso grinder", "espresso machine", "espresso beans"],
        profile=WritingProfile(avoid=["machine"]),
    )
    ideas = await offline.generate_ideas(cluster, count=10, model=MODEL)
    assert ideas
    for idea in ideas:
        assert "machine" not in idea.title.lower()
        assert "machine" not in idea.brief.split("Target keyword:")[-1].split(".", 1)[-1]


@pytest.mark.parametrize("keyword", ["how to use a french press", "men\u2019s trail shoes"])
async def test_article_length_is_what_the_pipeline_counts(
    offline: OfflineProvider, keyword: str
) -> None:
    """The writer aims at `count_words` (what `word_count` stores and stage 4 bills), so it lands
    within a sentence of the target, typographic apostrophes included."""
    for target in (300, 900, 2000):
        changes = {"target_keyword": keyword, "keywords": ["kids\u2019 shoes", "french press"]}
        article = await offline.write_article(brief(target, **changes), model=MODEL)
        assert abs(count_words(article.body) - target) <= 20


async def test_article_without_outline_or_title(offline: OfflineProvider) -> None:
    article = await offline.write_article(
        brief(1000, title="", outline=[], target_keyword="snake plant care", keywords=[]),
        model=MODEL,
    )
    assert article.title == "Snake Plant Care"
    assert article.slug == "snake-plant-care"
    assert len(re.findall(r"^## ", article.body, flags=re.MULTILINE)) >= 3
    assert "### " in article.body
    assert abs(count_words(article.body) - 1000) <= 150
    assert "snake plant care" in article.meta_description.lower()


async def test_article_slug_is_ascii_and_output_deterministic(offline: OfflineProvider) -> None:
    accented = brief(600, title="Café Crème: ¿Qué tal? Über-Guide", target_keyword="café crème")
    article = await offline.write_article(accented, model=MODEL)
    assert article.slug == "cafe-creme-que-tal-uber-guide"
    assert "café crème" in article.meta_description.lower()
    assert await offline.write_article(accented, model="other") == article
    other = await offline.write_article(brief(600, task_id=12), model=MODEL)
    assert other.body != (await offline.write_article(brief(600), model=MODEL)).body


async def test_long_keyword_still_gives_a_valid_meta_description(
    offline: OfflineProvider,
) -> None:
    keyword = "how to choose " + " ".join(["very"] * 20) + " good beans"
    article = await offline.write_article(brief(400, target_keyword=keyword), model=MODEL)
    assert len(article.meta_description) <= 160
    assert keyword in article.meta_description.lower()


async def test_offline_output_is_within_the_limits_over_the_demo_keywords(
    offline: OfflineProvider,
) -> None:
    keywords = demo_keywords()
    for n in range(0, len(keywords), 5):
        group = [k.text for k in keywords[n : n + 5]]
        cluster = ClusterBrief(id=n, name=group[0], keywords=group)
        for idea in await offline.generate_ideas(cluster, count=4, model=MODEL):
            assert 0 < len(idea.title) <= TITLE_MAX
            task = brief(
                300, task_id=n, title=idea.title, outline=idea.outline, target_keyword=group[0]
            )
            article = await offline.write_article(task, model=MODEL)
            assert 0 < len(article.title) <= TITLE_MAX
            assert META_DESCRIPTION_MIN <= len(article.meta_description) <= META_DESCRIPTION_MAX
            assert article.meta_description.endswith(".")
            for prompt in await offline.image_prompts(article, in_article=3, model=MODEL):
                assert 0 < len(prompt.alt_text) <= ALT_TEXT_MAX


def sentences(body: str) -> list[str]:
    """The prose sentences of a Markdown body, normalised (lowercase, whitespace collapsed);
    headings and the offline note are not prose."""
    out: list[str] = []
    for line in body.splitlines():
        if line.strip() and not line.startswith(("#", ">")):
            parts = re.split(r"(?<=[.!?])\s+", line)
            out += [" ".join(part.lower().split()) for part in parts if part.strip()]
    return out


async def demo_articles(offline: OfflineProvider, count: int = 20) -> list[ArticleDraft]:
    """`count` articles from the demo keywords as a run writes them: five keywords to a cluster
    (spread over the whole file), its first idea as the brief, 1200 words (the default)."""
    keywords = [k.text for k in demo_keywords()]
    step = len(keywords) // count
    articles = []
    for n in range(0, step * count, step):
        group = keywords[n : n + 5]
        cluster = ClusterBrief(id=n, name=group[0], keywords=group)
        [idea] = await offline.generate_ideas(cluster, count=1, model=MODEL)
        task = ArticleBrief(
            task_id=n, title=idea.title, outline=idea.outline,
            target_keyword=idea.target_keyword, keywords=group,
        )  # fmt: skip
        articles.append(await offline.write_article(task, model=MODEL))
    return articles


@pytest.mark.parametrize("target_words", [300, 1200, 2500, 5000])
async def test_no_sentence_is_repeated_within_an_article(
    offline: OfflineProvider, target_words: int
) -> None:
    variants: list[dict[str, object]] = [
        {},
        {"keywords": []},
        {"outline": [], "target_keyword": "snake plant care"},
    ]
    for changes in variants:
        body = (await offline.write_article(brief(target_words, **changes), model=MODEL)).body
        repeated = [s for s, n in Counter(sentences(body)).items() if n > 1]
        assert repeated == []
        assert abs(count_words(body) - target_words) <= 0.15 * target_words


# A sentence in more than one article in five reads as the site's boilerplate, not as the
# article's own text.
SHARED_SENTENCE_SHARE = 0.2


async def test_few_sentences_are_shared_across_demo_articles(offline: OfflineProvider) -> None:
    articles = await demo_articles(offline)
    assert len(articles) == 20
    shared = Counter(s for article in articles for s in set(sentences(article.body)))
    worst = [(s, n) for s, n in shared.items() if n > SHARED_SENTENCE_SHARE * len(articles)]
    assert worst == []
    for article in articles:
        assert not [s for s, n in Counter(sentences(article.body)).items() if n > 1]


QUESTION_BRIEF = {
    "title": "Why Are My Tomato Leaves Yellow? A Complete Guide",
    "outline": [],
    "target_keyword": "why are my tomato leaves yellow",
    "keywords": ["how do i stop tomato blight", "what is tomato blight", "tomato plant care"],
}


@pytest.mark.parametrize("target_words", [600, 1500, 3000])
async def test_question_keywords_are_never_dropped_into_a_noun_slot(
    offline: OfflineProvider, target_words: int
) -> None:
    """A question-shaped keyword is quoted as a question or becomes a noun phrase ("how to x"
    -> "xing", "what is x" -> "x"); it never stands where a noun phrase belongs."""
    for changes in [QUESTION_BRIEF, {**QUESTION_BRIEF, "keywords": []}]:
        article = await offline.write_article(brief(target_words, **changes), model=MODEL)
        body = article.body.lower()
        assert "signs that why are my" not in body
        # Every mention of the question is the question as asked, in quotes or as an H3.
        for line in article.body.splitlines():
            for asked in ["why are my tomato leaves yellow", "how do i stop", "what is tomato"]:
                for match in re.finditer(asked, line, re.IGNORECASE):
                    before = line[: match.start()]
                    assert before.endswith('"') or (line.startswith("### ") and not before[4:])
        assert "stopping tomato blight" in body or not changes["keywords"]
        assert not re.search(r"\b(?:looking at|about) a closer look", body)
    for keyword in ["how to brew iced coffee", "quick iced coffee", "why is my coffee bitter"]:
        for task_id in range(40):
            task = brief(900, task_id=task_id, outline=[], target_keyword=keyword, keywords=[])
            article = await offline.write_article(task, model=MODEL)
            body = article.body.lower()
            assert "looking at a closer look" not in body
            assert "signs that why" not in body
            assert "signs that how" not in body


async def test_question_keywords_give_ideas_that_read(offline: OfflineProvider) -> None:
    cluster = ClusterBrief(id=7, name="Tomato Leaves", keywords=["why are my tomato leaves yellow"])
    ideas = await offline.generate_ideas(cluster, count=4, model=MODEL)
    assert ideas[0].title == "Why Are My Tomato Leaves Yellow? A Complete Guide"
    for idea in ideas:
        assert idea.title.startswith("Why Are My Tomato Leaves Yellow?")
        assert not any("why are my" in h.lower() for h in idea.outline)


async def test_the_text_stays_on_the_briefs_own_topic(offline: OfflineProvider) -> None:
    """Keywords of a bad cluster that share nothing with the target keyword (or only a word
    like "home") are left out; no keyword from outside the brief ever appears."""
    demo = {k.text for k in demo_keywords()}
    mixed = ["composting at home", "iced coffee at home", "compost bin ideas", "best running shoes"]
    task = brief(
        1200, title="Composting at Home", outline=[], target_keyword=mixed[0], keywords=mixed
    )
    body = (await offline.write_article(task, model=MODEL)).body.lower()
    assert "compost bin ideas" in body
    assert "iced coffee" not in body and "running shoes" not in body
    for article in await demo_articles(offline):
        text = article.body.lower()
        own = set()
        for keyword in demo:
            if keyword in text:
                own.add(keyword)
        assert own, article.title
    # Every demo keyword an article mentions is one of its brief's.
    keywords = [k.text for k in demo_keywords()]
    for n in range(0, 200, 10):
        group = keywords[n : n + 5]
        cluster = ClusterBrief(id=n, name=group[0], keywords=group)
        [idea] = await offline.generate_ideas(cluster, count=1, model=MODEL)
        task = ArticleBrief(
            task_id=n, title=idea.title, outline=idea.outline,
            target_keyword=idea.target_keyword, keywords=group,
        )  # fmt: skip
        text = (await offline.write_article(task, model=MODEL)).body.lower()
        foreign = [
            k for k in keywords if k not in group and re.search(rf"\b{re.escape(k)}\b", text)
        ]
        assert all(any(k in g for g in group) for k in foreign), foreign


# --- image prompts ------------------------------------------------------------------------


async def test_image_prompts_follow_the_article(offline: OfflineProvider) -> None:
    article = await offline.write_article(brief(1200), model=MODEL)
    prompts = await offline.image_prompts(article, in_article=3, model=MODEL)

    assert [p.kind for p in prompts] == ["featured", "in_article", "in_article", "in_article"]
    h2s = re.findall(r"^## (.+)$", article.body, flags=re.MULTILINE)
    for prompt, heading in zip(prompts[1:], h2s, strict=True):
        assert heading in prompt.prompt
    assert article.title in prompts[0].prompt
    for prompt in prompts:
        assert 0 < len(prompt.alt_text) <= 125
        assert len(prompt.alt_text.split()) >= 3
    assert len({p.prompt for p in prompts}) == len(prompts)


async def test_image_prompt_counts(offline: OfflineProvider) -> None:
    article = await offline.write_article(brief(800), model=MODEL)
    only_featured = await offline.image_prompts(article, in_article=0, model=MODEL)
    assert [p.kind for p in only_featured] == ["featured"]
    many = await offline.image_prompts(article, in_article=7, model=MODEL)
    assert len(many) == 8
    assert [p.kind for p in many[1:]] == ["in_article"] * 7

    bare = ArticleDraft(title="Notes", body="Just text.", meta_description="", slug="notes")
    prompts = await offline.image_prompts(bare, in_article=2, model=MODEL)
    assert [p.kind for p in prompts] == ["featured", "in_article", "in_article"]


# --- images -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "expected"), [("1024x1024", (1024, 1024)), ("640X360", (640, 360))]
)
async def test_generated_image_is_a_png_of_the_requested_size(
    offline: OfflineProvider, size: str, expected: tuple[int, int]
) -> None:
    image = await offline.generate_image(
        "A french press on a kitchen table", model=MODEL, size=size
    )
    assert image.mime_type == "image/png"
    assert (image.width, image.height) == expected
    decoded = Image.open(io.BytesIO(image.data))
    assert decoded.format == "PNG"
    assert decoded.size == expected
    decoded.load()
    # A picture, not a blank: the banded sky, the sun and the hills.
    assert len(decoded.convert("RGB").getcolors(maxcolors=1 << 20) or []) >= 8


async def test_generated_image_depends_only_on_the_prompt(offline: OfflineProvider) -> None:
    first = await offline.generate_image("snake plant", model="a", size="256x256")
    again = await offline.generate_image("snake plant", model="b", size="256x256")
    other = await offline.generate_image("trail running shoes", model="a", size="256x256")
    assert first.data == again.data
    assert first.data != other.data
    tiny = await offline.generate_image("x " * 500, model="a", size="16x16")
    assert Image.open(io.BytesIO(tiny.data)).size == (16, 16)


# A 1024x1024 illustration of flat areas in a palette PNG: 64 KiB is under a tenth of what an
# 8-bit RGB PNG with detail takes (about 200 KiB for the old title cards) and leaves room for a
# few times the current ~12 KiB.
IMAGE_BYTES_MAX = 64 * 1024


async def test_generated_image_is_a_small_illustration_without_text(
    offline: OfflineProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No prompt text is drawn: rendering never touches a font or text drawing (they fail if
    called), two prompts give two pictures, the same prompt the same bytes, and the PNG stays
    small."""
    from PIL import ImageDraw, ImageFont

    def no_text(*args: object, **kwargs: object) -> None:
        raise AssertionError("the offline illustration draws no text")

    for name in ("load_default", "truetype", "load"):
        monkeypatch.setattr(ImageFont, name, no_text)
    monkeypatch.setattr(ImageDraw.ImageDraw, "text", no_text)
    prompts = [
        'Featured image for an article titled "Why Are My Tomato Leaves Yellow?"',
        'Featured image for an article titled "The Complete Guide to Using a French Press"',
    ]
    images = [await offline.generate_image(p, model=MODEL, size="1024x1024") for p in prompts]
    again = await offline.generate_image(prompts[0], model="other", size="1024x1024")
    assert images[0].data == again.data
    assert images[0].data != images[1].data
    for image in images:
        decoded = Image.open(io.BytesIO(image.data))
        assert decoded.size == (image.width, image.height) == (1024, 1024)
        assert image.mime_type == "image/png"
        assert len(image.data) <= IMAGE_BYTES_MAX
    wide = await offline.generate_image(prompts[0], model=MODEL, size="1536x640")
    assert Image.open(io.BytesIO(wide.data)).size == (1536, 640)


async def test_image_alt_text_describes_an_illustration(offline: OfflineProvider) -> None:
    """What the offline provider draws is an abstract illustration, so that is what the alt
    text says, never a photo."""
    for target_words in (300, 1200):
        article = await offline.write_article(brief(target_words), model=MODEL)
        prompts = await offline.image_prompts(article, in_article=5, model=MODEL)
        for prompt in prompts:
            assert "illustration" in prompt.alt_text.lower()
            assert "photo" not in prompt.alt_text.lower()
            assert "photo" not in prompt.prompt.lower()
            assert 0 < len(prompt.alt_text) <= ALT_TEXT_MAX


@pytest.mark.parametrize(
    "size", ["", "1024", "axb", "1024x", "0x0", "10x10", "1024x1024x3", "99999x10", "-5x10"]
)
async def test_bad_image_size_is_an_item_error(offline: OfflineProvider, size: str) -> None:
    with pytest.raises(AIItemError):
        await offline.generate_image("prompt", model=MODEL, size=size)


# --- imports ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "module", ["pressrun.clustering.names", "pressrun.embeddings.lexical", "pressrun.ai.offline"]
)
def test_each_user_of_the_text_helpers_imports_first(module: str) -> None:
    """Offline naming needs pressrun.clustering.names, which needs the text helpers: they stay
    outside the offline package, so no import order meets a half-initialised module."""
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Short enough", 20, "Short enough"),
        ("A cup of tea and a biscuit", 12, "A cup of tea"),
        ("A cup of tea and a biscuit", 16, "A cup of tea"),
        ("Brewing at home: tips, tricks (and more)", 22, "Brewing at home: tips"),
        ("Grinders — burr or blade", 12, "Grinders"),
        ("Supercalifragilistic", 5, "Super"),
    ],
)
def test_fit_cuts_at_a_word_boundary_without_dangling_tails(
    text: str, limit: int, expected: str
) -> None:
    assert fit(text, limit) == expected
