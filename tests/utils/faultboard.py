"""A demo board that misbehaves on purpose, on a fixed schedule: the server faults of issue 13.

Every listing and ad page gets, from a hash of (seed, path), a fault or none; the
fault depends on the attempt number (how many times that path was asked for), so a
crawl sees the same faults in every run, and each page recovers after its scheduled
failures:

- ``500``/``502``/``503``: that status once or twice, then the page;
- ``429s``/``429d``: 429 with ``Retry-After`` in seconds / as an HTTP-date; asked
  again before then, 429 again (counted in ``early``), then the page;
- ``hang``: the first answer comes after ``hang_seconds`` (past the crawl's timeout);
- ``reset``: the first connection is reset (RST, no answer);
- ``truncate``: the first answer has a Content-Length above its body, then closes;

and, apart from faults, some ad pages (``cp1252(path)``) are always served in
Windows-1252 with no charset anywhere (they must decode to the same text).

Listing page 1 also links extras that are not ads: ``/faults/offsite`` (302 to
another loopback host), ``/faults/ftp`` and ``/faults/javascript`` (302 to those
schemes), ``/faults/huge`` (a 50 MB page, streamed). With ``never_recovers`` the
last listing page answers 503 forever.

``arrivals`` records (monotonic time, path) of every request; ``pauses`` each 429's
(sent at, retry allowed from) window, in the same clock.
"""

from __future__ import annotations

import hashlib
import math
import socket
import struct
import threading
import time
from dataclasses import replace
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING

from jobcrawl.demo.ads import generate_ads
from jobcrawl.demo.server import _SAFE_HOST, DemoBoard, QuietHandler
from jobcrawl.demo.site import Board

if TYPE_CHECKING:
    from jobcrawl.demo.server import _Server

FAULTS = ("500", "502", "503", "429s", "429d", "hang", "reset", "truncate")
CP1252_RATE = 0.15
EXTRAS = ("/faults/offsite", "/faults/ftp", "/faults/javascript", "/faults/huge")
HUGE_SIZE = 50 * 1024 * 1024
_CHUNK = 1 << 20
# Twice: 502 and 503 fail twice, 500 once.
_FAILURES = {"500": 1, "502": 2, "503": 2, "hang": 1, "reset": 1, "truncate": 1}


def fault_board_ads(n_ads: int, seed: int = 2013) -> Board:
    """A demo board whose every 5th title has a ’ (a byte of its own in Windows-1252)."""
    ads = [replace(ad, title=f"{ad.title} (Children’s Services)") if index % 5 == 0 else ad
           for index, ad in enumerate(generate_ads(n_ads, seed))]
    return Board(ads, per_page=20)


