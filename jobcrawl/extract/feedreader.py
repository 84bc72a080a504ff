"""Streaming reader for job feeds (RSS, Atom, Indeed-style XML): one entry element at a time."""

from __future__ import annotations

import gzip
import re
from typing import IO, TYPE_CHECKING

from lxml import etree

if TYPE_CHECKING:
    from collections.abc import Iterator

ATOM_NS = "http://www.w3.org/2005/Atom"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RSS1_NS = "http://purl.org/rss/1.0/"
RSS090_NS = "http://my.netscape.com/rdf/simple/0.9/"

# The root element names the dialect: RSS 2.0 (and RSS 1.0's rdf:RDF, and a bare <channel>
# as Vacancy Poster sends it), Atom 1.0, the "Indeed-style" job feed that aggregators take
# (<source> or <jobs> holding <job>s: Indeed, Jooble, Careerjet, Jobrapido), and
# Broadbean's <items> of <item> records.
DIALECTS = {
    "rss": "rss",
    f"{{{RDF_NS}}}RDF": "rss",
    "channel": "rss",
    f"{{{ATOM_NS}}}feed": "atom",
    "source": "jobs",
    "jobs": "jobs",
    "items": "items",
}
ENTRY_TAGS = {
    "rss": frozenset({"item", f"{{{RSS1_NS}}}item", f"{{{RSS090_NS}}}item"}),
    "atom": frozenset({f"{{{ATOM_NS}}}entry"}),
    "jobs": frozenset({"job"}),
    "items": frozenset({"item"}),
}
# Under any other root, the first of these among its children names the dialect: Jobatus
# and Trovit put their <ad>s under a root of their own name, school groups their
# <Vacancy>s under <Vacancies>.
RECORD_DIALECTS = {"job": "jobs", "ad": "ads", "item": "items", "vacancy": "vacancies",
                   "Vacancy": "vacancies"}
# An unknown root is refused after this many children without a record among them (or
# this many elements in all), so that a large document that is no feed is not read whole.
MAX_HEADER_CHILDREN = 50
MAX_HEADER_ELEMENTS = 10_000
KNOWN_DIALECTS = (
    "RSS <rss>/<rdf:RDF>/<channel> of <item> (with job extensions: NEOGOV, EngageATS, "
    "We Work Remotely, WP Job Manager, school <Vacancy> records), Atom <feed> of <entry>, "
    "<source>/<jobs> of <job> (Indeed, Jooble, Careerjet, Jobrapido), <items> of <item> "
    "(Broadbean), or <job>/<ad>/<Vacancy> records under any root (Jobatus, Trovit)"
)
# Enough recovered-error messages to show what is wrong with a feed, not all of them.
KEPT_ERRORS = 5
# Bytes kept from the end of the document: room for "</rss>" after any trailing comment;
# and from its start, to show what a document that is no XML at all begins with.
_TAIL_SIZE = 512
_HEAD_SIZE = 60
_GZIP_MAGIC = b"\x1f\x8b"
# C0 control bytes but tab, LF and CR are never allowed in an XML 1.0 document and, in
# UTF-8 or any other ASCII-compatible encoding, never part of another character. One
# of them (a NUL pasted into a job ad) makes libxml2's recovery lose the text around
# it and, often, every entry after it: they are removed before parsing.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
# UTF-16 (with or without a byte-order mark) is full of NUL bytes: left as it is.
_UTF16_STARTS = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")


class FeedError(ValueError):
    """The document cannot be read as a feed."""


class UnknownDialect(FeedError):
    """The document's root element is not one of DIALECTS."""

    def __init__(self, root: str) -> None:
        super().__init__(
            f"root element <{root}> is none of the dialects known: {KNOWN_DIALECTS}; "
            "another XML dialect can be read with a feed profile (-a profile=FILE.yaml)"
        )
        self.root = root


def unpacked(stream: IO[bytes]) -> IO[bytes]:
    """`stream` itself, or a gzip reader over it when it holds a gzip file (feed.xml.gz).

    `stream` must be seekable; closing the gzip reader leaves `stream` open.
    """
    magic = stream.read(2)
    stream.seek(0)
    return gzip.GzipFile(fileobj=stream, mode="rb") if magic == _GZIP_MAGIC else stream


