"""Incremental recrawl: a second crawl of an unchanged board against the first.

Serves a generated demo board of N ads on 127.0.0.1 and crawls it twice with
`scrapy crawl jobposting` into one new SQLite file (its schema made beforehand
by `scrapy db upgrade`, as benchmarks/crawl.py does). The second crawl finds
every ad fetched moments ago, within JOBCRAWL_RECRAWL_TTL, so it should read the
listing pages and touch the ads instead of fetching them. Prints requests and
wall time of both crawls, the ratios against the targets, and whether every
ad's last_seen moved (checked in the database).

    .venv/bin/python benchmarks/recrawl.py [--ads 20000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.crawl import common_settings  # noqa: E402
from jobcrawl.demo.server import DemoBoard  # noqa: E402

REQUESTS_TARGET = 0.10
TIME_TARGET = 0.15


@dataclass
class Crawl:
    seconds: float
    stats: dict[str, object]

    def get(self, key: str) -> int:
        return int(self.stats.get(key, 0) or 0)  # type: ignore[call-overload]


def crawl(board: DemoBoard, database: Path, stats_path: Path, concurrency: int) -> Crawl:
    command = [sys.executable, "-m", "scrapy", "crawl", "jobposting",
               "-a", f"url={board.url}/jobs", "-s", f"JOBCRAWL_DATABASE_URL=sqlite:///{database}",
               *common_settings(concurrency, stats_path)]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"crawl failed with exit code {result.returncode}:\n{result.stderr[-3000:]}")
    return Crawl(seconds, json.loads(stats_path.read_text()))


def last_seen(database: Path) -> dict[int, str]:
    with sqlite3.connect(database) as connection:
        return dict(connection.execute("SELECT id, last_seen FROM jobs").fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ads", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    with DemoBoard(n_ads=args.ads) as board, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        database = work / "recrawl.db"
        subprocess.run([sys.executable, "-m", "scrapy", "db", "upgrade",
                        "-s", f"JOBCRAWL_DATABASE_URL=sqlite:///{database}"],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        first = crawl(board, database, work / "first.json", args.concurrency)
        before = last_seen(database)
        second = crawl(board, database, work / "second.json", args.concurrency)
        after = last_seen(database)

    moved = sum(after.get(job_id, "") > seen for job_id, seen in before.items())
    requests = second.get("downloader/request_count") / first.get("downloader/request_count")
    seconds = second.seconds / first.seconds
    print(f"board: {args.ads} ads, concurrency {args.concurrency}")
    print(f"{'crawl':<8}{'seconds':>9}{'requests':>10}{'new':>8}{'unchanged':>11}"
          f"{'touched':>9}{'skipped':>9}")
    for name, run in (("first", first), ("second", second)):
        print(f"{name:<8}{run.seconds:>9.1f}{run.get('downloader/request_count'):>10}"
              f"{run.get('jobcrawl/store/new'):>8}{run.get('jobcrawl/store/unchanged'):>11}"
              f"{run.get('jobcrawl/store/touched'):>9}{run.get('jobcrawl/recrawl/skipped'):>9}")
    verdict = {True: "met", False: "NOT met"}
    print(f"requests ratio (second / first): {requests:.3f}  (target <= {REQUESTS_TARGET:.2f}: "
          f"{verdict[requests <= REQUESTS_TARGET]})")
    print(f"time ratio (second / first): {seconds:.3f}  (target <= {TIME_TARGET:.2f}: "
          f"{verdict[seconds <= TIME_TARGET]})")
    print(f"ads whose last_seen moved: {moved} of {len(before)}  "
          f"({verdict[moved == len(before) > 0]})")


if __name__ == "__main__":
    main()
