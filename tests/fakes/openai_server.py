"""A local OpenAI-compatible HTTP server, so tests and benchmarks run the real SDK over real HTTP.

It serves `POST /v1/chat/completions` ("chat"), `POST /v1/images/generations` ("images") and
`POST /v1/embeddings` ("embeddings") on 127.0.0.1 with the response shapes OpenAI sends. Unless a
test scripts otherwise, chat requests get valid structured output for the json_schema they name
(clusters, cluster_names, ideas, article, image_prompts), built from the JSON input in the first
user message; image requests get a real PNG; embedding requests get one vector per input from the
server's `embed` function (by default `hashed_embedding`: deterministic, offline, 64 dimensions,
unit length), as floats or as base64 little-endian float32 (which the `openai` SDK asks for by
default). Each route has a queue of scripted behaviours, consumed one per request before falling
back to that default:

    with FakeOpenAIServer() as server:
        server.script("chat", Respond429(retry_after=7), MalformedJSON())
        server.script("embeddings", Respond500())
        ...  # first chat request gets a 429, the second invalid JSON, the rest valid output
        assert len(server.requests_to("chat")) == 3

`fault_rate` makes the server misbehave at random instead of answering by default: each
unscripted request, with that probability, gets one of `FAULT_KINDS` (a 429 with Retry-After,
a 500, a wait longer than a client's timeout, malformed JSON), drawn from a generator seeded
with `fault_seed`; `faults_injected` counts them by kind. Scripted behaviours always win:

    with FakeOpenAIServer(fault_rate=0.2, fault_seed=7, fault_timeout_seconds=8) as server:
        ...
        print(server.faults_injected)  # {"429": 3, "500": 5, "timeout": 2, "malformed": 4}
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import json
import math
import random
import re
import socket
import string
import struct
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from types import TracebackType
from typing import Any, Literal

from PIL import Image

Route = Literal["chat", "images", "embeddings"]

ROUTES: dict[str, Route] = {
    "/v1/chat/completions": "chat",
    "/v1/images/generations": "images",
    "/v1/embeddings": "embeddings",
}

Embed = Callable[[list[str]], list[list[float]]]
"""Turns texts into one vector each, in order (see `hashed_embedding`)."""

FaultKind = Literal["429", "500", "timeout", "malformed"]
FAULT_KINDS: tuple[FaultKind, ...] = ("429", "500", "timeout", "malformed")
"""The random faults `fault_rate` draws from, each equally likely."""

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "invalid_request_error",
    404: "invalid_request_error",
    409: "invalid_request_error",
    422: "invalid_request_error",
    429: "requests",
}
_DEFAULT_IMAGE_SIZE = (1024, 1024)
_SIZE = re.compile(r"^(\d{1,4})x(\d{1,4})$")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_WORD = re.compile(r"\w+")
_MAX_EMBEDDING_INPUTS = 2048  # OpenAI's limit on inputs per request


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it; header names are lowercased."""

    method: str
    path: str
    route: Route | None
    headers: dict[str, str]
    body: Any
    received_at: float

    @property
    def messages(self) -> list[dict[str, Any]]:
        messages = self.body.get("messages") if isinstance(self.body, dict) else None
        return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []

    @property
    def schema_name(self) -> str | None:
        """The json_schema name of a chat request's response_format, if any."""
        if not isinstance(self.body, dict):
            return None
        response_format = self.body.get("response_format")
        if not isinstance(response_format, dict):
            return None
        schema = response_format.get("json_schema")
        return schema.get("name") if isinstance(schema, dict) else None

    @property
    def input(self) -> Any:
        """The first user message parsed as JSON (the provider's task input), or None."""
        for message in self.messages:
            if message.get("role") == "user" and isinstance(message.get("content"), str):
                try:
                    return json.loads(message["content"])
                except ValueError:
                    return None
        return None

    @property
    def embedding_inputs(self) -> list[str]:
        """An embeddings request's `input` as a list of texts (a lone string becomes one)."""
        value = self.body.get("input") if isinstance(self.body, dict) else None
        if isinstance(value, str):
            return [value]
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