class _Ends:
    """A read-only stream that remembers the first and the last bytes read through it,
    and removes the control bytes XML never allows (`control_bytes` counts them)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.head = b""
        self.tail = b""
        self.control_bytes = 0
        self._strip: bool | None = None

    def read(self, size: int = -1) -> bytes:
        while True:
            data = self._stream.read(size)
            if self._strip is None and data:
                self._strip = not data.startswith(_UTF16_STARTS)
            if data and self._strip:
                cleaned = data.translate(None, _CONTROL_BYTES)
                self.control_bytes += len(data) - len(cleaned)
                data = cleaned
                if not data:
                    continue  # a chunk of nothing but control bytes is not the end
            break
        if data:
            if len(self.head) < _HEAD_SIZE:
                self.head = (self.head + data)[:_HEAD_SIZE]
            self.tail = (self.tail + data[-_TAIL_SIZE:])[-_TAIL_SIZE:]
        return data


class FeedReader:
    """Yields the entries (RSS <item>, Atom <entry>, <job>, <ad> ...) of one feed as the parser
    reaches them.

    Memory stays flat whatever the document's size: an entry is cleared, and dropped from
    its parent, once the consumer has moved past it. Each entry is held back until the
    next one starts (or the document ends) so that a document cut short never yields its
    last, possibly incomplete, entry; `truncated` then says so.

    The root element names the dialect (DIALECTS); under another root the first record
    element among its children does (RECORD_DIALECTS). With `item` (a feed profile's
    entry element: "{namespace}name", or a bare name matched in any namespace) every
    such element is an entry, under any root, and the dialect is "profile".

    The parser recovers from the usual damage in hand-made feeds (a bare "&", an HTML
    entity such as &nbsp; that XML does not define); `error_count` and `errors` report it.
    Entities declared in a DTD are never expanded and nothing is fetched from the network.

    Raises UnknownDialect when the document is not a feed (at its root, or after its
    first children), FeedError for a document without any element, and
    lxml.etree.XMLSyntaxError when libxml2 cannot recover at all.
    """

    def __init__(self, stream: IO[bytes], *, item: str | None = None) -> None:
        self._stream = _Ends(stream)
        self._item = item
        self.dialect: str | None = None
        self.finished = False
        self.truncated = False
        self.error_count = 0
        self.errors: list[str] = []

    @property
    def control_bytes(self) -> int:
        """How many control bytes XML never allows were removed before parsing, so far."""
        return self._stream.control_bytes

    def entries(self) -> Iterator[etree._Element]:
        parser = etree.iterparse(
            self._stream, events=("start", "end"), recover=True, huge_tree=True,
            resolve_entities=False, load_dtd=False, no_network=True,
            remove_comments=True, remove_pis=True,
        )
        root: etree._Element | None = None
        entry_tags: frozenset[str] = frozenset()
        finder: _RecordFinder | None = None
        # A profile's bare item name also matches it in a default namespace.
        any_namespace = f"}}{self._item}" if self._item and "{" not in self._item else None
        depth = 0  # open entry elements: an <item> inside an <item> is part of the outer one
        pending: etree._Element | None = None
        for event, element in parser:
            if root is None:
                root = element
                self.dialect, entry_tags = self._root_dialect(element.tag)
                finder = _RecordFinder(element) if self.dialect is None else None
                continue
            if finder is not None:
                found = finder.see(event, element)
                if found is None:
                    continue
                (self.dialect, entry_tags), finder = found, None
            if element.tag not in entry_tags:
                if any_namespace is None or not str(element.tag).endswith(any_namespace):
                    continue
                entry_tags = entry_tags | {element.tag}
            if event == "start":
                if depth == 0 and pending is not None:
                    yield pending
                    _release(pending)
                    pending = None
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    pending = element
        if root is None:
            begins = self._stream.head.decode("utf-8", "replace")
            raise FeedError(f"no XML element found in a document that begins {begins!r}")
        if self.dialect is None:
            raise UnknownDialect(_qualified(root.tag))
        self._finish(parser, root)
        if pending is not None and not self.truncated:
            yield pending
            _release(pending)

    def _root_dialect(self, tag: object) -> tuple[str | None, frozenset[str]]:
        if self._item is not None:
            return "profile", frozenset({self._item})
        dialect = DIALECTS.get(tag) if isinstance(tag, str) else None
        return dialect, ENTRY_TAGS.get(dialect or "", frozenset())

    def _finish(self, parser: etree.iterparse, root: etree._Element) -> None:
        errors = [e for e in parser.error_log if e.level >= etree.ErrorLevels.ERROR]
        self.error_count = len(errors)
        self.errors = [f"line {e.line}: {e.message}" for e in errors[:KEPT_ERRORS]]
        # In recovery mode libxml2 closes whatever is open at the end of the data, so
        # only the document's own last bytes tell whether its root end tag arrived.
        self.truncated = not _ends_with_end_tag(self._stream.tail, root)
        self.finished = True


class _RecordFinder:
    """Under a root no dialect names, looks for the first record element among its children."""

    def __init__(self, root: etree._Element) -> None:
        self._root = root
        self._level = 1  # inside the root
        self._children = 0
        self._elements = 0

    def see(self, event: str, element: etree._Element) -> tuple[str, frozenset[str]] | None:
        """(dialect, entry tags) once a record starts; UnknownDialect past the limits."""
        if event == "end":
            self._level -= 1
            return None
        if self._level == 1:
            dialect = RECORD_DIALECTS.get(element.tag) if isinstance(element.tag, str) else None
            if dialect is not None:
                return dialect, frozenset({element.tag})
            self._children += 1
        self._level += 1
        self._elements += 1
        if self._children > MAX_HEADER_CHILDREN or self._elements > MAX_HEADER_ELEMENTS:
            raise UnknownDialect(_qualified(self._root.tag))
        return None


def _qualified(tag: object) -> str:
    text = str(tag)
    if text.startswith("{"):
        namespace, local = text[1:].split("}", 1)
        return f"{local} xmlns={namespace!r}"
    return text


def _ends_with_end_tag(tail: bytes, root: etree._Element) -> bool:
    local = etree.QName(root).localname
    encoding = (root.getroottree().docinfo.encoding or "utf-8").lower()
    # UTF-16/32 documents are checked in their own encoding; every other one is ASCII-safe.
    wide = encoding.startswith(("utf-16", "utf-32"))
    text = tail.decode(encoding if wide else "latin-1", "ignore")
    pattern = rf"</(?:[^\s<>:/]+:)?{re.escape(local)}\s*>(?:\s|<!--.*?-->|<\?.*?\?>)*\Z"
    return re.search(pattern, text, re.DOTALL) is not None


def _release(entry: etree._Element) -> None:
    """Free an entry that has been read, and everything before it in its parent."""
    entry.clear(keep_tail=False)
    parent = entry.getparent()
    if parent is not None:
        while entry.getprevious() is not None:
            del parent[0]
