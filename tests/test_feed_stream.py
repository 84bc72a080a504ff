"""Incremental body decoding for streamed downloads: gzip, deflate, bombs, odd encodings."""

from __future__ import annotations

import gzip
import random
import zlib

import pytest

from jobcrawl.downloader.decode import DECODE_STEP, BodyDecoder

BODY = ("<source>" + "".join(f"<job><title>Job {n}</title></job>" for n in range(5000))
        + "</source>").encode()


def decode_in_chunks(decoder: BodyDecoder, data: bytes, seed: int = 7) -> bytes:
    """Feed `data` in random chunk sizes, as a network would."""
    rng = random.Random(seed)
    out, start = [], 0
    while start < len(data):
        size = rng.randint(1, 9000)
        out += decoder.decode(data[start:start + size])
        start += size
    return b"".join(out) + decoder.flush()


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("header", "encoded"),
    [
        (b"gzip", gzip.compress(BODY)),
        (b"x-gzip", gzip.compress(BODY)),
        (b"GZIP", gzip.compress(BODY)),
        (b"deflate", zlib.compress(BODY)),  # the standard: zlib-wrapped
        (b"deflate", raw_deflate(BODY)),  # what some servers send instead
        # Several gzip members, as `cat a.gz b.gz` or a streaming compressor makes them.
        (b"gzip", gzip.compress(BODY[:30000]) + gzip.compress(BODY[30000:])),
    ],
)
def test_a_body_decoded_chunk_by_chunk_equals_the_original(header: bytes, encoded: bytes) -> None:
    decoder = BodyDecoder.for_header(header)
    assert decoder is not None
    assert decode_in_chunks(decoder, encoded) == BODY


@pytest.mark.parametrize("header", [None, b"", b"identity", b" identity "])
def test_no_encoding_needs_no_decoder(header: bytes | None) -> None:
    assert BodyDecoder.for_header(header) is None


@pytest.mark.parametrize("header", [b"br", b"zstd", b"gzip, gzip", b"compress"])
def test_an_encoding_that_cannot_be_streamed_is_refused(header: bytes) -> None:
    with pytest.raises(ValueError, match="unsupported Content-Encoding"):
        BodyDecoder.for_header(header)


def test_a_gzip_bomb_comes_out_in_bounded_pieces() -> None:
    bomb = gzip.compress(b"\0" * (64 * DECODE_STEP))  # 64 MiB of zeros in about 64 KiB
    sizes = [len(piece) for piece in BodyDecoder("gzip").decode(bomb)]
    assert max(sizes) <= DECODE_STEP
    assert sum(sizes) == 64 * DECODE_STEP


def test_a_corrupt_body_raises_zlib_error() -> None:
    decoder = BodyDecoder("gzip")
    with pytest.raises(zlib.error):
        list(decoder.decode(b"\x1f\x8b\x08\x00 this is not gzip data at all"))
