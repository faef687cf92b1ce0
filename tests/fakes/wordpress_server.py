"""A local WordPress REST API over real HTTP, so publisher tests exercise auth, faults and retries.

It serves the routes the WordPress publisher uses (posts, media, categories, tags, users/me and
the /wp-json/ index) on 127.0.0.1, checks HTTP Basic auth against one user and application
password, records every request, and can be told to misbehave:

    with FakeWordPressServer() as wp:
        wp.drop_response_after_create_post()   # creates the post, then hangs up
        ...
        assert len(wp.posts) == 1

`hold_after_create_post(seconds, on_created)` makes every post create slow: the post is stored,
`on_created` is told (from the server's thread), and only then, `seconds` later, does the answer
go out, so a test can kill the publisher while its POST is in flight.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received; header names lowercased, `body` raw bytes."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class _Fault:
    method: str
    path: re.Pattern[str]
    status: int | None = None  # None: do the work, then drop the connection
    body: Any = None


@dataclass
class _Reply:
    status: int = 200
    body: Any = None
    raw: bytes | None = None
    content_type: str = "application/json; charset=UTF-8"
    disconnect: bool = False


@dataclass
class _State:
    next_id: int = 100
    posts: dict[int, dict[str, Any]] = field(default_factory=dict)
    media: dict[int, dict[str, Any]] = field(default_factory=dict)
    uploads: dict[int, bytes] = field(default_factory=dict)
    terms: dict[str, dict[int, dict[str, Any]]] = field(
        default_factory=lambda: {"categories": {}, "tags": {}}
    )


class FakeWordPressServer:
    def __init__(
        self,
        *,
        username: str = "editor",
        application_password: str = "abcd EFGH 1234 ijkl MNOP 5678",
        capabilities: dict[str, bool] | None = None,
    ) -> None:
        self.username = username
        self.application_password = application_password
        self.capabilities = capabilities or {"publish_posts": True, "upload_files": True}
        self._lock = threading.Lock()
        self._state = _State()
        self._requests: list[RecordedRequest] = []
        self._faults: list[_Fault] = []
        self._strip_authorization = False
        self._rest_blocked = False
        self._hold_seconds = 0.0
        self._on_created: Callable[[dict[str, Any]], None] | None = None
        self._connections: set[socket.socket] = set()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeWordPressServer:
        if self._httpd is None:
            httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
            httpd.fake = self
            self._httpd = httpd
            self._thread = threading.Thread(
                target=httpd.serve_forever,
                kwargs={"poll_interval": 0.01},
                name="fake-wordpress-server",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if thread is not None:
            thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> FakeWordPressServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the fake WordPress server is not running")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # -- inspection ---------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, method: str, path_pattern: str) -> list[RecordedRequest]:
        pattern = re.compile(path_pattern)
        return [r for r in self.requests if r.method == method and pattern.fullmatch(r.path)]

    @property
    def posts(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(post) for post in self._state.posts.values()]

    @property
    def media(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(item) for item in self._state.media.values()]

    def upload_bytes(self, media_id: int) -> bytes:
        with self._lock:
            return self._state.uploads[media_id]

    def terms(self, taxonomy: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(term) for term in self._state.terms[taxonomy].values()]

    def add_term(self, taxonomy: str, name: str) -> int:
        with self._lock:
            return int(self._create_term(taxonomy, name)["id"])

    def add_post(self, slug: str, title: str = "Existing", status: str = "draft") -> int:
        with self._lock:
            return int(self._create_post({"slug": slug, "title": title, "status": status})["id"])

    # -- faults -------------------------------------------------------------------------------

    def drop_response_after_create_post(self) -> None:
        """The next post create succeeds on the server, but the connection closes unanswered."""
        self._add_fault(_Fault("POST", re.compile(r"/wp-json/wp/v2/posts")))

    def drop_response_after_media_upload(self) -> None:
        """The next media upload is stored, but the connection closes unanswered."""
        self._add_fault(_Fault("POST", re.compile(r"/wp-json/wp/v2/media")))

    def fail_next(self, method: str, path_pattern: str, status: int, body: Any = None) -> None:
        """The next matching request gets `status` (with a WP error body) and changes nothing."""
        error = body or {"code": "fake_error", "message": f"fake HTTP {status}", "data": {}}
        self._add_fault(_Fault(method, re.compile(path_pattern), status, error))

    def strip_authorization(self, enabled: bool = True) -> None:
        """Act like Apache/CGI that drops the Authorization header before PHP sees it."""
        self._strip_authorization = enabled

    def block_rest_api(self, enabled: bool = True) -> None:
        """Every /wp-json request answers a 404 HTML page (blocked, or plain permalinks)."""
        self._rest_blocked = enabled

    def hold_after_create_post(
        self, seconds: float, on_created: Callable[[dict[str, Any]], None] | None = None
    ) -> None:
        """From now on each post create is stored, then `on_created(post)` is called, then the
        answer waits `seconds` (0 turns it off) before it goes out."""
        with self._lock:
            self._hold_seconds = seconds
            self._on_created = on_created

    def _add_fault(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method == method and fault.path.fullmatch(path):
                    self._faults.remove(fault)
                    return fault
        return None

    # -- request handling (called from handler threads) ----------------------------------------

    def handle(self, request: RecordedRequest) -> _Reply:
        with self._lock:
            self._requests.append(request)
        if self._rest_blocked and request.path.startswith("/wp-json"):
            page = b"<html><body><h1>Not Found</h1></body></html>"
            return _Reply(404, raw=page, content_type="text/html; charset=UTF-8")
        fault = self._take_fault(request.method, request.path)
        if fault is not None and fault.status is not None:
            return _Reply(fault.status, fault.body)
        auth = self._authenticate(request)
        if isinstance(auth, _Reply):
            return auth
        with self._lock:
            reply = self._route(request, logged_in=auth)
            hold, on_created = self._hold_seconds, self._on_created
        created = (
            request.method == "POST"
            and request.path.rstrip("/") == "/wp-json/wp/v2/posts"
            and reply.status == 201
        )
        if created and isinstance(reply.body, dict):
            if on_created is not None:
                on_created(dict(reply.body))
            if hold > 0:
                time.sleep(hold)
        if fault is not None:
            return _Reply(disconnect=True)
        return reply

    def _authenticate(self, request: RecordedRequest) -> _Reply | bool:
        header = "" if self._strip_authorization else request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return _error(401, "rest_invalid_auth", "Malformed Authorization header.")
        if user != self.username:
            return _error(401, "invalid_username", "Unknown username.")
        if password.replace(" ", "") != self.application_password.replace(" ", ""):
            return _error(401, "incorrect_password", "The provided password is incorrect.")
        return True

    def _route(self, request: RecordedRequest, *, logged_in: bool) -> _Reply:
        method, path, query = request.method, request.path.rstrip("/"), request.query
        if path == "/wp-json":
            return _Reply(body={"name": "Fake WP", "namespaces": ["wp/v2"], "routes": {}})
        needs_login = method == "POST" or query.get("context") == "edit" or "status" in query
        if not logged_in and (needs_login or path == "/wp-json/wp/v2/users/me"):
            if path == "/wp-json/wp/v2/users/me":
                return _error(401, "rest_not_logged_in", "You are not currently logged in.")
            return _error(401, "rest_forbidden_context", "Sorry, you are not allowed to do that.")
        if path == "/wp-json/wp/v2/users/me":
            return _Reply(body={"id": 1, "name": self.username, "capabilities": self.capabilities})
        if path == "/wp-json/wp/v2/posts":
            if method == "POST":
                return _Reply(201, self._create_post(request.json() or {}))
            slug = query.get("slug")
            found = [p for p in self._state.posts.values() if slug is None or p["slug"] == slug]
            if query.get("status") != "any":
                found = [p for p in found if p["status"] == "publish"]
            return _Reply(body=found)
        if match := re.fullmatch(r"/wp-json/wp/v2/(posts|media)/(\d+)", path):
            table = self._state.posts if match.group(1) == "posts" else self._state.media
            entry = table.get(int(match.group(2)))
            if entry is None:
                return _error(404, "rest_post_invalid_id", "Invalid post ID.")
            if method == "POST":
                for key in ("alt_text", "title", "caption"):
                    if key in (request.json() or {}):
                        entry[key] = request.json()[key]
            return _Reply(body=entry)
        if path == "/wp-json/wp/v2/media" and method == "POST":
            return self._upload(request)
        if path == "/wp-json/wp/v2/media":
            # WordPress searches an attachment's title (its file's stem) and content.
            search = query.get("search", "").casefold()
            found = [
                m for m in self._state.media.values() if search in m["title"]["raw"].casefold()
            ]
            return _Reply(body=found)
        if match := re.fullmatch(r"/wp-json/wp/v2/(categories|tags)", path):
            taxonomy = match.group(1)
            if method == "POST":
                name = str((request.json() or {}).get("name", "")).strip()
                for term in self._state.terms[taxonomy].values():
                    if term["name"].casefold() == name.casefold():
                        return _error(400, "term_exists", "A term with that name exists.")
                return _Reply(201, self._create_term(taxonomy, name))
            search = query.get("search", "").casefold()
            found = [
                t for t in self._state.terms[taxonomy].values() if search in t["name"].casefold()
            ]
            return _Reply(body=found)
        return _error(404, "rest_no_route", "No route was found matching the URL and request.")

    def _new_id(self) -> int:
        self._state.next_id += 1
        return self._state.next_id

    def _create_post(self, data: dict[str, Any]) -> dict[str, Any]:
        post_id = self._new_id()
        slug = str(data.get("slug") or f"post-{post_id}")
        post = {
            "id": post_id,
            "slug": slug,
            "status": data.get("status", "draft"),
            "date_gmt": data.get("date_gmt"),
            "link": f"{self.base_url}/{slug}/",
            "title": {"raw": data.get("title", ""), "rendered": data.get("title", "")},
            "content": {"raw": data.get("content", ""), "rendered": data.get("content", "")},
            "excerpt": {"raw": data.get("excerpt", ""), "rendered": data.get("excerpt", "")},
            "featured_media": data.get("featured_media", 0),
            "categories": data.get("categories", []),
            "tags": data.get("tags", []),
        }
        self._state.posts[post_id] = post
        return post

    def _upload(self, request: RecordedRequest) -> _Reply:
        disposition = request.headers.get("content-disposition", "")
        match = re.search(r'filename="?([^";]+)"?', disposition)
        if not match or not request.body:
            return _error(400, "rest_upload_no_data", "No data supplied.")
        media_id = self._new_id()
        stem = match.group(1).rsplit(".", 1)[0]
        slug = re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-")
        taken = {m["slug"] for m in self._state.media.values()}
        n = 1
        while slug in taken:  # WordPress numbers a repeated name
            n += 1
            slug = f"{re.sub(r'-[0-9]+$', '', slug)}-{n}"
        media = {
            "id": media_id,
            "slug": slug,
            "title": {"raw": stem, "rendered": stem},
            "media_type": "image",
            "mime_type": request.headers.get("content-type", ""),
            "alt_text": "",
            "source_url": f"{self.base_url}/wp-content/uploads/{match.group(1)}",
        }
        self._state.media[media_id] = media
        self._state.uploads[media_id] = request.body
        return _Reply(201, media)

    def _create_term(self, taxonomy: str, name: str) -> dict[str, Any]:
        term_id = self._new_id()
        term = {"id": term_id, "name": name.replace("&", "&amp;"), "slug": name.lower()}
        self._state.terms[taxonomy][term_id] = term
        return term

    def _track(self, connection: socket.socket, *, active: bool) -> None:
        with self._lock:
            if active:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)


def _error(status: int, code: str, message: str) -> _Reply:
    return _Reply(status, {"code": code, "message": message, "data": {"status": status}})


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeWordPressServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that vanished mid-request (a killed worker, a timeout) is no server error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
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
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        url = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        request = RecordedRequest(
            method=self.command,
            path=url.path,
            query=query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        reply = self.server.fake.handle(request)
        if reply.disconnect:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