@dataclass(frozen=True)
class Reply:
    """What the handler writes back; `disconnect` drops the connection without a response."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    disconnect: bool = False


class Behaviour:
    """How the server answers one request. Subclasses override `reply`."""

    def reply(self, server: FakeOpenAIServer, request: RecordedRequest) -> Reply:
        raise NotImplementedError


@dataclass(frozen=True)
class Default(Behaviour):
    """The unscripted answer: valid structured output, a real PNG for images, vectors for
    embeddings."""

    def reply(self, server: FakeOpenAIServer, request: RecordedRequest) -> Reply:
        if request.route == "images":
            return server.image_reply(request)
        if request.route == "embeddings":
            return server.embeddings_reply(request)
        content = default_content(request)
        if content is None:
            return error_reply(
                400, f"fake server: no default answer for json_schema {request.schema_name!r}"
            )
        return chat_reply(request, json.dumps(content))


@dataclass(frozen=True)
class Status(Behaviour):
    """An error response in OpenAI's shape: {"error": {"message", "type", "param", "code"}}."""

    status: int
    message: str = "fake server error"
    headers: dict[str, str] = field(default_factory=dict)
    code: str | None = None

    def reply(self, server: FakeOpenAIServer, request: RecordedRequest) -> Reply:
        return error_reply(self.status, self.message, headers=self.headers, code=self.code)


@dataclass(frozen=True)
class Respond429(Behaviour):
    """A rate limit; `retry_after` (seconds or an HTTP date) and `retry_after_ms` set headers."""

    retry_after: float | str | None = None
    retry_after_ms: int | None = None
    message: str = "Rate limit reached for requests. Please try again later."

    def reply(self, server: FakeOpenAIServer, request: RecordedRequest) -> Reply:
        headers: dict[str, str] = {}
        if self.retry_after is not None:
            value = self.retry_after
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            headers["Retry-After"] = str(value)
        if self.retry_after_ms is not None:
            headers["retry-after-ms"] = str(self.retry_after_ms)
        return error_reply(429, self.message, headers=headers, code="rate_limit_exceeded")


@dataclass(frozen=True)
class Respond500(Behaviour):
    """A server error (any 5xx status)."""

    status: int = 500
    message: str = "The server had an error while processing your request. Sorry about that!"

    def reply(self, server: FakeOpenAIServer, request: RecordedRequest) -> Reply:
        return error_reply(self.status, self.message)


@dataclass(frozen=True)
class Delay(Behaviour):
    """Waits `seconds` (on top of the server's latency), then answers with `then` or the default."""

    seconds: float
    then: Behaviour | None = None

    def reply(self, server: FakeOpenAIServer, request: RecordedRequest) -> Reply:
        server.sleep(self.seconds)
        return (self.then or Default()).reply(server, request)


@dataclass(frozen=True)
class MalformedJSON(Behaviour):
    """A 200 chat completion whose message content is not valid JSON.

    On the embeddings route the whole response body is `content` (a cut-off, invalid JSON body).
    """

    content: str = '{"result": "this reply was cut off'

    def reply(self, server: FakeOpenAIServer, request: RecordedRequest) -> Reply:
        if request.route == "embeddings":
            return Reply(raw=self.content.encode())
        return chat_reply(request, self.content)


@dataclass(frozen=True)
class Content(Behaviour):
    """A 200 chat completion with exactly this content (JSON-encoded unless a str).

    On the embeddings route `value` is the whole response body instead.
    """

    value: Any

    def reply(self, server: FakeOpenAIServer, request: RecordedRequest) -> Reply:
        if request.route == "embeddings":
            if isinstance(self.value, str):
                return Reply(raw=self.value.encode())
            return Reply(body=self.value)
        text = self.value if isinstance(self.value, str) else json.dumps(self.value)
        return chat_reply(request, text)


@dataclass(frozen=True)
class Mutate(Behaviour):
    """A 200 chat completion whose content is `change(default content, request)`.

    `change` gets a fresh copy it may edit in place (returning None) or replace (returning it).
    On the embeddings route it changes the default response body (if the request was valid).
    """

    change: Callable[[Any, RecordedRequest], Any]

    def reply(self, server: FakeOpenAIServer, request: RecordedRequest) -> Reply:
        if request.route == "embeddings":
            default = server.embeddings_reply(request)
            if default.status != 200:
                return default
            body = copy.deepcopy(default.body)
            changed = self.change(body, request)
            return Reply(body=body if changed is None else changed)
        content = default_content(request)
        changed = self.change(content, request)
        return chat_reply(request, json.dumps(content if changed is None else changed))


