"""Runs the pipeline's AI calls on OpenAI or any OpenAI-compatible server (vLLM, Ollama, LiteLLM).

Text tasks use Chat Completions with strict json_schema structured outputs, validated with the
shapes in `pressrun.ai.base`; an invalid reply gets exactly one repair round-trip. Those shapes cut
an over-long title, meta description or alt text at a word boundary rather than reject it, and
a list reply keeps its valid entries, so one long or bad field never fails a whole answer; a
meta description under the minimum is usable but asked for again once. HTTP failures
are mapped onto the two error kinds the activities understand: retryable (429, 5xx, 408, 409,
timeouts, connection errors) and per-item (every other 4xx, output still invalid after repair).
The SDK never retries by itself: Temporal's retry policy owns retries.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from io import BytesIO
from typing import TYPE_CHECKING, Any, TypeVar

from openai import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AsyncOpenAI,
)
from openai.types.chat import ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema
from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, Field, ValidationError

from pressrun.ai import prompts
from pressrun.ai.base import (
    META_DESCRIPTION_MIN,
    AIError,
    AIItemError,
    AIRetryableError,
    ArticleBrief,
    ArticleDraft,
    ClusterBrief,
    ClusterCandidate,
    ClusterNaming,
    GeneratedImage,
    IdeaDraft,
    ImagePromptDraft,
    WritingProfile,
)

if TYPE_CHECKING:
    import httpx2

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

_RETRYABLE_STATUSES = frozenset({408, 409, 429})
_MAX_DETAIL_CHARS = 500
_MAX_REPAIR_ERROR_CHARS = 2000
# Keys shorter than this are placeholders for local servers (vLLM's "EMPTY"), not secrets, and
# replacing them everywhere would mangle messages.
_MIN_REDACTED_KEY_LENGTH = 8
_KEY_LIKE = re.compile(r"sk-[A-Za-z0-9_*\-]{4,}")
_SLUG_SEPARATORS = re.compile(r"[^a-z0-9]+")


class _InvalidOutputError(Exception):
    """The model's reply is not usable; the message says why, for the repair prompt."""


class _NamesReply(BaseModel):
    # Entries are checked one by one (`_namings`): one bad entry costs only its own name.
    clusters: list[dict[str, Any]]


class _IdeasReply(BaseModel):
    # Checked one by one (`_valid_entries`), like the two replies below.
    ideas: list[dict[str, Any]] = Field(min_length=1)


class _ImagePromptsReply(BaseModel):
    prompts: list[dict[str, Any]]