class FaultBoard(DemoBoard):
    """The demo board's pages behind the fault schedule above; ``faults=False``: a clean board."""

    def __init__(self, n_ads: int = 120, seed: int = 2013, *, fault_rate: float = 0.3,
                 retry_after: int = 1, hang_seconds: float = 3.0, faults: bool = True,
                 never_recovers: bool = False, host: str = "127.0.0.1") -> None:
        super().__init__(host=host, board=fault_board_ads(n_ads, seed))
        self.seed, self.fault_rate, self.faults = seed, fault_rate, faults
        self.retry_after, self.hang_seconds = retry_after, hang_seconds
        self.never_recovers = never_recovers
        self.lock = threading.Lock()
        self.attempts: dict[str, int] = {}
        self.allowed_at: dict[str, float] = {}  # 429'd path -> Unix time it may come back
        self.early: dict[str, int] = {}
        self.arrivals: list[tuple[float, str]] = []
        self.pauses: list[tuple[float, float]] = []
        self.injected: dict[str, int] = {}

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _FaultHandler

    def configure(self, server: _Server) -> None:
        super().configure(server)
        server.faultboard = self  # type: ignore[attr-defined]

    def fault(self, path: str) -> str | None:
        """The fault scheduled for `path` (None: a well-behaved page)."""
        if not self.faults or not (path.startswith(("/jobs", "/featured/"))):
            return None
        digest = hashlib.blake2b(f"{self.seed}:{path}".encode(), digest_size=8).digest()
        draw = int.from_bytes(digest, "big") / 2**64
        if draw >= self.fault_rate:
            return None
        return FAULTS[int(draw / self.fault_rate * len(FAULTS))]

    def cp1252(self, path: str) -> bool:
        """Whether `path` is served in Windows-1252 without a charset (an ad page, faults on)."""
        if not self.faults or not path.startswith("/jobs/"):
            return False
        digest = hashlib.blake2b(f"{self.seed}:cp1252:{path}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2**64 < CP1252_RATE

    def listing_extras(self) -> str:
        return "".join(f'<a href="{path}">extra {path}</a>\n' for path in EXTRAS)

    def scheduled(self) -> dict[str, str]:
        """Every listing and ad path with a fault: {path: fault}."""
        last = self.board.listing_pages
        paths = [f"/jobs?page={n}" if n > 1 else "/jobs" for n in range(1, last + 1)]
        paths += [f"/jobs/{ad.ad_id}" for ad in self.board.ads]
        paths += [f"/featured/{ad.ad_id}" for ad in self.board.featured]
        return {path: fault for path in paths if (fault := self.fault(path)) is not None}


class _FaultHandler(QuietHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 30

    def do_GET(self) -> None:
        board: FaultBoard = self.server.faultboard  # type: ignore[attr-defined]
        path = self.path
        with board.lock:
            attempt = board.attempts.get(path, 0) + 1
            board.attempts[path] = attempt
            board.arrivals.append((time.monotonic(), path))
        if path in EXTRAS:
            self._extra(board, path)
            return
        if board.never_recovers and path == f"/jobs?page={board.board.listing_pages}":
            self._status(503)
            return
        fault = board.fault(path)
        if fault is not None and self._injected(board, path, fault, attempt):
            with board.lock:
                board.injected[fault] = board.injected.get(fault, 0) + 1
            return
        self._page(board, path, cp1252=board.cp1252(path))

    # --- faults ---------------------------------------------------------------

    def _injected(self, board: FaultBoard, path: str, fault: str, attempt: int) -> bool:
        """Answer with the fault if it is due on this attempt; False: serve the page."""
        if fault in ("429s", "429d"):
            return self._too_many(board, path, fault)
        if attempt > _FAILURES.get(fault, 0):
            return False
        if fault in ("500", "502", "503"):
            self._status(int(fault))
        elif fault == "hang":
            time.sleep(board.hang_seconds)
            self._page(board, path, cp1252=board.cp1252(path))
        elif fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
        elif fault == "truncate":
            status, content_type, body = self._render(board, path)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body) + 1000))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
        return True

    def _too_many(self, board: FaultBoard, path: str, fault: str) -> bool:
        now = time.time()
        with board.lock:
            allowed = board.allowed_at.get(path)
            if allowed is not None and now >= allowed:
                return False
            if allowed is not None:
                board.early[path] = board.early.get(path, 0) + 1
            else:
                # HTTP-dates have whole seconds: the wait runs to a whole second.
                allowed = (now + board.retry_after if fault == "429s"
                           else float(math.ceil(now) + board.retry_after))
                board.allowed_at[path] = allowed
                board.pauses.append((time.monotonic(), time.monotonic() + allowed - now))
        value = (str(board.retry_after) if fault == "429s"
                 else formatdate(allowed, usegmt=True))
        self._status(429, {"Retry-After": value})
        return True

    def _extra(self, board: FaultBoard, path: str) -> None:
        port = self.server.server_address[1]
        targets = {"/faults/offsite": f"http://127.0.0.2:{port}/jobs",
                   "/faults/ftp": f"ftp://127.0.0.1:{port}/jobs.txt",
                   "/faults/javascript": "javascript:alert(document.cookie)"}
        if path in targets:
            self._status(302, {"Location": targets[path]})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(HUGE_SIZE))
        self.end_headers()
        chunk = b"<p>" + b"x" * (_CHUNK - 8) + b"</p>\n\n"
        try:
            for _ in range(HUGE_SIZE // _CHUNK):
                self.wfile.write(chunk)
        except OSError:
            self.close_connection = True  # the crawler gave up on it, as it should

    # --- pages ----------------------------------------------------------------

    def _render(self, board: FaultBoard, path: str) -> tuple[int, str, bytes]:
        host = self.headers.get("Host", "")
        origin = f"http://{host}" if _SAFE_HOST.fullmatch(host) else board.url
        status, content_type, body = board.board.render(path, origin)
        if path == "/jobs" and status == 200:
            body = body.replace(b"</main>", board.listing_extras().encode() + b"</main>", 1)
        return status, content_type, body

    def _page(self, board: FaultBoard, path: str, *, cp1252: bool) -> None:
        status, content_type, body = self._render(board, path)
        if cp1252:
            text = body.decode("utf-8").replace('<meta charset="utf-8">\n', "")
            body = text.encode("cp1252", errors="xmlcharrefreplace")
            content_type = "text/html"
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            self.close_connection = True  # a hung answer the crawler no longer waits for

    def _status(self, status: int, headers: dict[str, str] | None = None) -> None:
        body = f"<h1>{status}</h1>\n".encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
