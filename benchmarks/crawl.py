"""Crawl throughput: the full jobcrawl pipeline against a bare Scrapy spider.

Serves a generated demo board of N ads on 127.0.0.1, then in one run crawls it
twice with identical concurrency: a bare Scrapy spider (JSON-LD parse only, JSONL
feed, no pipelines) and `scrapy crawl jobposting` with every pipeline storing
into a new SQLite file (its schema made beforehand by `scrapy db upgrade`, as for
every scheduled crawl after the first). Prints pages/s, items/s, CPU time per page
(user + system of the crawl process: unlike pages/s, it hardly depends on what else
the machine is doing), peak RSS and the ratios.

    .venv/bin/python benchmarks/crawl.py [--ads 20000] [--concurrency 16] [--rounds 2]
        [--profile FILE]   # one more jobcrawl crawl under cProfile, stats saved to FILE
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jobcrawl.demo.server import DemoBoard  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Sequence


class Served(Protocol):
    """Where the board is served: the DemoBoard itself, or benchmarks/ab.py's nginx copy."""

    @property
    def url(self) -> str: ...


@dataclass
class Result:
    name: str
    seconds: float
    pages: int
    items: int
    peak_rss_mb: float
    cpu_seconds: float

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds

    @property
    def items_per_s(self) -> float:
        return self.items / self.seconds

    @property
    def cpu_ms_per_page(self) -> float:
        return self.cpu_seconds / self.pages * 1000


def run(name: str, command: list[str], cwd: Path, stats_path: Path, items_key: str,
        env: dict[str, str] | None = None) -> Result:
    path = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))
    env = {**os.environ, "PYTHONPATH": path, **(env or {})}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{name} crawl failed with exit code {os.waitstatus_to_exitcode(status)}")
    stats = json.loads(stats_path.read_text())
    # The crawl is one process (the writer is a thread), so its own figures are the whole cost.
    return Result(name, seconds, int(stats.get("response_received_count", 0)),
                  int(stats.get(items_key, 0)), usage.ru_maxrss / 1024,
                  usage.ru_utime + usage.ru_stime)


def common_settings(concurrency: int, stats_path: Path) -> list[str]:
    settings = {
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        # jobcrawl's own default; the bare spider gets it too, so only the work differs.
        "CONCURRENT_ITEMS": 16,
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": True,
        "LOG_LEVEL": "INFO",
        "TELNETCONSOLE_ENABLED": False,
        "JOBCRAWL_STATSFILE_PATH": stats_path,
    }
    return [arg for key, value in settings.items() for arg in ("-s", f"{key}={value}")]


def run_bare(board: Served, work: Path, concurrency: int) -> Result:
    stats = work / "bare.json"
    return run("bare scrapy", [
        sys.executable, "-m", "scrapy", "runspider", str(ROOT / "benchmarks/bare_spider.py"),
        "-a", f"url={board.url}/jobs", "-o", str(work / "bare.jsonl"),
        # Outside the project: plain Scrapy defaults, plus the stats file writer.
        "-s", "EXTENSIONS={\"jobcrawl.runs.statsfile.StatsFile\": 900}",
        *common_settings(concurrency, stats),
    ], cwd=work, stats_path=stats, items_key="item_scraped_count")


def run_full(board: Served, work: Path, concurrency: int,
             profile: Path | None = None, settings: Sequence[str] = (),
             env: dict[str, str] | None = None, name: str = "jobcrawl jobposting") -> Result:
    """`scrapy crawl jobposting` of the board; `settings` are more -s KEY=VALUE overrides."""
    stats = work / "full.json"
    database = f"JOBCRAWL_DATABASE_URL=sqlite:///{work / 'bench.db'}"
    # The schema exists before the timed crawl, as it does for every scheduled crawl
    # after the first; migrating is `scrapy db upgrade`'s job, not the crawl's.
    subprocess.run([sys.executable, "-m", "scrapy", "db", "upgrade", "-s", database],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    profiler = ["-m", "cProfile", "-o", str(profile)] if profile is not None else []
    return run(name, [
        sys.executable, *profiler, "-m", "scrapy", "crawl", "jobposting",
        "-a", f"url={board.url}/jobs",
        "-s", database,
        *common_settings(concurrency, stats),
        *(arg for setting in settings for arg in ("-s", setting)),
    ], cwd=ROOT, stats_path=stats, items_key="jobcrawl/store/new", env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ads", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2,
                        help="alternate the two crawls this many times; the best run counts")
    parser.add_argument("--profile", type=Path, metavar="FILE",
                        help="afterwards, crawl once more under cProfile and save its stats")
    args = parser.parse_args()

    bare_runs: list[Result] = []
    full_runs: list[Result] = []
    with DemoBoard(n_ads=args.ads) as board:
        for round_number in range(args.rounds):
            with tempfile.TemporaryDirectory() as tmp:
                bare_runs.append(run_bare(board, Path(tmp), args.concurrency))
                full_runs.append(run_full(board, Path(tmp), args.concurrency))
            print(f"round {round_number + 1}: bare {bare_runs[-1].seconds:.1f}s, "
                  f"jobcrawl {full_runs[-1].seconds:.1f}s", flush=True)
        if args.profile is not None:
            with tempfile.TemporaryDirectory() as tmp:
                run_full(board, Path(tmp), args.concurrency, profile=args.profile.resolve())
    # Best of the rounds: the machine's noise only ever makes a run slower.
    bare = min(bare_runs, key=lambda r: r.seconds)
    full = min(full_runs, key=lambda r: r.seconds)
    bare.peak_rss_mb = max(r.peak_rss_mb for r in bare_runs)
    full.peak_rss_mb = max(r.peak_rss_mb for r in full_runs)
    # CPU time is what a busy machine inflates least: the least of the rounds, like seconds.
    bare.cpu_seconds = min(r.cpu_seconds for r in bare_runs)
    full.cpu_seconds = min(r.cpu_seconds for r in full_runs)

    print(f"board: {args.ads} ads, concurrency {args.concurrency}, best of {args.rounds} rounds")
    print(f"{'run':<22}{'seconds':>9}{'pages':>8}{'items':>8}{'pages/s':>9}"
          f"{'items/s':>9}{'CPU ms/page':>12}{'peak MB':>9}")
    for r in (bare, full):
        print(f"{r.name:<22}{r.seconds:>9.1f}{r.pages:>8}{r.items:>8}{r.pages_per_s:>9.1f}"
              f"{r.items_per_s:>9.1f}{r.cpu_ms_per_page:>12.2f}{r.peak_rss_mb:>9.1f}")
    print(f"throughput ratio (pages/s, jobcrawl / bare): {full.pages_per_s / bare.pages_per_s:.2f}"
          "  (target >= 0.90)")
    print(f"CPU per page ratio (bare / jobcrawl): {bare.cpu_ms_per_page / full.cpu_ms_per_page:.2f}"
          "  (the throughput ratio of a crawl bound by one core)")
    print(f"peak memory ratio (jobcrawl / bare): {full.peak_rss_mb / bare.peak_rss_mb:.2f}"
          "  (target <= 1.30)")
    if args.profile is not None:
        print(f"\nprofile of one more jobcrawl crawl: {args.profile} (jobcrawl code, by own time)")
        pstats.Stats(str(args.profile)).sort_stats("tottime").print_stats(r"/jobcrawl/", 25)


if __name__ == "__main__":
    main()
