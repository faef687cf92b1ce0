"""The fake OpenAI server's embeddings route and cluster_names builder, via the real SDK."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

import openai
import pytest

from tests.fakes.openai_server import (
    FakeOpenAIServer,
    Respond429,
    Respond500,
    hashed_embedding,
)

MODEL = "text-embedding-3-small"


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


def _client(server: FakeOpenAIServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="test", max_retries=0)


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_embeddings_in_order_unit_length_and_deterministic(server: FakeOpenAIServer) -> None:
    texts = ["best running shoes", "running shoes for women", "best running shoes"]
    response = _client(server).embeddings.create(model=MODEL, input=texts)

    assert response.object == "list"
    assert response.model == MODEL
    assert [item.index for item in response.data] == [0, 1, 2]
    vectors = [item.embedding for item in response.data]
    assert all(len(v) == 64 and math.isclose(math.hypot(*v), 1.0, rel_tol=1e-5) for v in vectors)
    assert vectors[0] == vectors[2]
    # The SDK asked for base64 float32 and decoded it, so floats match to float32 precision.
    assert server.requests_to("embeddings")[0].body["encoding_format"] == "base64"
    assert vectors[1] == pytest.approx(hashed_embedding([texts[1]])[0], abs=1e-6)
    unrelated = hashed_embedding(["chocolate cake recipe"])[0]
    assert _cosine(vectors[0], vectors[1]) > _cosine(vectors[0], unrelated)
    assert response.usage.prompt_tokens == response.usage.total_tokens > 0


def test_float_format_and_single_string(server: FakeOpenAIServer) -> None:
    response = _client(server).embeddings.create(
        model=MODEL, input="hello world", encoding_format="float", dimensions=8
    )

    assert len(response.data) == 1
    assert len(response.data[0].embedding) == 8
    assert math.isclose(math.hypot(*response.data[0].embedding), 1.0)
    assert server.requests_to("embeddings")[0].embedding_inputs == ["hello world"]


def test_scripted_429_then_500_then_normal_answer(server: FakeOpenAIServer) -> None:
    server.script("embeddings", Respond429(retry_after=1), Respond500())
    client = _client(server)

    with pytest.raises(openai.RateLimitError):
        client.embeddings.create(model=MODEL, input=["a"])
    with pytest.raises(openai.InternalServerError):
        client.embeddings.create(model=MODEL, input=["a"])
    assert len(client.embeddings.create(model=MODEL, input=["a"]).data) == 1
    assert len(server.requests_to("embeddings")) == 3
    assert server.pending("embeddings") == 0


def test_injected_embed_function_is_used() -> None:
    seen: list[list[str]] = []

    def embed(texts: list[str]) -> list[list[float]]:
        seen.append(texts)
        return [[float(len(text)), 0.5] for text in texts]

    with FakeOpenAIServer(embed=embed) as server:
        response = _client(server).embeddings.create(model=MODEL, input=["ab", "abcd"])

    assert seen == [["ab", "abcd"]]
    assert [item.embedding for item in response.data] == [[2.0, 0.5], [4.0, 0.5]]


@pytest.mark.parametrize("bad_input", ["", [], ["ok", ""], [1, 2]])
def test_bad_input_gets_400(
    server: FakeOpenAIServer, bad_input: str | list[str] | list[int]
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        _client(server).embeddings.create(model=MODEL, input=bad_input)

    assert caught.value.status_code == 400
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["type"] == "invalid_request_error"


def test_cluster_names_default_builder(server: FakeOpenAIServer) -> None:
    task = {
        "clusters": [
            {
                "id": 7,
                "intent": "commercial",
                "keywords": [
                    {"id": 1, "text": "cheap trail shoes", "volume": 90},
                    {"id": 2, "text": "trail running shoes", "volume": 2400},
                ],
            },
            {"id": 9, "intent": "informational", "keywords": [{"id": 3, "text": "x", "volume": 1}]},
        ]
    }
    completion = _client(server).chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "Name the clusters."},
            {"role": "user", "content": json.dumps(task)},
        ],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "cluster_names", "schema": {"type": "object"}},
        },
    )

    content = completion.choices[0].message.content
    assert content is not None
    assert json.loads(content)["clusters"] == [
        {
            "id": 7,
            "name": "Trail Running Shoes",
            "description": "Searches about trail running shoes.",
            "split": [],
        },
        {"id": 9, "name": "X", "description": "Searches about x.", "split": []},
    ]
