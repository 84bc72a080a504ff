"""Feed streaming: crawl a large generated Indeed-style feed, print ads, seconds, peak RSS.

Writes an Indeed-style XML job feed of about --mb megabytes (long HTML descriptions in
CDATA) to a temporary folder, serves it from disk on 127.0.0.1, and runs `scrapy crawl
feed` on it twice in subprocesses: with the streaming download handler (the spider's
default) and, for comparison, with Scrapy's own handler that keeps the body in memory
(--no-buffered skips that run). Each run stores into a new SQLite file; the script
checks that every ad was stored and prints ads, seconds, ads/s and peak RSS.

    .venv/bin/python benchmarks/feed.py [--mb 100] [--description-kb 8] [--no-buffered]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jobcrawl.demo.server import LocalServer, QuietHandler  # noqa: E402

SCRAPY_HANDLER = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"
WORDS = [
    "team", "customers", "support", "delivery", "quality", "safety", "training", "shifts",
    "warehouse", "care", "patients", "software", "data", "reports", "budget", "planning",
    "schedule", "clients", "service", "sites", "maintenance", "engineering", "design",
    "testing", "compliance", "colleagues", "community", "stores", "vehicles", "systems",
    "projects", "growth", "benefits", "pension", "holiday", "development", "coaching",
]  # fmt: skip
CITIES = [("Leeds", "West Yorkshire", "GB"), ("Austin", "TX", "US"), ("Zürich", "", "CH"),
          ("Montréal", "QC", "CA"), ("Bergen", "", "NO"), ("Cork", "", "IE")]
JOB_TYPES = ["fulltime", "parttime", "contract", "temporary", "Permanent, Full Time"]


def _paragraph(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _description(rng: random.Random, size: int, n: int) -> str:
    parts = [f"<p><strong>Ad {n}</strong> &ndash; join our team &amp; grow.</p>"]
    while sum(map(len, parts)) < size:
        parts.append(f"<p>{_paragraph(rng, 40)}</p>")
        parts.append("<ul>" + "".join(f"<li>{_paragraph(rng, 6)}</li>" for _ in range(4))
                     + "</ul>")
    if n % 3 == 0:
        parts.append(f"<p>Closing date: {1 + n % 28} April 2031</p>")
    return "".join(parts)


def _job(rng: random.Random, n: int, description_size: int) -> str:
    city, state, country = CITIES[n % len(CITIES)]
    salary = f"<salary><![CDATA[£{20 + n % 30},000 - £{35 + n % 30},000 per annum]]></salary>"
    return (
        "<job>"
        f"<title><![CDATA[{rng.choice(WORDS).title()} Coordinator {n}]]></title>"
        f"<date><![CDATA[2031-03-{1 + n % 28:02d}T09:00:00Z]]></date>"
        f"<referencenumber><![CDATA[BIG-{n:07d}]]></referencenumber>"
        f"<url><![CDATA[https://careers.bigfeed.example/jobs/{n}]]></url>"
        f"<company><![CDATA[Company {n % 97} Ltd]]></company>"
        f"<city><![CDATA[{city}]]></city><state><![CDATA[{state}]]></state>"
        f"<country><![CDATA[{country}]]></country>"
        f"<description><![CDATA[{_description(rng, description_size, n)}]]></description>"
        + (salary if n % 2 == 0 else "")
        + f"<jobtype><![CDATA[{JOB_TYPES[n % len(JOB_TYPES)]}]]></jobtype>"
        f"<category><![CDATA[{rng.choice(WORDS).title()}]]></category>"
        + (f"<expirationdate>2031-05-{1 + n % 28:02d}</expirationdate>" if n % 3 else "")
        + "</job>\n"
    )


def write_feed(path: Path, megabytes: float, description_kb: float = 8, seed: int = 1) -> int:
    """Write an Indeed-style feed of about `megabytes` MB to `path`; the number of ads."""
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    ads = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<source>\n'
                  "<publisher>Big Feed ATS</publisher>\n")
        while out.tell() < target:
            out.write(_job(rng, ads, int(description_kb * 1000)))
            ads += 1
        out.write("</source>\n")
    return ads


class FileServer(LocalServer):
    """Serves one file from disk on 127.0.0.1, in 64 KiB chunks, at any path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        path = self.path

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(path.stat().st_size))
                self.end_headers()
                with path.open("rb") as body:
                    shutil.copyfileobj(body, self.wfile, 64 * 1024)

        return Handler


@dataclass
class CrawlResult:
    exit_code: int
    seconds: float
    peak_rss_mb: float
    stats: dict[str, Any]


def crawl_feed(url: str, workdir: Path, *settings: str, log: IO[str] | None = None) -> CrawlResult:
    """`scrapy crawl feed -a url=URL` into a new SQLite file; its peak RSS from wait4()."""
    stats_path = workdir / f"stats-{time.monotonic_ns()}.json"
    database = workdir / f"jobs-{time.monotonic_ns()}.db"
    command = [
        sys.executable, "-m", "scrapy", "crawl", "feed", "-a", f"url={url}",
        "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING",
        "-s", f"JOBCRAWL_DATABASE_URL=sqlite:///{database}",
        "-s", f"JOBCRAWL_STATSFILE_PATH={stats_path}", *settings,
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=log or subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    # ru_maxrss is in KiB on Linux.
    return CrawlResult(os.waitstatus_to_exitcode(status), seconds, usage.ru_maxrss / 1024, stats)


def _report(name: str, result: CrawlResult, ads: int) -> None:
    stored = int(result.stats.get("jobcrawl/store/new", 0))
    print(f"{name:<10} exit {result.exit_code}  ads stored {stored}/{ads}  "
          f"{result.seconds:7.1f} s  {stored / result.seconds:7.0f} ads/s  "
          f"peak RSS {result.peak_rss_mb:7.1f} MB")
    if result.exit_code != 0 or stored != ads:
        sys.exit(f"{name}: the crawl did not store every ad")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100, help="feed size in MB")
    parser.add_argument("--description-kb", type=float, default=8)
    parser.add_argument("--no-buffered", action="store_true",
                        help="skip the comparison run with Scrapy's in-memory handler")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jobcrawl-feed-bench-") as folder:
        workdir = Path(folder)
        feed = workdir / "feed.xml"
        ads = write_feed(feed, options.mb, options.description_kb)
        print(f"feed: {feed.stat().st_size / 1e6:.1f} MB, {ads} ads")
        with FileServer(feed) as server:
            _report("streamed", crawl_feed(f"{server.url}/feed.xml", workdir), ads)
            if not options.no_buffered:
                handlers = json.dumps({"http": SCRAPY_HANDLER})
                buffered = crawl_feed(f"{server.url}/feed.xml", workdir,
                                      "-s", f"DOWNLOAD_HANDLERS={handlers}",
                                      "-s", "DOWNLOAD_WARNSIZE=0")
                _report("buffered", buffered, ads)


if __name__ == "__main__":
    main()