@dataclass(frozen=True)
class Refusal(Behaviour):
    """A 200 chat completion where the model refused: content null, refusal set."""

    text: str = "I'm sorry, I can't help with that."

    def reply(self, server: FakeOpenAIServer, request: RecordedRequest) -> Reply:
        return chat_reply(request, None, refusal=self.text)


@dataclass(frozen=True)
class ImageURL(Behaviour):
    """A 200 image response carrying a URL instead of b64_json."""

    url: str = "https://images.example.invalid/generated.png"

    def reply(self, server: FakeOpenAIServer, request: RecordedRequest) -> Reply:
        return Reply(body=images_body([{"url": self.url, "revised_prompt": None}]))


@dataclass(frozen=True)
class Disconnect(Behaviour):
    """Closes the connection without answering (the client sees a connection error)."""

    def reply(self, server: FakeOpenAIServer, request: RecordedRequest) -> Reply:
        return Reply(disconnect=True)


@dataclass(frozen=True)
class MalformedBody(Behaviour):
    """A 200 whose whole body is cut-off JSON, on any route (a proxy that truncated it)."""

    body: str = '{"id": "cut-off", "object": "'

    def reply(self, server: FakeOpenAIServer, request: RecordedRequest) -> Reply:
        return Reply(raw=self.body.encode())


def random_fault(
    kind: FaultKind, route: Route | None, *, retry_after: float, timeout_seconds: float
) -> Behaviour:
    """The behaviour of one random fault: chat gets malformed JSON inside a valid completion
    (what a model sends), images and embeddings a truncated body."""
    if kind == "429":
        return Respond429(retry_after=retry_after)
    if kind == "500":
        return Respond500()
    if kind == "timeout":
        return Delay(timeout_seconds)
    return MalformedJSON() if route == "chat" else MalformedBody()


