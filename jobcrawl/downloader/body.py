"""BodyWriter: a Twisted Protocol that decodes a response body into a file as it arrives."""

from __future__ import annotations

import zlib
from typing import IO, TYPE_CHECKING

from scrapy.exceptions import DownloadCancelledError, DownloadFailedError, ResponseDataLossError
from twisted.internet.defer import Deferred
from twisted.internet.protocol import Protocol, connectionDone
from twisted.web.client import ResponseDone, ResponseFailed
from twisted.web.http import PotentialDataLoss

if TYPE_CHECKING:
    from twisted.python.failure import Failure
    from twisted.web.iweb import IResponse

    from jobcrawl.downloader.decode import BodyDecoder


class BodyWriter(Protocol):
    """Receives one response body, decodes it, and writes it to `sink` chunk by chunk.

    `finished` fires with the response flags ([], ["partial"] when the server closed the
    connection without saying the length, ["dataloss"] when it sent less than it said and
    DOWNLOAD_FAIL_ON_DATALOSS is off), or fails with DownloadCancelledError (over
    `maxsize`, received or decoded), ResponseDataLossError or DownloadFailedError (a body
    that cannot be decoded or written). Cancelling `finished` (a download timeout) stops
    the transfer.
    """

    def __init__(self, sink: IO[bytes], decoder: BodyDecoder | None, *, url: str,
                 maxsize: int, fail_on_dataloss: bool) -> None:
        self.sink = sink
        self.decoder = decoder
        self.url = url
        self.maxsize = maxsize
        self.fail_on_dataloss = fail_on_dataloss
        self.received = 0
        self.written = 0
        self.finished: Deferred[list[str]] = Deferred(self._cancel)
        self._announced: int | None = None

    def receive(self, txresponse: IResponse) -> None:
        """Start reading `txresponse`'s body, or finish at once when it has none."""
        length = txresponse.length
        if length == 0:  # deliverBody would wait for a body that never comes
            self.finished.callback([])
            return
        if isinstance(length, int) and self.maxsize and length > self.maxsize:
            self._announced = length  # refused in connectionMade, which can stop the transfer
        txresponse.deliverBody(self)

    def connectionMade(self) -> None:
        if self._announced is not None:
            self._fail(DownloadCancelledError(self._too_big(self._announced, "Expected")))

    def dataReceived(self, data: bytes) -> None:
        if self.finished.called:  # data already buffered when the download was stopped
            return
        self.received += len(data)
        try:
            self._check_size(self.received)
            for chunk in self.decoder.decode(data) if self.decoder else (data,):
                self._write(chunk)
        except DownloadCancelledError as exc:
            self._fail(exc)
        except (zlib.error, OSError) as exc:
            self._fail(DownloadFailedError(f"cannot decode or store the body of {self.url}: "
                                           f"{exc}"))

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        if self.finished.called:
            return
        if reason.check(ResponseDone, PotentialDataLoss):
            try:
                self._write(self.decoder.flush() if self.decoder else b"")
            except (DownloadCancelledError, zlib.error, OSError) as exc:
                self.finished.errback(exc)
                return
            self.finished.callback(["partial"] if reason.check(PotentialDataLoss) else [])
        elif reason.check(ResponseFailed) and not self.fail_on_dataloss:
            self.finished.callback(["dataloss"])
        elif reason.check(ResponseFailed):
            self.finished.errback(ResponseDataLossError(
                f"the connection to {self.url} was lost before the whole body arrived "
                "(DOWNLOAD_FAIL_ON_DATALOSS=False keeps what arrived)"))
        else:
            self.finished.errback(reason)

    def _write(self, chunk: bytes) -> None:
        if chunk:
            self.written += len(chunk)
            self._check_size(self.written)
            self.sink.write(chunk)

    def _check_size(self, size: int) -> None:
        if self.maxsize and size > self.maxsize:
            raise DownloadCancelledError(self._too_big(size, "Received"))

    def _too_big(self, size: int, verb: str) -> str:
        return (f"{verb} {size} bytes which is larger than download max size "
                f"({self.maxsize}) in request {self.url}.")

    def _fail(self, exc: Exception) -> None:
        self._stop()
        if not self.finished.called:
            self.finished.errback(exc)

    def _cancel(self, _: Deferred[list[str]]) -> None:
        self._stop()

    def _stop(self) -> None:
        if self.transport is not None:
            self.transport.stopProducing()
