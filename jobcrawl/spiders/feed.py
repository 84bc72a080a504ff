"""The feed spider: RSS 2.0, Atom and Indeed-style XML job feeds, read as a stream."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, ClassVar

from lxml import etree
from pydantic import BeforeValidator

from jobcrawl.config.arguments import ArgFlag, Text, required, url_list
from jobcrawl.config.feedprofiles import FeedProfile, load_feed_profile
from jobcrawl.config.types import positive_int
from jobcrawl.downloader.stream import STREAM_TO_FILE, StreamedResponse
from jobcrawl.extract.feed import FeedContext, source_for, to_item
from jobcrawl.extract.feedprofile import profile_item
from jobcrawl.extract.feedreader import FeedError, FeedReader, UnknownDialect, unpacked
from jobcrawl.runs.failures import mark_failed
from jobcrawl.spiders.api import ApiArguments, ApiSpider

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from scrapy.http import Response

    from jobcrawl.items import JobItem

logger = logging.getLogger(__name__)

HANDLER = "jobcrawl.downloader.stream.StreamingDownloadHandler"


def _feed_urls(raw: str) -> tuple[str, ...]:
    return url_list(required(raw))


class FeedArguments(ApiArguments):
    url: Annotated[tuple[str, ...], BeforeValidator(_feed_urls)]
    dayfirst: ArgFlag = None
    profile: Text = None


class FeedSpider(ApiSpider):
    """Reads job feeds and yields one JobItem per entry; each feed's root names its dialect.

    Arguments:
      url=URL[,URL...]     the feeds: RSS 2.0 (or 1.0), Atom, or the record feeds of
                           aggregators and ATSs (<source>/<jobs> of <job>, <items>,
                           <ad>s ...: jobcrawl.extract.feedreader), plain or gzipped (required)
      profile=FILE.yaml    a feed profile: the item element and where each field sits, for
                           any other XML dialect (jobcrawl/config/feedprofiles.py); every
                           error in it fails the crawl at start-up, named by its key
      dayfirst=true|false  how to read 03/04/2024 (default: the profile's, else
                           JOBCRAWL_DATES_DAYFIRST); US boards write month first: dayfirst=false
      base_url=URL         replaces the origin of every feed URL (ApiSpider)
      max_items=N          stop after N ads (ApiSpider)
      source=NAME          the ads' source name (default feed:<host of each feed URL>)

    The listing a complete crawl covers (for unlisted expiry) is its feed URLs: a
    crawl of one feed never expires the ads that only another feed of the source lists.

    A feed's body is streamed to a temporary file (jobcrawl.downloader.stream) and parsed
    with lxml's iterparse while items are yielded, so memory does not grow with the feed.
    Its size limit is JOBCRAWL_FEED_MAXSIZE (pages keep DOWNLOAD_MAXSIZE).

    Stats: jobcrawl/feed/dialect/<rss|atom|jobs|items|ads|vacancies|profile> (feeds read),
    jobcrawl/feed/entries, .../unknown_dialect, .../unreadable, .../truncated,
    .../xml_errors (recovered), .../bad_entries, .../buffered (a body that arrived in
    memory, not on disk), plus
    ApiSpider's jobcrawl/api/* and the download handler's jobcrawl/stream/*. A document
    that is not a feed, cannot be read, or stops early marks the crawl failed
    (jobcrawl/failed/feed): the ads read before the damage are kept.
    jobcrawl/feed/listing_complete (ApiSpider) is also False when an entry was skipped.
    """

    name = "feed"
    custom_settings: ClassVar[dict[str, Any]] = {
        **ApiSpider.custom_settings,
        "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
    }

    Arguments = FeedArguments
    args: FeedArguments
    page_kind = "feed"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.feed_urls = list(self.args.url)
        self.source = self.args.source
        self.listing = " ".join(["feed", *sorted(set(self.feed_urls))])
        self.feed_profile: FeedProfile | None = (
            load_feed_profile(self.args.profile) if self.args.profile else None)
        if self.args.dayfirst is not None:
            self.dayfirst = self.args.dayfirst
        elif self.feed_profile is not None and self.feed_profile.dayfirst is not None:
            self.dayfirst = self.feed_profile.dayfirst
        self._buffered_warned = False

    async def start(self) -> AsyncIterator[Any]:
        try:
            maxsize = positive_int(self.settings.get("JOBCRAWL_FEED_MAXSIZE"))
        except ValueError as exc:
            raise ValueError(f"JOBCRAWL_FEED_MAXSIZE {exc}") from None
        for url in self.feed_urls:
            # A cached copy of a streamed response would have no file behind it.
            # Feeds go to disk, not memory: their own size limit, not the pages' DOWNLOAD_MAXSIZE.
            meta = {STREAM_TO_FILE: True, "dont_cache": True,
                    "download_maxsize": maxsize}
            yield self.api_request(url, callback=self.parse_feed, meta=meta,
                                   cb_kwargs={"feed_url": url})

    def parse_feed(self, response: Response, feed_url: str) -> Iterator[JobItem]:
        """Every entry of one feed, read as the parser reaches it."""
        self.page_read()
        context = FeedContext(feed_url=feed_url, source=self.source or source_for(feed_url),
                              scraped_at=datetime.now(UTC))
        with self._feed_body(response) as stream:
            reader = FeedReader(stream, item=self.feed_profile.item if self.feed_profile else None)
            try:
                yield from self.take(self._items(reader, context, response.url))
            except UnknownDialect as exc:
                self._failed("unknown_dialect", f"{response.url} is not a job feed: {exc}")
            except (FeedError, etree.XMLSyntaxError) as exc:
                self._failed("unreadable", f"cannot read the feed {response.url}: {exc}")
            else:
                self._report(reader, response.url)

    def listing_complete(self) -> bool:
        """ApiSpider's answer, and no entry skipped as unreadable: its ad would look unlisted."""
        skipped = self.crawler.stats.get_value("jobcrawl/feed/bad_entries")
        return super().listing_complete() and not skipped

    def _items(self, reader: FeedReader, context: FeedContext, url: str) -> Iterator[JobItem]:
        stats = self.crawler.stats
        for entry in reader.entries():
            stats.inc_value("jobcrawl/feed/entries")
            try:
                item = self._to_item(entry, reader, context)
            except Exception as exc:  # one odd entry never ends a feed
                stats.inc_value("jobcrawl/feed/bad_entries")
                logger.warning("skipped entry at line %s of %s: %r", entry.sourceline, url, exc)
                continue
            yield item

    def _to_item(self, entry: Any, reader: FeedReader, context: FeedContext) -> JobItem:
        if self.feed_profile is not None:
            return profile_item(entry, self.feed_profile, context)
        return to_item(entry, reader.dialect or "", context)

    def _report(self, reader: FeedReader, url: str) -> None:
        stats = self.crawler.stats
        stats.inc_value(f"jobcrawl/feed/dialect/{reader.dialect}")
        if reader.error_count:
            stats.inc_value("jobcrawl/feed/xml_errors", reader.error_count)
            logger.warning("%s: recovered from %d XML errors, the first: %s", url,
                           reader.error_count, "; ".join(reader.errors))
        if reader.finished and reader.truncated:
            self._failed("truncated", f"the feed {url} stops before its end; its last entry, "
                         "perhaps incomplete, was left out")

    def _failed(self, event: str, message: str) -> None:
        self.crawler.stats.inc_value(f"jobcrawl/feed/{event}")
        mark_failed(self.crawler.stats, "feed", message)
        logger.error(message)

    @contextmanager
    def _feed_body(self, response: Response) -> Iterator[IO[bytes]]:
        """The body as a binary stream (gunzipped if need be); a streamed file is deleted."""
        if not isinstance(response, StreamedResponse):
            self._buffered(response)
            yield unpacked(BytesIO(response.body))
            return
        try:
            with open(response.body_path, "rb") as raw:
                yield unpacked(raw)
        finally:
            Path(response.body_path).unlink(missing_ok=True)

    def _buffered(self, response: Response) -> None:
        self.crawler.stats.inc_value("jobcrawl/feed/buffered")
        if not self._buffered_warned:
            self._buffered_warned = True
            logger.warning("%s arrived in memory, not streamed to disk: DOWNLOAD_HANDLERS "
                           "does not use %s for it", response.url, HANDLER)
