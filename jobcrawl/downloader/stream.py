"""HTTP(S) download handler that can stream a response body to a temporary file.

Why a download handler. Scrapy 2.19 keeps every response body whole in memory: its
HTTP/1.1 handler appends each received chunk to a BytesIO, and the bytes_received signal
only lets a listener look at the chunks (or stop the download), not keep them out of that
buffer. Scrapy has no API for bodies on disk yet (scrapy/scrapy#3880 and #4620, PR #7987).
A downloader middleware that fetched the feed itself would run outside the downloader's
slots (concurrency, delays) and bypass its handler settings. So the http/https handler is
replaced, for the spiders that ask for it in custom_settings, by a subclass of Scrapy's
own HTTP11DownloadHandler: ordinary requests go through it unchanged; a request with
``meta[STREAM_TO_FILE] = True`` is sent with Twisted's public ``Agent`` over the same
connection pool and TLS policy, and a Twisted ``Protocol`` decodes its body (gzip,
deflate) and writes it to a temporary file as the chunks arrive. The callback receives a
StreamedResponse: an empty ``body`` and the file's path in ``body_path``. The subclass
reads three attributes of its parent (``_pool``, ``_contextFactory``, ``_bind_address``);
a Scrapy upgrade that renames them fails the feed tests at once rather than quietly.

Kept from Scrapy: download_timeout (for the whole download), download_maxsize (checked
on the bytes received and on the bytes after decoding, so a gzip bomb stops early),
DOWNLOAD_FAIL_ON_DATALOSS and the "partial"/"dataloss" flags, redirects, retries and
HTTP errors (a non-2xx body stays in memory: it is small and middlewares read it).
Not applied to streamed bodies: DOWNLOAD_WARNSIZE (a warning about memory, which they do
not use) and the headers_received/bytes_received signals. A request through a proxy
(meta["proxy"]) is downloaded the ordinary way, in memory, with a warning.

The consumer deletes the file when it is done with it; files still there when the crawl
ends are deleted when the handler closes.
"""

from __future__ import annotations

import logging
import os
import tempfile
from io import BytesIO
from pathlib import Path
from time import monotonic
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urldefrag

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
)
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer, error
from twisted.web.client import Agent, FileBodyProducer, ResponseFailed
from twisted.web.http_headers import Headers as TxHeaders

from jobcrawl.downloader.body import BodyWriter
from jobcrawl.downloader.decode import BodyDecoder

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from twisted.web.iweb import IResponse

logger = logging.getLogger(__name__)

STREAM_TO_FILE = "jobcrawl_stream_to_file"
# Only what BodyDecoder can decode while streaming (no br, no zstd).
ACCEPT_ENCODING = b"gzip, deflate"