class FakeOpenAIServer:
    """The server; use it as a context manager or call `start()` / `stop()`.

    `latency_seconds` is added before every answer (it may be changed while running). `embed`
    makes the vectors for embedding requests (default `hashed_embedding`). When a request asks
    for `dimensions`, the default hashes into that many; vectors from an injected `embed` that
    are longer are cut to that length and L2-normalised again, as OpenAI does for its
    text-embedding-3 models.

    `fault_rate` (0 to 1; it may be changed while running) is the share of unscripted requests
    that get a random fault of `fault_kinds` instead of the default answer, drawn with a
    generator seeded by `fault_seed`; a "timeout" fault waits `fault_timeout_seconds` (set it
    above the client's timeout) and a 429 says `Retry-After: fault_retry_after`.
    """

    def __init__(
        self,
        *,
        latency_seconds: float = 0.0,
        embed: Embed | None = None,
        fault_rate: float = 0.0,
        fault_seed: int | None = None,
        fault_kinds: tuple[FaultKind, ...] = FAULT_KINDS,
        fault_timeout_seconds: float = 30.0,
        fault_retry_after: float = 1.0,
    ) -> None:
        if not 0.0 <= fault_rate <= 1.0:
            raise ValueError("fault_rate must be between 0 and 1")
        if not fault_kinds:
            raise ValueError("fault_kinds must name at least one fault")
        self.latency_seconds = latency_seconds
        self.embed: Embed = embed or hashed_embedding
        self.fault_rate = fault_rate
        self.fault_kinds = fault_kinds
        self.fault_timeout_seconds = fault_timeout_seconds
        self.fault_retry_after = fault_retry_after
        self._random = random.Random(fault_seed)
        self._faults: dict[FaultKind, int] = {}
        self._lock = threading.Lock()
        self._scripts: dict[Route, deque[Behaviour]] = {route: deque() for route in ROUTES.values()}
        self._requests: list[RecordedRequest] = []
        self._pngs: dict[tuple[int, int], str] = {}
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> FakeOpenAIServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="fake-openai-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if thread is not None:
            thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the fake OpenAI server is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, route: Route) -> list[RecordedRequest]:
        return [r for r in self.requests if r.route == route]

    def script(self, route: Route, *behaviours: Behaviour) -> None:
        """Queue behaviours for the next requests to `route`, in order, after any already queued."""
        if route not in self._scripts:
            raise ValueError(f"unknown route {route!r}; use one of {sorted(self._scripts)}")
        with self._lock:
            self._scripts[route].extend(behaviours)

    @property
    def faults_injected(self) -> dict[FaultKind, int]:
        """How many random faults (`fault_rate`) each kind has answered so far."""
        with self._lock:
            return dict(self._faults)

    def pending(self, route: Route) -> int:
        """How many scripted behaviours are still queued for `route`."""
        with self._lock:
            return len(self._scripts[route])

    def reset(self) -> None:
        """Forget recorded requests and queued behaviours."""
        with self._lock:
            self._requests.clear()
            for queue in self._scripts.values():
                queue.clear()

    def sleep(self, seconds: float) -> None:
        """Waits, but wakes up when the server stops, so `stop()` never hangs on a delay."""
        if seconds > 0:
            self._stopping.wait(seconds)

    def png_base64(self, width: int, height: int) -> str:
        """A real PNG of that size, base64-encoded (made once per size)."""
        key = (width, height)
        with self._lock:
            cached = self._pngs.get(key)
        if cached is not None:
            return cached
        buffer = BytesIO()
        Image.new("RGB", key, (70, 130, 180)).save(buffer, format="PNG")
        encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
        with self._lock:
            self._pngs[key] = encoded
        return encoded

    def image_reply(self, request: RecordedRequest) -> Reply:
        body = request.body if isinstance(request.body, dict) else {}
        width, height = _parse_size(body.get("size"))
        count = _int(body.get("n"), 1)
        image = self.png_base64(width, height)
        data = [{"b64_json": image, "revised_prompt": None} for _ in range(max(count, 1))]
        return Reply(body=images_body(data, size=f"{width}x{height}"))

    def embeddings_reply(self, request: RecordedRequest) -> Reply:
        """The default embeddings answer, or a 400 in OpenAI's shape for an invalid request."""
        body = request.body if isinstance(request.body, dict) else {}
        model = body.get("model")
        if not isinstance(model, str) or not model:
            return error_reply(400, "you must provide a model parameter", param="model")
        texts = _embedding_texts(body.get("input"))
        if texts is None:
            return error_reply(
                400,
                "'input' must be a non-empty string or a non-empty array of non-empty strings"
                f" (at most {_MAX_EMBEDDING_INPUTS})",
                param="input",
            )
        encoding = body.get("encoding_format", "float")
        if encoding not in ("float", "base64"):
            return error_reply(
                400,
                f"{encoding!r} is not one of ['float', 'base64'] - 'encoding_format'",
                param="encoding_format",
            )
        dimensions = body.get("dimensions")
        if dimensions is not None and (_int(dimensions, 0) < 1):
            return error_reply(400, "'dimensions' must be a positive integer", param="dimensions")
        try:
            if self.embed is hashed_embedding and isinstance(dimensions, int):
                vectors = hashed_embedding(texts, dimensions)
            else:
                vectors = self.embed(texts)
        except Exception as exc:  # a broken test double should fail loudly, not hang up
            return error_reply(500, f"fake server: embed raised {exc!r}")
        if len(vectors) != len(texts):
            return error_reply(
                500, f"fake server: embed returned {len(vectors)} vectors for {len(texts)} texts"
            )
        if isinstance(dimensions, int):
            vectors = [_shorten(vector, dimensions) for vector in vectors]
        tokens = sum(max(len(_WORD.findall(text)), 1) for text in texts)
        data = [
            {
                "object": "embedding",
                "index": index,
                "embedding": _b64_floats(vector) if encoding == "base64" else list(vector),
            }
            for index, vector in enumerate(vectors)
        ]
        return Reply(
            body={
                "object": "list",
                "data": data,
                "model": model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _next(self, route: Route) -> Behaviour:
        with self._lock:
            queue = self._scripts[route]
            if queue:
                return queue.popleft()
            if self.fault_rate <= 0 or self._random.random() >= self.fault_rate:
                return Default()
            kind = self._random.choice(self.fault_kinds)
            self._faults[kind] = self._faults.get(kind, 0) + 1
        return random_fault(
            kind,
            route,
            retry_after=self.fault_retry_after,
            timeout_seconds=self.fault_timeout_seconds,
        )

    def _track(self, connection: socket.socket, *, active: bool) -> None:
        with self._lock:
            if active:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops connections when a benchmark opens many at once.
    request_queue_size = 256
    fake: FakeOpenAIServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that vanished mid-request (a killed worker, a timeout) is no server error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes; with Nagle on, delayed ACKs add ~40 ms each.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, active=True)

    def finish(self) -> None:
        self.server.fake._track(self.connection, active=False)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", errors="replace")
        path = self.path.split("?", 1)[0]
        route = ROUTES.get(path) if self.command == "POST" else None
        request = RecordedRequest(
            method=self.command,
            path=path,
            route=route,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            received_at=time.monotonic(),
        )
        fake._record(request)
        fake.sleep(fake.latency_seconds)
        if route is None:
            reply = error_reply(404, f"fake server: no route for {self.command} {path}")
        else:
            reply = fake._next(route).reply(fake, request)
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        if reply.disconnect:
            self.close_connection = True
            return
        payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-request-id", f"req_{uuid.uuid4().hex}")
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            # The client gave up (e.g. its timeout fired during a Delay).
            self.close_connection = True


def error_reply(
    status: int,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    code: str | None = None,
    param: str | None = None,
) -> Reply:
    error_type = _ERROR_TYPES.get(
        status, "server_error" if status >= 500 else "invalid_request_error"
    )
    body = {"error": {"message": message, "type": error_type, "param": param, "code": code}}
    return Reply(status=status, body=body, headers=dict(headers or {}))


def chat_reply(
    request: RecordedRequest, content: str | None, *, refusal: str | None = None
) -> Reply:
    body = request.body if isinstance(request.body, dict) else {}
    prompt_chars = sum(len(str(m.get("content") or "")) for m in request.messages)
    prompt_tokens = max(prompt_chars // 4, 1)
    completion_tokens = max(len(content or refusal or "") // 4, 1)
    return Reply(
        body={
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": str(body.get("model") or "fake-model"),
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": content,
                        "refusal": refusal,
                        "annotations": [],
                    },
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": 0,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
            "service_tier": "default",
            "system_fingerprint": "fp_fake",
        }
    )


def images_body(data: list[dict[str, Any]], *, size: str = "1024x1024") -> dict[str, Any]:
    return {
        "created": int(time.time()),
        "data": data,
        "background": "opaque",
        "output_format": "png",
        "quality": "medium",
        "size": size,
        "usage": {
            "input_tokens": 20,
            "input_tokens_details": {"image_tokens": 0, "text_tokens": 20},
            "output_tokens": 1056,
            "total_tokens": 1076,
        },
    }


def hashed_embedding(texts: list[str], dims: int = 64) -> list[list[float]]:
    """Deterministic offline embeddings: a signed feature-hashing bag of lowercase words.

    Each word adds +1 or -1 at a position both taken from its BLAKE2b hash (stable across
    processes, unlike `hash`), and each vector is L2-normalised, so equal texts get equal
    vectors and texts sharing words get a higher cosine similarity. A text with no word
    characters is hashed whole, so every vector has unit length.
    """
    if dims < 1:
        raise ValueError("dims must be at least 1")
    vectors: list[list[float]] = []
    for text in texts:
        vector = [0.0] * dims
        for token in _WORD.findall(text.lower()) or [text]:
            digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
            number = int.from_bytes(digest, "little")
            vector[(number >> 1) % dims] += 1.0 if number & 1 else -1.0
        norm = math.sqrt(sum(x * x for x in vector))
        if norm == 0.0:  # the words' signs cancelled out exactly; fall back to the whole text
            digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
            vector[int.from_bytes(digest, "little") % dims] = norm = 1.0
        vectors.append([x / norm for x in vector])
    return vectors


def default_content(request: RecordedRequest) -> Any:
    """Valid structured output for the request's json_schema name, or None if unknown."""
    task = request.input if isinstance(request.input, dict) else {}
    builder = _BUILDERS.get(request.schema_name or "")
    return builder(task) if builder else None


def _clusters(task: dict[str, Any]) -> dict[str, Any]:
    groups: dict[str, list[int]] = {}
    for keyword in task.get("keywords") or []:
        words = str(keyword.get("text", "")).split()
        topic = words[0].lower() if words else "misc"
        groups.setdefault(topic, []).append(keyword["id"])
    return {
        "clusters": [
            {
                "name": f"{topic.title()} topics",
                "description": f"Keywords about {topic}.",
                "keyword_ids": ids,
            }
            for topic, ids in groups.items()
        ]
    }


def _cluster_names(task: dict[str, Any]) -> dict[str, Any]:
    """Names each cluster after its highest-volume keyword (the first one on a tie); no splits."""
    named = []
    for cluster in task.get("clusters") or []:
        keywords = [k for k in cluster.get("keywords") or [] if isinstance(k, dict)]
        if keywords:
            head = str(max(keywords, key=lambda k: _int(k.get("volume"), 0)).get("text", ""))
        else:
            head = str(cluster.get("intent") or f"cluster {cluster.get('id')}")
        named.append(
            {
                "id": cluster.get("id"),
                "name": string.capwords(head),
                "description": f"Searches about {head}.",
                "split": [],
            }
        )
    return {"clusters": named}


def _ideas(task: dict[str, Any]) -> dict[str, Any]:
    count = _int(task.get("count"), 3)
    cluster = task.get("cluster") or {}
    name = str(cluster.get("name") or "Topic")
    keywords = [str(k) for k in cluster.get("keywords") or []] or [name.lower()]
    return {
        "ideas": [
            {
                "title": f"{name}: practical guide {i + 1}",
                "brief": f"A hands-on guide to {keywords[i % len(keywords)]} for beginners.",
                "outline": ["Why it matters", "Getting started", "Common mistakes", "Next steps"],
                "target_keyword": keywords[i % len(keywords)],
            }
            for i in range(max(count, 0))
        ]
    }


def _article(task: dict[str, Any]) -> dict[str, Any]:
    title = str(task.get("title") or "Untitled article")
    keyword = str(task.get("target_keyword") or title.lower())
    outline = [str(h) for h in task.get("outline") or []] or ["Overview", "Details", "Summary"]
    target_words = _int(task.get("target_words"), 300)
    sentence = f"This part explains {keyword} with concrete, practical examples."
    per_section = max(target_words // (len(outline) * len(sentence.split())), 1)
    sections = [f"Everything you need to know about {keyword}."]
    for heading in outline:
        sections.append(f"## {heading}")
        sections.append(" ".join([sentence] * per_section))
        sections.append(f"### {heading}: in practice")
        sections.append(f"A short worked example about {keyword}.")
    slug = _NOT_SLUG.sub("-", title.lower()).strip("-") or "article"
    return {
        "title": title,
        "body": "\n\n".join(sections),
        "meta_description": (
            f"A practical guide to {keyword}: what it is, how it works, how to get started "
            "and which common mistakes to avoid along the way, step by step."
        )[:160],
        "slug": slug,
    }


def _image_prompts(task: dict[str, Any]) -> dict[str, Any]:
    in_article = _int(task.get("in_article"), 2)
    article = task.get("article") or {}
    title = str(article.get("title") or "the article")
    headings = [str(h) for h in article.get("headings") or []] or [title]
    prompts = [
        {
            "kind": "featured",
            "prompt": f"A clean editorial illustration representing {title}, soft daylight.",
            "alt_text": f"Illustration for {title}"[:120],
        }
    ]
    for i in range(max(in_article, 0)):
        heading = headings[i % len(headings)]
        prompts.append(
            {
                "kind": "in_article",
                "prompt": f"A detailed photo-style scene showing {heading}, natural colours.",
                "alt_text": f"Scene showing {heading}"[:120],
            }
        )
    return {"prompts": prompts}


_BUILDERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "clusters": _clusters,
    "cluster_names": _cluster_names,
    "ideas": _ideas,
    "article": _article,
    "image_prompts": _image_prompts,
}


def _parse_size(size: Any) -> tuple[int, int]:
    match = _SIZE.match(size) if isinstance(size, str) else None
    if match is None:
        return _DEFAULT_IMAGE_SIZE
    width, height = int(match.group(1)), int(match.group(2))
    return (width, height) if width > 0 and height > 0 else _DEFAULT_IMAGE_SIZE


def _embedding_texts(value: Any) -> list[str] | None:
    """The texts of an embeddings `input`, or None unless it is a non-empty string or a
    non-empty list (of at most 2048) of non-empty strings."""
    if isinstance(value, str):
        return [value] if value else None
    if (
        isinstance(value, list)
        and 0 < len(value) <= _MAX_EMBEDDING_INPUTS
        and all(isinstance(text, str) and text for text in value)
    ):
        return list(value)
    return None


def _shorten(vector: list[float], dims: int) -> list[float]:
    """Cuts a vector to `dims` and L2-normalises it again (vectors already short are kept)."""
    if len(vector) <= dims:
        return list(vector)
    head = vector[:dims]
    norm = math.sqrt(sum(x * x for x in head))
    return [x / norm for x in head] if norm else head


def _b64_floats(vector: list[float]) -> str:
    """Base64 of little-endian float32s, as OpenAI sends for encoding_format="base64"."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default
