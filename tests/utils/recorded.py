"""A local HTTP server that answers with recorded API responses (tests only).

    routes = {"/v1/boards/acme/jobs?content=true": Recorded.file(FIXTURES / "x.json")}
    with RecordedServer(routes) as server:
        server.url            # http://127.0.0.1:<port>
        server.requests       # every (path?query, headers) received, in order
        server.answer("/jobs", Recorded.text("..."))  # the route answers otherwise now

A route key is a path plus an optional query; the query matches whatever the order of
its parameters. A request without a route gets the server's ``fallback`` answer, by default
a JSON 404 like a real API's. A route with
``require_auth`` answers 401 unless the request's Authorization header is exactly that
value (APIs with HTTP basic auth, such as Reed's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from jobcrawl.demo.server import LocalServer, QuietHandler


def _key(target: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    parts = urlsplit(target)
    return parts.path, tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))


@dataclass(frozen=True)
class Recorded:
    body: bytes
    status: int = 200
    content_type: str = "application/json; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    require_auth: str | None = None

    @classmethod
    def file(cls, path: Path, **kwargs: Any) -> Recorded:
        if "content_type" not in kwargs and path.suffix == ".xml":
            kwargs["content_type"] = "application/xml; charset=utf-8"
        return cls(path.read_bytes(), **kwargs)

    @classmethod
    def text(cls, text: str, **kwargs: Any) -> Recorded:
        return cls(text.encode("utf-8"), **kwargs)


NOT_FOUND = Recorded(b'{"error": "not found"}', status=404)


@dataclass
class Received:
    target: str
    headers: dict[str, str] = field(default_factory=dict)


class RecordedServer(LocalServer):
    def __init__(self, routes: dict[str, Recorded], host: str = "127.0.0.1",
                 fallback: Recorded = NOT_FOUND) -> None:
        self.routes = {_key(target): answer for target, answer in routes.items()}
        self.fallback = fallback
        self.requests: list[Received] = []
        super().__init__(host)

    def answer(self, target: str, answer: Recorded) -> None:
        """Answer `target` with `answer` from now on (a board that changes between crawls)."""
        self.routes[_key(target)] = answer

    def hits(self, path: str) -> int:
        """How many requests asked for `path` (any query)."""
        return sum(urlsplit(r.target).path == path for r in self.requests)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                server.requests.append(Received(self.path, dict(self.headers.items())))
                answer = server.routes.get(_key(self.path)) or server.fallback
                if answer.require_auth is not None and (
                    self.headers.get("Authorization") != answer.require_auth
                ):
                    answer = Recorded(b'{"message": "Authorization has been denied"}',
                                      status=401)
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(answer.body)

        return Handler
