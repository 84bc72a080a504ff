"""A threaded HTTP server on a free port of 127.0.0.1, for tests and benchmarks."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that keeps its access log off the test and benchmark output."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class LocalServer:
    """Serves `handler()`'s requests from a background thread while used as a context.

    Subclasses set what their handler reads before calling this __init__, which
    binds the port at once (so `url` is known before the server starts).
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._server = ThreadingHTTPServer((host, 0), self.handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