class StreamedResponse(Response):
    """A response whose body is in the file at ``body_path``; ``body`` is empty."""

    attributes: tuple[str, ...] = (*Response.attributes, "body_path", "body_size")

    def __init__(self, *args: Any, body_path: str, body_size: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.body_path = body_path
        self.body_size = body_size


class StreamingDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler; 2xx bodies of requests flagged STREAM_TO_FILE go to disk.

    Settings: JOBCRAWL_STREAM_TEMP_DIR (folder for the files; default: the system's temp
    folder), and Scrapy's DOWNLOAD_TIMEOUT, DOWNLOAD_MAXSIZE, DOWNLOAD_FAIL_ON_DATALOSS.
    Stats: jobcrawl/stream/files (bodies written to disk), jobcrawl/stream/bytes (their
    decoded size), jobcrawl/stream/buffered (flagged requests downloaded in memory: proxy).
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._temp_dir: str | None = crawler.settings.get("JOBCRAWL_STREAM_TEMP_DIR") or None
        if self._temp_dir is not None and not os.path.isdir(self._temp_dir):
            raise ValueError(f"JOBCRAWL_STREAM_TEMP_DIR: {self._temp_dir!r} is not a folder")
        self._stats = crawler.stats
        self._files: set[str] = set()
        self._proxy_warned = False

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get(STREAM_TO_FILE):
            return await super().download_request(request)
        if request.meta.get("proxy"):
            self._buffered_for_proxy(request)
            return await super().download_request(request)
        return await self._stream(request)

    async def close(self) -> None:
        await super().close()
        for path in self._files:
            Path(path).unlink(missing_ok=True)
        self._files.clear()

    def _buffered_for_proxy(self, request: Request) -> None:
        if self._stats is not None:
            self._stats.inc_value("jobcrawl/stream/buffered")
        if not self._proxy_warned:
            self._proxy_warned = True
            logger.warning("%s goes through a proxy: its body is downloaded into memory, "
                           "not streamed to disk", request.url)

    async def _stream(self, request: Request) -> Response:
        from twisted.internet import reactor

        timeout = float(request.meta.get("download_timeout") or 180)
        bind = request.meta.get("bindaddress") or self._bind_address
        agent = Agent(reactor, contextFactory=self._contextFactory, connectTimeout=timeout,
                      bindAddress=_bind_address(bind), pool=self._pool)
        headers = TxHeaders(request.headers)
        headers.setRawHeaders(b"Accept-Encoding", [ACCEPT_ENCODING])
        producer = FileBodyProducer(BytesIO(request.body)) if request.body else None
        url = urldefrag(request.url)[0]
        started = monotonic()
        deferred = agent.request(request.method.encode("ascii"), url.encode("ascii"),
                                 headers, producer)
        deferred.addCallback(self._receive, request, started)
        deferred.addTimeout(timeout, reactor)
        try:
            return await maybe_deferred_to_future(deferred)
        except (defer.TimeoutError, error.TimeoutError) as exc:
            raise DownloadTimeoutError(
                f"Getting {url} took longer than {timeout} seconds.") from exc
        except error.DNSLookupError as exc:
            raise CannotResolveHostError(str(exc)) from exc
        except error.ConnectionRefusedError as exc:
            raise DownloadConnectionRefusedError(str(exc)) from exc
        except ResponseFailed as exc:
            raise DownloadFailedError(str(exc)) from exc

    def _receive(self, txresponse: IResponse, request: Request,
                 started: float) -> defer.Deferred[Response]:
        """Headers are in: read the body into a file (2xx) or into memory (anything else)."""
        request.meta["download_latency"] = monotonic() - started
        headers = Headers(txresponse.headers.getAllRawHeaders())
        streamed = 200 <= txresponse.code < 300
        try:
            decoder = BodyDecoder.for_header(headers.get(b"Content-Encoding"))
        except ValueError as exc:
            if streamed:
                raise DownloadFailedError(f"{exc} from {request.url}") from exc
            decoder = None  # HttpCompressionMiddleware may still know it
        if decoder is not None:
            del headers[b"Content-Encoding"]
            headers.pop(b"Content-Length", None)  # the encoded size, not the body's
        sink, path = self._open_sink() if streamed else (BytesIO(), None)
        writer = BodyWriter(
            sink, decoder, url=request.url,
            maxsize=int(request.meta.get("download_maxsize", self._default_maxsize)),
            fail_on_dataloss=bool(request.meta.get("download_fail_on_dataloss",
                                                   self._fail_on_dataloss)),
        )
        writer.receive(txresponse)
        finished = writer.finished
        finished.addCallback(self._response, txresponse, request, headers, writer, path)
        finished.addErrback(self._discard, sink, path)
        return finished

    def _open_sink(self) -> tuple[IO[bytes], str]:
        sink = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed when the body ends
            prefix="jobcrawl-stream-", suffix=".body", dir=self._temp_dir, delete=False
        )
        self._files.add(sink.name)
        return sink, sink.name

    def _response(self, flags: list[str], txresponse: IResponse, request: Request,
                  headers: Headers, writer: BodyWriter, path: str | None) -> Response:
        common: dict[str, Any] = {
            "url": request.url, "status": int(txresponse.code), "headers": headers,
            "flags": flags or None,
            "protocol": "HTTP/{1}.{2}".format(*txresponse.version),
        }
        if path is None:
            body = writer.sink.getvalue()  # type: ignore[attr-defined]
            respcls = responsetypes.from_args(headers=headers, url=request.url, body=body)
            return respcls(body=body, **common)
        writer.sink.close()
        if self._stats is not None:
            self._stats.inc_value("jobcrawl/stream/files")
            self._stats.inc_value("jobcrawl/stream/bytes", writer.written)
        return StreamedResponse(body_path=path, body_size=writer.written, **common)

    def _discard(self, failure: Any, sink: IO[bytes], path: str | None) -> Any:
        sink.close()
        if path is not None:
            Path(path).unlink(missing_ok=True)
            self._files.discard(path)
        if failure.check(DownloadCancelledError):
            logger.warning("%s", failure.value)
        return failure


def _bind_address(value: Any) -> tuple[str, int] | None:
    """DOWNLOAD_BIND_ADDRESS / meta["bindaddress"]: "host", (host, port) or None."""
    if not value:
        return None
    if isinstance(value, str):
        return (value, 0)
    host, port = value
    return (str(host), int(port))

