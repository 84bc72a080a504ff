"""A large feed is streamed: the crawl's peak memory does not grow with the feed's size."""

from __future__ import annotations

from pathlib import Path

from benchmarks.feed import FileServer, crawl_feed, write_feed

FEED_MB = 32
# Small store batches, so that what the pipelines hold (a batch of long ads) stays small
# next to the feed and what remains to measure is how the feed itself is held.
SETTINGS = ("-s", "JOBCRAWL_STORE_BATCH_SIZE=50")


def test_a_32_mb_feed_is_stored_whole_without_its_size_in_memory(tmp_path: Path) -> None:
    small_feed, large_feed = tmp_path / "small.xml", tmp_path / "large.xml"
    small_ads = write_feed(small_feed, 0.2)
    large_ads = write_feed(large_feed, FEED_MB)
    feed_mb = large_feed.stat().st_size / 2**20

    with FileServer(small_feed) as server:
        baseline = crawl_feed(f"{server.url}/small.xml", tmp_path, *SETTINGS)
    with FileServer(large_feed) as server:
        large = crawl_feed(f"{server.url}/large.xml", tmp_path, *SETTINGS)

    assert (baseline.exit_code, large.exit_code) == (0, 0)
    assert baseline.stats["jobcrawl/store/new"] == small_ads
    assert large.stats["jobcrawl/feed/entries"] == large_ads
    assert large.stats["jobcrawl/store/new"] == large_ads
    assert large.stats["jobcrawl/stream/files"] == 1
    assert large.stats["jobcrawl/stream/bytes"] == large_feed.stat().st_size
    # Holding the body in memory, as Scrapy's own handler does, costs at least the
    # feed's size on top of the baseline (about 36 MB for this feed).
    growth = large.peak_rss_mb - baseline.peak_rss_mb
    assert growth < feed_mb / 3, (
        f"peak RSS grew by {growth:.1f} MB for a {feed_mb:.1f} MB feed "
        f"({baseline.peak_rss_mb:.1f} -> {large.peak_rss_mb:.1f} MB)"
    )
