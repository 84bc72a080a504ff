"""Reading one ad page: JobPostings, items, normalisation and the closed-notice check, ms per page.

Renders the ad pages of a generated demo board (JSON-LD in every shape, microdata, pages
without a posting) in memory and reads each one as the jobposting spider does
(extract_postings, to_item, normalize_item, page_closed_notice), in a few rounds; or,
with --page, one saved page many times (e.g. an RDFa page, an Indeed-style page).
No server, no crawl: the extraction's own cost, without Scrapy's.

    .venv/bin/python benchmarks/pages.py [--ads 2000] [--rounds 5]
    .venv/bin/python benchmarks/pages.py --page tests/fixtures/pages/rdfa.html [--repeat 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scrapy.http import HtmlResponse  # noqa: E402

from jobcrawl.demo.ads import generate_ads  # noqa: E402
from jobcrawl.demo.site import DEFAULT_ORIGIN, Board  # noqa: E402
from jobcrawl.extract.closed import page_closed_notice  # noqa: E402
from jobcrawl.extract.jobposting import to_item  # noqa: E402
from jobcrawl.extract.jsonld import extract_postings  # noqa: E402
from jobcrawl.extract.normalize import normalize_item  # noqa: E402


def read(url: str, body: bytes) -> None:
    response = HtmlResponse(url=url, body=body, encoding="utf-8")
    for posting in extract_postings(response).postings:
        normalize_item(to_item(posting, response, source="bench", scraped_at=datetime.now(UTC)))
    page_closed_notice(response)


def demo_pages(count: int) -> list[tuple[str, bytes]]:
    ads = generate_ads(count)
    board = Board(ads)
    pages = []
    for ad in ads:
        status, _, body = board.render(f"/jobs/{ad.ad_id}")[:3]
        if status == 200:
            pages.append((f"{DEFAULT_ORIGIN}/jobs/{ad.ad_id}", body))
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ads", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--page", type=Path, help="one saved page instead of the demo board")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    if args.page is not None:
        body = args.page.read_bytes()
        read("https://bench.example/job", body)  # first read: imports, compiled patterns
        start = time.perf_counter()
        for _ in range(args.repeat):
            read("https://bench.example/job", body)
        print(f"{args.page}: {(time.perf_counter() - start) / args.repeat * 1000:.3f} ms/page")
        return
    pages = demo_pages(args.ads)
    for url, body in pages[:50]:
        read(url, body)
    rounds = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        for url, body in pages:
            read(url, body)
        rounds.append((time.perf_counter() - start) / len(pages) * 1000)
    print(f"{len(pages)} demo ad pages: median {statistics.median(rounds):.3f} ms/page "
          f"(rounds: {', '.join(f'{r:.3f}' for r in rounds)})")


if __name__ == "__main__":
    main()
