"""Incremental Content-Encoding decoding (gzip, deflate) for bodies read chunk by chunk."""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from collections.abc import Iterator

# At most this much decoded data per step, so that a size limit stops a gzip bomb after
# one step instead of after the whole expansion of a network chunk.
DECODE_STEP = 1 << 20
ENCODINGS = ("gzip", "x-gzip", "deflate", "identity")
_GZIP_MAGIC = b"\x1f\x8b"


class BodyDecoder:
    """Decodes one response body as its chunks arrive: gzip (several members too) or deflate.

    "deflate" is zlib-wrapped by the standard, but some servers send raw deflate; the
    first chunk decides which.
    """

    def __init__(self, encoding: str) -> None:
        if encoding not in ENCODINGS:
            raise ValueError(f"unsupported Content-Encoding {encoding!r}")
        self.encoding = "gzip" if encoding == "x-gzip" else encoding
        self._wbits = 16 + zlib.MAX_WBITS if self.encoding == "gzip" else zlib.MAX_WBITS
        self._inflate = zlib.decompressobj(self._wbits)
        self._started = False

    @classmethod
    def for_header(cls, value: bytes | None) -> Self | None:
        """The decoder a Content-Encoding header asks for; None when there is nothing to do.

        Raises ValueError for an encoding it cannot decode (several stacked, br, zstd ...).
        """
        names = [part.strip().lower() for part in (value or b"").decode("latin-1").split(",")]
        names = [name for name in names if name and name != "identity"]
        if not names:
            return None
        if len(names) > 1:
            raise ValueError(f"unsupported Content-Encoding {', '.join(names)!r}")
        return cls(names[0])

    def decode(self, data: bytes) -> Iterator[bytes]:
        """The decoded bytes of `data`, in pieces of at most DECODE_STEP bytes."""
        if self.encoding == "identity":
            yield data
            return
        pending = self._first(data) if not self._started else data
        while pending:
            out = self._inflate.decompress(pending, DECODE_STEP)
            if out:
                yield out
            pending = self._inflate.unconsumed_tail
            if not pending and self._inflate.eof:
                pending = self._next_member()

    def flush(self) -> bytes:
        return b"" if self.encoding == "identity" else self._inflate.flush()

    def _first(self, data: bytes) -> bytes:
        self._started = True
        if self.encoding == "deflate":
            try:
                zlib.decompressobj(zlib.MAX_WBITS).decompress(data[:64])
            except zlib.error:
                self._wbits = -zlib.MAX_WBITS  # raw deflate, without the zlib header
                self._inflate = zlib.decompressobj(self._wbits)
        return data

    def _next_member(self) -> bytes:
        """A gzip body may hold several members; anything else after the end is ignored."""
        rest = self._inflate.unused_data
        if self.encoding != "gzip" or not rest.startswith(_GZIP_MAGIC):
            return b""
        self._inflate = zlib.decompressobj(self._wbits)
        return rest
