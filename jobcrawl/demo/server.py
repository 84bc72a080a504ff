"""Local HTTP servers on 127.0.0.1 (the demo board, test and benchmark servers), threaded."""

from __future__ import annotations

import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Self

from jobcrawl.demo.site import Board

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

# A Host header we are willing to echo into absolute links; anything else falls
# back to the address the server is bound to.
_SAFE_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that keeps its access log off the crawl, test and benchmark output."""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a crawl of 20,000 pages would otherwise print 20,000 lines."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # keep-alive connections must not keep the process alive
    request_queue_size = 128  # listen backlog: a crawl opens 16+ connections at once


class LocalServer:
    """An HTTP server on a port of 127.0.0.1: the demo board, test and benchmark servers.

    A context manager serving from a background thread, or `serve_forever()` in the
    calling thread. Subclasses give `handler()`; `url` binds the port on first use, so
    it is known before the server starts.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._address: tuple[str, int] | None = None

    def handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def configure(self, server: _Server) -> None:
        """Hook for subclasses: attach what the handler reads to the bound server."""

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not bound yet: call start()")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The server's origin; stays readable after stop(), for messages that name it."""
        if self._address is None:
            self.bind()
        assert self._address is not None
        return f"http://{self._address[0]}:{self._address[1]}"

    def bind(self) -> None:
        """Open the listening socket (OSError if the port is taken); idempotent."""
        if self._server is not None:
            return
        self._server = _Server((self.host, self._requested_port), self.handler())
        self._address = (self.host, self._server.server_address[1])
        self.configure(self._server)

    def start(self) -> Self:
        """Serve from a background (daemon) thread; returns self. Idempotent."""
        if self._thread is not None:
            return self
        self.bind()
        assert self._server is not None
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name=f"{type(self).__name__}-{self.port}", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until KeyboardInterrupt (which propagates)."""
        self.bind()
        assert self._server is not None
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()
            self._server = None

    def stop(self) -> None:
        """Stop serving and close the socket; safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


class _Handler(QuietHandler):
    """GET/HEAD from the board; HTTP/1.1 keep-alive, always with Content-Length."""

    protocol_version = "HTTP/1.1"
    server_version = "jobcrawl-demoboard/0.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stalls
    timeout = 30  # idle keep-alive connections end, and with them their threads
    server: _BoardServer

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        with self.server.hits_lock:
            self.server.hits[self.path] += 1
        host = self.headers.get("Host", "")
        origin = f"http://{host}" if _SAFE_HOST.fullmatch(host) else self.server.fallback_origin
        status, content_type, body = self.server.board.render(self.path, origin)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)


class _BoardServer(_Server):
    board: Board
    fallback_origin: str
    hits: Counter[str]
    hits_lock: threading.Lock


class DemoBoard(LocalServer):
    """The demo board on a real port; a context manager for tests and benchmarks.

    ``hits`` counts requests per request target (path and query, as sent), so a
    test can check that ``/robots.txt`` was read and ``/private/`` never was.
    """

    def __init__(self, n_ads: int = 300, seed: int = 2013, host: str = "127.0.0.1",
                 port: int = 0, *, board: Board | None = None, per_page: int = 20) -> None:
        super().__init__(host, port)
        self.board = board if board is not None else Board.generate(n_ads, seed, per_page)
        self.hits: Counter[str] = Counter()
        self._hits_lock = threading.Lock()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    def configure(self, server: _Server) -> None:
        server.board = self.board  # type: ignore[attr-defined]
        server.hits = self.hits  # type: ignore[attr-defined]
        server.hits_lock = self._hits_lock  # type: ignore[attr-defined]
        port = server.server_address[1]
        server.fallback_origin = f"http://{self.host}:{port}"  # type: ignore[attr-defined]

    def hit_count(self, prefix: str) -> int:
        """Requests whose target starts with ``prefix``, e.g. ``/private/``."""
        with self._hits_lock:
            return sum(n for target, n in self.hits.items() if target.startswith(prefix))


def serve_forever(host: str = "127.0.0.1", port: int = 8765, n_ads: int = 300, seed: int = 2013,
                  on_ready: Callable[[DemoBoard], None] | None = None) -> None:
    """Serve a generated board until Ctrl-C; ``on_ready`` runs once the port is bound."""
    demo = DemoBoard(n_ads, seed, host, port)
    demo.bind()
    if on_ready is not None:
        on_ready(demo)
    demo.serve_forever()
