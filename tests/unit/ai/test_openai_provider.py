"""The OpenAI provider against a local OpenAI-compatible server: shapes, repair, error mapping."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from pressrun.ai.base import (
    ALT_TEXT_MAX,
    META_DESCRIPTION_MAX,
    META_DESCRIPTION_MIN,
    TITLE_MAX,
    AIItemError,
    AIRetryableError,
    ArticleBrief,
    ArticleDraft,
    ClusterBrief,
    ClusterCandidate,
    KeywordInput,
    WritingProfile,
)
from pressrun.ai.openai_provider import OpenAIProvider
from tests.fakes.openai_server import (
    Behaviour,
    Content,
    Delay,
    Disconnect,
    FakeOpenAIServer,
    ImageURL,
    MalformedBody,
    MalformedJSON,
    Mutate,
    RecordedRequest,
    Refusal,
    Respond429,
    Respond500,
    Route,
    Status,
)

API_KEY = "sk-test-4f9c2b7e1a0d4c3b8e6f5a2d9c1b0e7f"
MODEL = "gpt-4.1-nano"

CANDIDATES = [
    ClusterCandidate(
        id=0,
        intent="roundup",
        keywords=[
            KeywordInput(id=12, text="best coffee beans", volume=1200),
            KeywordInput(id=11, text="top rated coffee beans", volume=900),
        ],
    ),
    ClusterCandidate(
        id=1,
        intent="how_to",
        keywords=[
            KeywordInput(id=13, text="how to brew tea", volume=500),
            KeywordInput(id=14, text="best tea pot", volume=400),
        ],
    ),
    ClusterCandidate(id=2, intent="informational", keywords=[KeywordInput(id=15, text="espresso")]),
]

ARTICLE = ArticleDraft(
    title="How to brew espresso at home",
    body=(
        "Intro.\n\n## Choosing beans\n\nText.\n\n### Roast level\n\nText.\n\n## Dialing in\n\nText."
    ),
    meta_description="Brew cafe-quality espresso at home.",
    slug="how-to-brew-espresso-at-home",
)


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


@pytest.fixture
async def provider(server: FakeOpenAIServer) -> AsyncIterator[OpenAIProvider]:
    ai = OpenAIProvider(api_key=API_KEY, base_url=server.base_url, timeout=5)
    yield ai
    await ai.aclose()


# Happy paths


async def test_name_clusters_sends_candidates_and_reads_names(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    namings = await provider.name_clusters(CANDIDATES, model=MODEL)

    assert [(n.id, n.name, n.split) for n in namings] == [
        (0, "Best Coffee Beans", []),
        (1, "How To Brew Tea", []),
        (2, "Espresso", []),
    ]
    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.body["model"] == MODEL
    response_format = request.body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "cluster_names"
    assert response_format["json_schema"]["strict"] is True
    assert response_format["json_schema"]["schema"]["additionalProperties"] is False
    assert [m["role"] for m in request.messages] == ["system", "user"]
    sent = request.input["clusters"]
    assert [(c["id"], c["intent"]) for c in sent] == [
        (0, "roundup"),
        (1, "how_to"),
        (2, "informational"),
    ]
    assert [k["id"] for k in sent[0]["keywords"]] == [12, 11]


async def test_name_clusters_without_candidates_makes_no_call(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    assert await provider.name_clusters([], model=MODEL) == []
    assert server.requests == []


async def test_a_split_is_passed_on(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    def split(content: dict[str, Any], _: RecordedRequest) -> None:
        content["clusters"][1]["split"] = [[13], [14]]

    server.script("chat", Mutate(split))
    namings = await provider.name_clusters(CANDIDATES, model=MODEL)
    assert {n.id: n.split for n in namings}[1] == [[13], [14]]


async def test_embed_returns_vectors_in_order(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    vectors = await provider.embed(["coffee beans", "tea pot", "coffee beans"], model="emb-1")
    assert len(vectors) == 3 and vectors[0] == vectors[2] and vectors[0] != vectors[1]
    (request,) = server.requests_to("embeddings")
    assert request.body["model"] == "emb-1"
    assert request.embedding_inputs == ["coffee beans", "tea pot", "coffee beans"]


async def test_embed_maps_errors_like_every_call(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    server.script("embeddings", Respond429(retry_after=2), Respond500(), Status(400, "bad input"))
    with pytest.raises(AIRetryableError) as caught:
        await provider.embed(["a"], model="emb-1")
    assert caught.value.retry_after == 2
    with pytest.raises(AIRetryableError, match="500"):
        await provider.embed(["a"], model="emb-1")
    with pytest.raises(AIItemError, match="bad input"):
        await provider.embed(["a"], model="emb-1")
    assert await provider.embed([], model="emb-1") == []


async def test_generate_ideas(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    cluster = ClusterBrief(id=1, name="Coffee gear", keywords=["coffee grinder", "coffee beans"])

    ideas = await provider.generate_ideas(cluster, count=3, model=MODEL)

    assert len(ideas) == 3
    assert all(i.title and i.outline for i in ideas)
    assert {i.target_keyword for i in ideas} <= {"coffee grinder", "coffee beans"}
    assert server.requests[0].input["count"] == 3
    assert server.requests[0].schema_name == "ideas"


async def test_generate_ideas_keeps_at_most_count(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    server.script("chat", Mutate(lambda content, _: content["ideas"].extend(content["ideas"])))
    cluster = ClusterBrief(id=1, name="Tea", keywords=["tea pot"])

    ideas = await provider.generate_ideas(cluster, count=2, model=MODEL)

    assert len(ideas) == 2


async def test_write_article(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    brief = ArticleBrief(
        task_id=7,
        title="Best coffee grinders for beginners",
        outline=["Burr or blade", "Budget picks"],
        target_keyword="coffee grinder",
        target_words=400,
    )

    draft = await provider.write_article(brief, model=MODEL)

    assert draft.title == "Best coffee grinders for beginners"
    assert draft.slug == "best-coffee-grinders-for-beginners"
    assert "## Burr or blade" in draft.body
    assert server.requests[0].schema_name == "article"
    assert server.requests[0].input["target_words"] == 400


async def test_write_article_normalises_a_sloppy_slug(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    server.script("chat", Mutate(lambda content, _: content.update(slug="  Best Grinders, 2025!")))
    brief = ArticleBrief(task_id=1, title="Best grinders")

    draft = await provider.write_article(brief, model=MODEL)

    assert draft.slug == "best-grinders-2025"
    assert len(server.requests) == 1


async def test_image_prompts_one_featured_then_in_article(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    drafts = await provider.image_prompts(ARTICLE, in_article=2, model=MODEL)

    assert [d.kind for d in drafts] == ["featured", "in_article", "in_article"]
    assert all(d.prompt and d.alt_text for d in drafts)
    sent = server.requests[0].input
    assert sent["in_article"] == 2
    assert sent["article"]["headings"] == ["Choosing beans", "Roast level", "Dialing in"]


async def test_image_prompts_with_too_few_in_article_prompts_are_repaired(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    server.script("chat", Mutate(lambda content, _: content["prompts"].pop()))

    drafts = await provider.image_prompts(ARTICLE, in_article=2, model=MODEL)

    assert len(drafts) == 3
    assert len(server.requests) == 2


PROFILE = WritingProfile(
    language="pt-BR",
    audience="home baristas on a budget",
    tone="dry, exact",
    point_of_view="first_person_plural",
    target_words_min=600,
    target_words_max=800,
    brand_name="Bean There",
    avoid=["medical claims", "caffeine pills"],
    house_style="Metric units only.",
)


async def test_every_text_prompt_carries_the_content_profile(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    cluster = ClusterBrief(id=1, name="Coffee", keywords=["coffee grinder"], profile=PROFILE)
    await provider.generate_ideas(cluster, count=1, model=MODEL)
    brief = ArticleBrief(task_id=1, title="Grinders", target_words=700, profile=PROFILE)
    await provider.write_article(brief, model=MODEL)
    await provider.image_prompts(ARTICLE, in_article=1, model=MODEL, profile=PROFILE)

    ideas, article, images = server.requests
    for request in (ideas, article, images):
        system = request.messages[0]["content"]
        assert "write in pt-BR" in system
        assert "Audience: home baristas on a budget" in system
        assert "Tone and voice: dry, exact" in system
        assert 'first person plural ("we")' in system
        assert "the site is Bean There" in system
        assert '"medical claims"; "caffeine pills"' in system
        assert "House style: Metric units only." in system
    assert "Length: 600 to 800 words." in article.messages[0]["content"]
    sent = article.input
    assert (sent["target_words"], sent["target_words_min"], sent["target_words_max"]) == (
        700,
        600,
        800,
    )


async def test_the_default_profile_asks_for_english_in_the_second_person(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    await provider.write_article(ArticleBrief(task_id=1, title="Tea"), model=MODEL)
    system = server.requests[0].messages[0]["content"]
    assert "write in en (BCP 47)" in system and 'addressing the reader as "you"' in system
    assert "Brand:" not in system and "Never write about" not in system


# Output limits: long fields are cut, short meta descriptions asked for again


LONG_WORDS = " ".join(f"word{i}" for i in range(60))


def assert_cut_at_a_word_boundary(text: str, original: str, limit: int) -> None:
    assert 0 < len(text) <= limit
    assert original.startswith(text)
    assert original[len(text)] == " "


async def test_the_limits_are_in_the_prompts_and_the_schemas(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    await provider.write_article(ArticleBrief(task_id=1, title="Tea"), model=MODEL)
    await provider.image_prompts(ARTICLE, in_article=1, model=MODEL)

    article, images = server.requests
    properties = article.body["response_format"]["json_schema"]["schema"]["properties"]
    meta = f"{META_DESCRIPTION_MIN} to {META_DESCRIPTION_MAX} characters"
    assert meta in properties["meta_description"]["description"]
    assert str(TITLE_MAX) in properties["title"]["description"]
    assert meta in article.messages[0]["content"]
    prompt_schema = images.body["response_format"]["json_schema"]["schema"]
    alt_text = prompt_schema["properties"]["prompts"]["items"]["properties"]["alt_text"]
    assert str(ALT_TEXT_MAX) in alt_text["description"]
    assert f"at most {ALT_TEXT_MAX} characters" in images.messages[0]["content"]


async def test_a_long_alt_text_is_cut_and_the_other_prompts_kept(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    long_alt = "A barista pouring steamed milk, " + LONG_WORDS

    def lengthen(content: dict[str, Any], _: RecordedRequest) -> None:
        content["prompts"][1]["alt_text"] = long_alt

    server.script("chat", Mutate(lengthen))
    drafts = await provider.image_prompts(ARTICLE, in_article=2, model=MODEL)

    assert [d.kind for d in drafts] == ["featured", "in_article", "in_article"]
    assert_cut_at_a_word_boundary(drafts[1].alt_text, long_alt, ALT_TEXT_MAX)
    assert drafts[0].alt_text == "Illustration for How to brew espresso at home"
    assert drafts[2].alt_text == "Scene showing Roast level"
    assert len(server.requests) == 1


async def test_an_invalid_prompt_is_dropped_when_enough_valid_ones_remain(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    def spoil(content: dict[str, Any], _: RecordedRequest) -> None:
        content["prompts"].insert(1, {"kind": "in_article", "prompt": "", "alt_text": ""})

    server.script("chat", Mutate(spoil))
    drafts = await provider.image_prompts(ARTICLE, in_article=2, model=MODEL)

    assert [d.alt_text for d in drafts[1:]] == [
        "Scene showing Choosing beans",
        "Scene showing Roast level",
    ]
    assert len(server.requests) == 1


async def test_a_long_meta_description_is_cut_on_a_word_boundary(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    long_meta = "Brew better espresso at home, " + LONG_WORDS
    server.script("chat", Mutate(lambda content, _: content.update(meta_description=long_meta)))

    draft = await provider.write_article(ArticleBrief(task_id=1, title="Tea"), model=MODEL)

    assert_cut_at_a_word_boundary(draft.meta_description, long_meta, META_DESCRIPTION_MAX)
    assert len(server.requests) == 1


async def test_a_short_meta_description_is_asked_for_once_then_kept(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    short = Mutate(lambda content, _: content.update(meta_description="Brew better tea."))
    server.script("chat", short, short)

    draft = await provider.write_article(ArticleBrief(task_id=1, title="Tea"), model=MODEL)

    assert draft.meta_description == "Brew better tea."
    _, repair = server.requests
    assert "meta_description" in repair.messages[-1]["content"]
    assert str(META_DESCRIPTION_MIN) in repair.messages[-1]["content"]


async def test_a_short_meta_description_is_replaced_by_the_repaired_one(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    server.script("chat", Mutate(lambda content, _: content.update(meta_description="Short.")))

    draft = await provider.write_article(ArticleBrief(task_id=1, title="Tea"), model=MODEL)

    assert len(draft.meta_description) >= META_DESCRIPTION_MIN
    assert len(server.requests) == 2


async def test_a_short_meta_description_survives_an_invalid_repair(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    short = Mutate(lambda content, _: content.update(meta_description="Brew better tea."))
    server.script("chat", short, MalformedJSON())

    draft = await provider.write_article(ArticleBrief(task_id=1, title="Tea"), model=MODEL)

    assert draft.meta_description == "Brew better tea."
    assert len(server.requests) == 2


async def test_an_empty_meta_description_fails_the_item_after_one_repair(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    empty = Mutate(lambda content, _: content.update(meta_description="  "))
    server.script("chat", empty, empty)

    with pytest.raises(AIItemError, match="meta_description"):
        await provider.write_article(ArticleBrief(task_id=1, title="Tea"), model=MODEL)

    assert len(server.requests) == 2


async def test_titles_over_the_limit_are_cut(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    long_title = "The complete guide to brewing tea, " + LONG_WORDS
    server.script(
        "chat",
        Mutate(lambda content, _: content["ideas"][0].update(title=long_title)),
        Mutate(lambda content, _: content.update(title=long_title)),
    )
    cluster = ClusterBrief(id=1, name="Tea", keywords=["tea pot"])

    ideas = await provider.generate_ideas(cluster, count=2, model=MODEL)
    draft = await provider.write_article(ArticleBrief(task_id=1, title="Tea"), model=MODEL)

    assert len(ideas) == 2
    assert_cut_at_a_word_boundary(ideas[0].title, long_title, TITLE_MAX)
    assert ideas[1].title == "Tea: practical guide 2"
    assert_cut_at_a_word_boundary(draft.title, long_title, TITLE_MAX)
    assert len(server.requests) == 2


async def test_generate_image_returns_png_bytes_and_size(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    image = await provider.generate_image("a cup of coffee", model="gpt-image-1", size="512x384")

    assert image.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert image.mime_type == "image/png"
    assert (image.width, image.height) == (512, 384)
    (request,) = server.requests
    assert request.path == "/v1/images/generations"
    assert request.body["model"] == "gpt-image-1"
    assert request.body["prompt"] == "a cup of coffee"
    assert request.body["size"] == "512x384"
    assert request.body["n"] == 1
    assert "response_format" not in request.body


async def test_generate_image_url_response_is_an_item_error(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    server.script("images", ImageURL())

    with pytest.raises(AIItemError, match="URL responses are not supported"):
        await provider.generate_image("a cup", model="dall-e-3", size="1024x1024")


def test_name() -> None:
    assert OpenAIProvider(api_key=API_KEY, base_url=None, timeout=1).name == "openai"


# Transport: authentication and no SDK retries


async def test_authorization_header_carries_the_key(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    await provider.generate_ideas(
        ClusterBrief(id=1, name="T", keywords=["t"]), count=1, model=MODEL
    )

    assert server.requests[0].headers["authorization"] == f"Bearer {API_KEY}"


async def test_500_is_retryable_and_sent_exactly_once(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    server.script("chat", Respond500())

    with pytest.raises(AIRetryableError, match="500"):
        await provider.name_clusters(CANDIDATES, model=MODEL)

    assert len(server.requests) == 1


@pytest.mark.parametrize("route", ["chat", "images", "embeddings"])
async def test_a_truncated_body_is_retryable(
    provider: OpenAIProvider, server: FakeOpenAIServer, route: Route
) -> None:
    server.script(route, MalformedBody())
    with pytest.raises(AIRetryableError, match="truncated response body"):
        if route == "chat":
            await provider.name_clusters(CANDIDATES, model=MODEL)
        elif route == "images":
            await provider.generate_image("a teapot", model="img-1", size="256x256")
        else:
            await provider.embed(["a"], model="emb-1")
    assert len(server.requests) == 1


async def test_429_carries_retry_after_seconds(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    server.script("chat", Respond429(retry_after=7))

    with pytest.raises(AIRetryableError) as caught:
        await provider.write_article(ArticleBrief(task_id=1, title="T"), model=MODEL)

    assert caught.value.retry_after == 7
    assert len(server.requests) == 1


async def test_429_retry_after_ms_header(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    server.script("chat", Respond429(retry_after_ms=1500))

    with pytest.raises(AIRetryableError) as caught:
        await provider.write_article(ArticleBrief(task_id=1, title="T"), model=MODEL)

    assert caught.value.retry_after == 1.5


async def test_429_retry_after_http_date(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    server.script("chat", Respond429(retry_after=when))

    with pytest.raises(AIRetryableError) as caught:
        await provider.write_article(ArticleBrief(task_id=1, title="T"), model=MODEL)

    assert caught.value.retry_after is not None
    assert 25 <= caught.value.retry_after <= 30


async def test_429_without_retry_after(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    server.script("chat", Respond429())

    with pytest.raises(AIRetryableError) as caught:
        await provider.write_article(ArticleBrief(task_id=1, title="T"), model=MODEL)

    assert caught.value.retry_after is None


@pytest.mark.parametrize("status", [408, 409, 502, 503, 504])
async def test_transient_statuses_are_retryable(
    provider: OpenAIProvider, server: FakeOpenAIServer, status: int
) -> None:
    server.script("images", Status(status, "try later"))

    with pytest.raises(AIRetryableError, match=str(status)):
        await provider.generate_image("p", model="gpt-image-1", size="1024x1024")

    assert len(server.requests) == 1


async def test_503_with_retry_after(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    server.script("chat", Status(503, "overloaded", headers={"Retry-After": "3"}))

    with pytest.raises(AIRetryableError) as caught:
        await provider.name_clusters(CANDIDATES, model=MODEL)

    assert caught.value.retry_after == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_other_4xx_are_item_errors_with_status_and_message(
    provider: OpenAIProvider, server: FakeOpenAIServer, status: int
) -> None:
    server.script("chat", Status(status, "Invalid value for 'model'"))

    with pytest.raises(AIItemError) as caught:
        await provider.name_clusters(CANDIDATES, model=MODEL)

    assert str(status) in str(caught.value)
    assert "Invalid value for 'model'" in str(caught.value)
    assert len(server.requests) == 1


async def test_timeout_is_retryable(server: FakeOpenAIServer) -> None:
    ai = OpenAIProvider(api_key=API_KEY, base_url=server.base_url, timeout=0.5)
    server.script("chat", Delay(2))
    started = time.monotonic()
    try:
        with pytest.raises(AIRetryableError, match="timed out"):
            await ai.write_article(ArticleBrief(task_id=1, title="T"), model=MODEL)
    finally:
        await ai.aclose()

    assert time.monotonic() - started < 1.9
    assert len(server.requests) == 1


async def test_dropped_connection_is_retryable(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    server.script("chat", Disconnect())

    with pytest.raises(AIRetryableError):
        await provider.write_article(ArticleBrief(task_id=1, title="T"), model=MODEL)


async def test_unreachable_server_is_retryable() -> None:
    with FakeOpenAIServer() as fake:
        base_url = fake.base_url
    ai = OpenAIProvider(api_key=API_KEY, base_url=base_url, timeout=2)
    try:
        with pytest.raises(AIRetryableError, match="could not reach"):
            await ai.write_article(ArticleBrief(task_id=1, title="T"), model=MODEL)
    finally:
        await ai.aclose()


# Repair: exactly one extra round-trip


async def test_malformed_json_once_is_repaired(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    server.script("chat", MalformedJSON())

    draft = await provider.write_article(ArticleBrief(task_id=1, title="Grinders"), model=MODEL)

    assert draft.title == "Grinders"
    first, second = server.requests
    assert [m["role"] for m in second.messages] == ["system", "user", "assistant", "user"]
    assert second.messages[:2] == first.messages
    assert second.messages[2]["content"] == MalformedJSON().content
    assert "not valid JSON" in second.messages[3]["content"]
    assert second.body["response_format"] == first.body["response_format"]


async def test_malformed_json_twice_is_an_item_error(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    server.script("chat", MalformedJSON(), MalformedJSON())

    with pytest.raises(AIItemError, match="still invalid after one repair"):
        await provider.write_article(ArticleBrief(task_id=1, title="T"), model=MODEL)

    assert len(server.requests) == 2


async def test_schema_violation_is_repaired(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    server.script("chat", Content({"title": "T", "body": "", "meta_description": "d", "slug": "t"}))

    draft = await provider.write_article(ArticleBrief(task_id=1, title="T"), model=MODEL)

    assert draft.body
    assert "body" in server.requests[1].messages[3]["content"]


async def test_names_left_out_or_invalid_are_dropped_not_failed(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    def damage(content: dict[str, Any], _: RecordedRequest) -> None:
        content["clusters"][0]["name"] = ""
        content["clusters"][1]["id"] = 999
        content["clusters"].append(dict(content["clusters"][2]))

    server.script("chat", Mutate(damage))
    namings = await provider.name_clusters(CANDIDATES, model=MODEL)
    # One answer, no repair: what is usable is kept, the caller names the rest.
    assert [n.id for n in namings] == [2]
    assert len(server.requests) == 1


async def test_a_reply_with_no_usable_name_is_repaired_then_an_item_error(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    def nothing(content: dict[str, Any], _: RecordedRequest) -> None:
        content["clusters"] = []

    server.script("chat", Mutate(nothing))
    namings = await provider.name_clusters(CANDIDATES, model=MODEL)
    assert len(namings) == 3 and len(server.requests) == 2
    server.reset()
    server.script("chat", Mutate(nothing), Mutate(nothing))
    with pytest.raises(AIItemError, match="no cluster in the reply"):
        await provider.name_clusters(CANDIDATES, model=MODEL)


async def test_refusal_is_an_item_error_without_repair(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    server.script("chat", Refusal("I can't write that."))

    with pytest.raises(AIItemError, match="refused"):
        await provider.write_article(ArticleBrief(task_id=1, title="T"), model=MODEL)

    assert len(server.requests) == 1


async def test_error_during_repair_keeps_its_kind(
    provider: OpenAIProvider, server: FakeOpenAIServer
) -> None:
    server.script("chat", MalformedJSON(), Respond429(retry_after=2))

    with pytest.raises(AIRetryableError) as caught:
        await provider.write_article(ArticleBrief(task_id=1, title="T"), model=MODEL)

    assert caught.value.retry_after == 2


# Secrets


@pytest.mark.parametrize(
    "behaviour",
    [
        Status(401, f"Incorrect API key provided: {API_KEY}.", code="invalid_api_key"),
        Status(500, f"upstream rejected key {API_KEY}"),
        Respond429(message=f"quota exceeded for {API_KEY}"),
    ],
)
async def test_the_key_never_appears_in_errors(
    provider: OpenAIProvider, server: FakeOpenAIServer, behaviour: Behaviour
) -> None:
    server.script("chat", behaviour)

    with pytest.raises((AIItemError, AIRetryableError)) as caught:
        await provider.write_article(ArticleBrief(task_id=1, title="T"), model=MODEL)

    formatted = "".join(traceback.format_exception(caught.value))
    assert API_KEY not in formatted
    assert API_KEY[:12] not in formatted
    assert caught.value.__cause__ is None


async def test_the_key_never_appears_after_a_failed_repair(server: FakeOpenAIServer) -> None:
    ai = OpenAIProvider(api_key=API_KEY, base_url=server.base_url, timeout=5)
    server.script("chat", MalformedJSON(API_KEY), MalformedJSON(API_KEY))
    try:
        with pytest.raises(AIItemError) as caught:
            await ai.write_article(ArticleBrief(task_id=1, title="T"), model=MODEL)
    finally:
        await ai.aclose()

    assert API_KEY not in str(caught.value)


# The fake server itself, from synchronous code


def test_fake_server_answers_plain_http_and_records_requests() -> None:
    with FakeOpenAIServer() as fake:
        body = {
            "model": "m",
            "messages": [{"role": "user", "content": json.dumps({"count": 2, "cluster": {}})}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "ideas"}},
        }
        request = urllib.request.Request(
            f"{fake.base_url}/chat/completions",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": "Bearer k"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            reply = json.load(response)
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{fake.base_url}/nothing", timeout=5)

        assert reply["object"] == "chat.completion"
        assert len(json.loads(reply["choices"][0]["message"]["content"])["ideas"]) == 2
        assert missing.value.code == 404
        assert [r.route for r in fake.requests] == ["chat", None]
        assert fake.requests[0].headers["authorization"] == "Bearer k"


def test_fake_server_latency_and_clean_stop_during_a_delay() -> None:
    fake = FakeOpenAIServer(latency_seconds=0.2).start()
    started = time.monotonic()
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{fake.base_url}/models", timeout=5)
    assert time.monotonic() - started >= 0.2

    fake.script("chat", Delay(30))
    waiting = threading.Thread(target=_post_quietly, args=(f"{fake.base_url}/chat/completions",))
    waiting.start()
    while not fake.requests_to("chat"):
        time.sleep(0.01)
    stopping = time.monotonic()
    fake.stop()
    waiting.join(timeout=5)

    assert time.monotonic() - stopping < 2
    assert not waiting.is_alive()


def _post_quietly(url: str) -> None:
    request = urllib.request.Request(url, data=b"{}", headers={"Content-Type": "application/json"})
    with contextlib.suppress(urllib.error.URLError, OSError):
        urllib.request.urlopen(request, timeout=10).close()