class OpenAIProvider:
    """The `AIProvider` for OpenAI-compatible HTTP APIs."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 120.0,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        self._api_key = api_key
        self._client = AsyncOpenAI(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=0,
            http_client=http_client,
        )

    @property
    def name(self) -> str:
        return "openai"

    async def name_clusters(
        self, candidates: list[ClusterCandidate], *, model: str
    ) -> list[ClusterNaming]:
        if not candidates:
            return []
        expected = {c.id for c in candidates}
        return await self._structured(
            prompts.cluster_names_task(candidates), model, lambda raw: _namings(raw, expected)
        )

    async def embed(self, texts: list[str], *, model: str) -> list[list[float]]:
        """`/v1/embeddings` for `texts`, in their order."""
        if not texts:
            return []
        try:
            response = await self._client.embeddings.create(
                model=model, input=texts, encoding_format="float"
            )
        except APIError as err:
            raise self._map_api_error(err) from None
        except json.JSONDecodeError:
            # A 200 whose body was cut off on the way: the connection failed, not the model.
            raise self._retryable_error("AI provider sent a truncated response body") from None
        data = sorted(response.data, key=lambda d: d.index)
        if len(data) != len(texts):
            raise self._item_error(
                f"the embeddings endpoint returned {len(data)} vectors for {len(texts)} texts"
            )
        return [list(d.embedding) for d in data]

    async def generate_ideas(
        self, cluster: ClusterBrief, *, count: int, model: str
    ) -> list[IdeaDraft]:
        if count <= 0:
            return []
        ideas = await self._structured(
            prompts.ideas_task(cluster, count),
            model,
            _ideas,
        )
        return ideas[:count]

    async def write_article(self, brief: ArticleBrief, *, model: str) -> ArticleDraft:
        return await self._structured(
            prompts.article_task(brief), model, _article, shortfall=_article_shortfall
        )

    async def image_prompts(
        self,
        article: ArticleDraft,
        *,
        in_article: int,
        model: str,
        profile: WritingProfile | None = None,
    ) -> list[ImagePromptDraft]:
        in_article = max(in_article, 0)
        return await self._structured(
            prompts.image_prompts_task(article, in_article, profile or WritingProfile()),
            model,
            lambda raw: _image_prompts(raw, in_article),
        )

    async def generate_image(self, prompt: str, *, model: str, size: str) -> GeneratedImage:
        try:
            response = await self._client.images.generate(
                model=model, prompt=prompt, size=size, n=1
            )
        except APIError as err:
            raise self._map_api_error(err) from None
        except json.JSONDecodeError:
            # A 200 whose body was cut off on the way: the connection failed, not the model.
            raise self._retryable_error("AI provider sent a truncated response body") from None
        datum = response.data[0] if response.data else None
        if datum is None:
            raise self._item_error("image generation returned no image")
        if not datum.b64_json:
            if datum.url:
                raise self._item_error(
                    "image generation returned a URL; URL responses are not supported, "
                    "use a model or server that returns b64_json"
                )
            raise self._item_error("image generation returned an image without data")
        try:
            data = base64.b64decode(datum.b64_json, validate=True)
        except (binascii.Error, ValueError):
            raise self._item_error("image generation returned invalid base64 data") from None
        try:
            with Image.open(BytesIO(data)) as image:
                width, height = image.size
                image_format = image.format
        except (UnidentifiedImageError, OSError):
            raise self._item_error("image generation returned data that is not an image") from None
        mime_type = Image.MIME.get(image_format or "", "application/octet-stream")
        return GeneratedImage(data=data, mime_type=mime_type, width=width, height=height)

    async def aclose(self) -> None:
        await self._client.close()

    async def _structured(
        self,
        task: prompts.TextTask,
        model: str,
        parse: Callable[[object], T],
        *,
        shortfall: Callable[[T], str | None] | None = None,
    ) -> T:
        """The parsed reply, after one repair round when it is invalid or falls short. A reply
        that only falls short (`shortfall` names why) is usable: the repair reply replaces it
        if valid, short or not, and it is kept if the repair reply is invalid."""
        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": task.system},
            {"role": "user", "content": task.user},
        ]
        content = await self._chat(messages, task, model)
        usable: T | None = None
        try:
            usable = _parse(content, parse)
        except _InvalidOutputError as first:
            problem = str(first)[:_MAX_REPAIR_ERROR_CHARS]
        else:
            short = shortfall(usable) if shortfall else None
            if short is None:
                return usable
            problem = short
        messages.append({"role": "assistant", "content": content or "(empty reply)"})
        messages.append({"role": "user", "content": prompts.repair_prompt(problem)})
        content = await self._chat(messages, task, model)
        try:
            return _parse(content, parse)
        except _InvalidOutputError as second:
            if usable is not None:
                return usable
            raise self._item_error(
                f"{task.schema_name}: model output still invalid after one repair: {second}"
            ) from None

    async def _chat(
        self, messages: list[ChatCompletionMessageParam], task: prompts.TextTask, model: str
    ) -> str | None:
        response_format: ResponseFormatJSONSchema = {
            "type": "json_schema",
            "json_schema": {"name": task.schema_name, "strict": True, "schema": task.schema},
        }
        try:
            completion = await self._client.chat.completions.create(
                model=model, messages=messages, response_format=response_format
            )
        except APIError as err:
            raise self._map_api_error(err) from None
        except json.JSONDecodeError:
            # A 200 whose body was cut off on the way: the connection failed, not the model.
            raise self._retryable_error("AI provider sent a truncated response body") from None
        if not completion.choices:
            return None
        message = completion.choices[0].message
        if message.refusal:
            raise self._item_error(f"{task.schema_name}: the model refused: {message.refusal}")
        return message.content

    def _map_api_error(self, err: APIError) -> AIError:
        if isinstance(err, APITimeoutError):
            return self._retryable_error("request to the AI provider timed out")
        if isinstance(err, APIConnectionError):
            cause = type(err.__cause__).__name__ if err.__cause__ else "unknown cause"
            return self._retryable_error(f"could not reach the AI provider ({cause})")
        if isinstance(err, APIStatusError):
            status = err.status_code
            detail = _provider_message(err)
            if status in _RETRYABLE_STATUSES or status >= 500:
                return self._retryable_error(
                    f"AI provider returned HTTP {status}: {detail}",
                    retry_after=_retry_after(err.response.headers),
                )
            return self._item_error(f"AI provider returned HTTP {status}: {detail}")
        # A 2xx whose body the SDK could not read: treat it like a flaky gateway.
        return self._retryable_error(f"AI provider sent an unreadable response: {err.message}")

    def _item_error(self, message: str) -> AIItemError:
        return AIItemError(self._redact(message))

    def _retryable_error(
        self, message: str, *, retry_after: float | None = None
    ) -> AIRetryableError:
        return AIRetryableError(self._redact(message), retry_after=retry_after)

    def _redact(self, text: str) -> str:
        if len(self._api_key) >= _MIN_REDACTED_KEY_LENGTH:
            text = text.replace(self._api_key, "[redacted]")
        return _KEY_LIKE.sub("sk-[redacted]", text)


def _parse(content: str | None, parse: Callable[[object], T]) -> T:
    if not content or not content.strip():
        raise _InvalidOutputError("the reply was empty")
    try:
        raw = json.loads(content)
    except json.JSONDecodeError as err:
        raise _InvalidOutputError(f"the reply is not valid JSON ({err})") from None
    try:
        return parse(raw)
    except ValidationError as err:
        raise _InvalidOutputError(_describe(err)) from None
    except ValueError as err:
        raise _InvalidOutputError(str(err)) from None


def _describe(err: ValidationError) -> str:
    parts = []
    for error in err.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in error["loc"]) or "(root)"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def _namings(raw: object, expected: set[int]) -> list[ClusterNaming]:
    """The usable names of a reply: unknown IDs, repeats and invalid entries are dropped (the
    caller names those clusters after their head keyword). A reply with none is invalid."""
    namings: dict[int, ClusterNaming] = {}
    for entry in _NamesReply.model_validate(raw).clusters:
        try:
            naming = ClusterNaming.model_validate(entry)
        except ValidationError:
            continue
        if naming.id in expected and naming.id not in namings:
            namings[naming.id] = naming
    if not namings:
        raise ValueError("no cluster in the reply has a valid id and name")
    return list(namings.values())


def _valid_entries(
    entries: list[dict[str, Any]], shape: type[M], field: str
) -> tuple[list[M], list[str]]:
    """The entries that are valid `shape`s, and why each other one is not (for the repair)."""
    valid: list[M] = []
    problems: list[str] = []
    for i, entry in enumerate(entries):
        try:
            valid.append(shape.model_validate(entry))
        except ValidationError as err:
            problems.append(f"{field}.{i}: {_describe(err)}")
    return valid, problems


def _ideas(raw: object) -> list[IdeaDraft]:
    ideas, problems = _valid_entries(_IdeasReply.model_validate(raw).ideas, IdeaDraft, "ideas")
    if not ideas:
        raise ValueError("no idea in the reply is valid: " + "; ".join(problems))
    return ideas


def _article(raw: object) -> ArticleDraft:
    if isinstance(raw, dict) and isinstance(raw.get("slug"), str):
        raw = {**raw, "slug": _SLUG_SEPARATORS.sub("-", raw["slug"].lower()).strip("-")}
    draft = ArticleDraft.model_validate(raw)
    if not draft.meta_description.strip():
        raise ValueError("meta_description: must not be empty")
    return draft


def _article_shortfall(draft: ArticleDraft) -> str | None:
    # Short but present is kept after the repair round: a description a little under the
    # minimum still serves as the page's snippet, and failing the article would lose the body.
    length = len(draft.meta_description)
    if length >= META_DESCRIPTION_MIN:
        return None
    return f"meta_description: {length} characters, fewer than the {META_DESCRIPTION_MIN} asked for"


def _image_prompts(raw: object, in_article: int) -> list[ImagePromptDraft]:
    entries = _ImagePromptsReply.model_validate(raw).prompts
    drafts, problems = _valid_entries(entries, ImagePromptDraft, "prompts")
    featured = [d for d in drafts if d.kind == "featured"]
    inside = [d for d in drafts if d.kind == "in_article"]
    if not featured or len(inside) < in_article:
        raise ValueError(
            "; ".join(
                [
                    f"expected 1 featured and {in_article} in_article prompts, "
                    f"got {len(featured)} featured and {len(inside)} in_article valid ones",
                    *problems,
                ]
            )
        )
    return [featured[0], *inside[:in_article]]


def _provider_message(err: APIStatusError) -> str:
    body = err.body
    message: object = None
    if isinstance(body, Mapping):
        message = body.get("message")
    elif isinstance(body, str):
        message = body
    if not isinstance(message, str) or not message.strip():
        message = err.message
    return message.strip()[:_MAX_DETAIL_CHARS]


def _retry_after(headers: Mapping[str, str]) -> float | None:
    milliseconds = _seconds(headers.get("retry-after-ms"))
    if milliseconds is not None:
        return milliseconds / 1000
    value = headers.get("retry-after")
    if not value:
        return None
    seconds = _seconds(value)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return max(number, 0.0) if math.isfinite(number) else None
