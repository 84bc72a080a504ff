"""A slow-accepting server: `scrapy crawl jobposting` with its defaults against a bare spider.

Writes a static copy of a generated demo board (2,000 ads by default) to a folder and
serves it with Python's `http.server` as people do (`python -m http.server`): HTTP/1.0,
a new connection per request, and an accept backlog of 5 (`request_queue_size`). When
more connections arrive at once than the backlog holds, the kernel drops their SYNs and
the client's TCP retransmits them a second (then 3, 7 ... seconds) later: such a server
answers most requests in a millisecond and some in a second or more.

In one run, alternating for --rounds, it crawls the board with the bare Scrapy spider
(benchmarks/bare_spider.py, CONCURRENT_REQUESTS=16 and 8 per domain, as jobcrawl's
defaults; Scrapy's defaults otherwise) and with `scrapy crawl jobposting` with nothing
but the database and the stats file set (jobcrawl's defaults: robots.txt obeyed,
AutoThrottle on), then prints seconds, CPU seconds and the ratio. Extra jobcrawl
variants: -v NAME KEY=VALUE ... (e.g. -v no_autothrottle AUTOTHROTTLE_ENABLED=False).

    .venv/bin/python benchmarks/slowserver.py [--ads 2000] [--rounds 2] [--backlog 5]
        [-v NAME KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jobcrawl.demo.site import Board  # noqa: E402


@dataclass
class Result:
    name: str
    seconds: float
    cpu_seconds: float
    # From the process start to the server's first request; the first to the last request;
    # the last request to the process's exit. They add up to seconds.
    start_up: float
    window: float
    close: float
    pages: int
    items: int
    stats: dict[str, Any]


def write_board(board: Board, root: Path, origin: str) -> None:
    """Every page a /jobs crawl reads, as files; /jobs?page=N becomes listing/pN.html."""

    def write(target: str, file: str) -> None:
        _, _, body = board.render(target, origin)
        path = root / file.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)

    for target in ("/robots.txt", "/about", "/sitemap.xml"):
        write(target, target)
    write("/", "/index.html")
    write("/jobs", "/listing/p.html")
    for number in range(1, board.listing_pages + 1):
        write(f"/jobs?page={number}", f"/listing/p{number}.html")
    for ad in board.ads:
        write(board.ad_path(ad.ad_id), board.ad_path(ad.ad_id) + ".html")
    for ad in board.featured:
        write(f"/featured/{ad.ad_id}", f"/featured/{ad.ad_id}.html")


class StaticHandler(SimpleHTTPRequestHandler):
    """http.server's file handler (HTTP/1.0, no keep-alive); board URLs mapped to files."""

    latency = 0.0  # seconds each answer waits before it is sent (--latency)
    # perf_counter() of every request's arrival, for the current run (cleared by run()).
    arrivals: ClassVar[list[float]] = []

    def do_GET(self) -> None:
        self.arrivals.append(time.perf_counter())
        if self.latency:
            time.sleep(self.latency)
        super().do_GET()

    def translate_path(self, path: str) -> str:
        base, _, query = path.partition("?")
        if base == "/jobs":
            page = query.removeprefix("page=") if query.startswith("page=") else ""
            base = f"/listing/p{page}.html"
        elif base.startswith(("/jobs/", "/featured/")):
            base += ".html"
        return super().translate_path(base)

    def guess_type(self, path: Any) -> str:
        return "text/plain" if str(path).endswith(".txt") else (
            "application/xml" if str(path).endswith(".xml") else "text/html")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def serve(root: Path, backlog: int, latency: float = 0.0) -> ThreadingHTTPServer:
    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = backlog

    handler = type("Handler", (StaticHandler,), {"latency": latency})
    server = Server(("127.0.0.1", 0), lambda *a: handler(*a, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run(name: str, command: list[str], cwd: Path, stats_path: Path, items_key: str) -> Result:
    path = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))
    env = {**os.environ, "PYTHONPATH": path}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    StaticHandler.arrivals.clear()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    ended = time.perf_counter()
    seconds = ended - started
    first, last = min(StaticHandler.arrivals), max(StaticHandler.arrivals)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{name} crawl failed with exit code {code}")
    stats = json.loads(stats_path.read_text())
    return Result(name, seconds, usage.ru_utime + usage.ru_stime,
                  first - started, last - first, ended - last,
                  int(stats.get("response_received_count", 0)),
                  int(stats.get(items_key, 0)), stats)


def run_bare(url: str, work: Path) -> Result:
    stats = work / "bare.json"
    return run("bare", [
        sys.executable, "-m", "scrapy", "runspider", str(ROOT / "benchmarks/bare_spider.py"),
        "-a", f"url={url}/jobs", "-o", str(work / "bare.jsonl"),
        "-s", "EXTENSIONS={\"jobcrawl.runs.statsfile.StatsFile\": 900}",
        "-s", f"JOBCRAWL_STATSFILE_PATH={stats}",
        # jobcrawl's concurrency defaults; everything else Scrapy's own.
        "-s", "CONCURRENT_REQUESTS=16", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
        "-s", "TELNETCONSOLE_ENABLED=False",
    ], cwd=work, stats_path=stats, items_key="item_scraped_count")


def run_jobcrawl(name: str, url: str, work: Path, settings: list[str]) -> Result:
    stats = work / f"{name}.json"
    database = f"JOBCRAWL_DATABASE_URL=sqlite:///{work / (name + '.db')}"
    subprocess.run([sys.executable, "-m", "scrapy", "db", "upgrade", "-s", database],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return run(name, [
        sys.executable, "-m", "scrapy", "crawl", "jobposting", "-a", f"url={url}/jobs",
        "-s", database, "-s", f"JOBCRAWL_STATSFILE_PATH={stats}",
        *(arg for setting in settings for arg in ("-s", setting)),
    ], cwd=ROOT, stats_path=stats, items_key="jobcrawl/store/new")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ads", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--backlog", type=int, default=5, help="the server's accept backlog")
    parser.add_argument("--latency", type=float, default=0.0, metavar="SECONDS",
                        help="every answer waits this long first (a server busy elsewhere)")
    parser.add_argument("-v", "--variant", nargs="+", action="append", default=[],
                        metavar=("NAME", "KEY=VALUE"), help="another jobcrawl variant")
    args = parser.parse_args()
    variants: dict[str, list[str]] = {"bare": [], "jobcrawl": []}
    variants.update({name: settings for name, *settings in args.variant})
    names = list(variants)
    runs: dict[str, list[Result]] = {name: [] for name in names}

    site = Path(tempfile.mkdtemp(prefix="jobcrawl-slowserver-"))
    try:
        server = serve(site, args.backlog, args.latency)
        url = f"http://127.0.0.1:{server.server_address[1]}"
        write_board(Board.generate(args.ads), site, url)
        for round_number in range(args.rounds):
            order = names[round_number % len(names):] + names[:round_number % len(names)]
            for name in order:
                with tempfile.TemporaryDirectory() as tmp:
                    work = Path(tmp)
                    result = (run_bare(url, work) if name == "bare"
                              else run_jobcrawl(name, url, work, variants[name]))
                runs[name].append(result)
            print(f"round {round_number + 1}: " + ", ".join(
                f"{name} {runs[name][-1].seconds:.1f}s" for name in order), flush=True)
        server.shutdown()
    finally:
        shutil.rmtree(site, ignore_errors=True)

    print(f"\nboard: {args.ads} ads, http.server with accept backlog {args.backlog}, "
          f"{args.latency * 1000:.0f} ms per answer, {args.rounds} rounds (median)")
    print(f"{'crawl':<20}{'pages':>7}{'items':>7}{'seconds':>9}{'CPU s':>7}{'ratio':>7}"
          f"{'start':>7}{'window':>8}{'w.ratio':>8}{'close':>7}{'retries':>9}{'max delay':>10}")
    bare = statistics.median(r.seconds for r in runs["bare"])
    bare_window = statistics.median(r.window for r in runs["bare"])
    for name in names:
        def median(field: str, of: list[Result] = runs[name]) -> float:
            return statistics.median(getattr(result, field) for result in of)

        seconds, window = median("seconds"), median("window")
        last = runs[name][-1]
        retries = last.stats.get("retry/count", 0)
        print(f"{name:<20}{last.pages:>7}{last.items:>7}{seconds:>9.1f}"
              f"{median('cpu_seconds'):>7.1f}{seconds / bare:>7.2f}{median('start_up'):>7.1f}"
              f"{window:>8.1f}{window / bare_window:>8.2f}{median('close'):>7.1f}{retries:>9}"
              f"{last.stats.get('jobcrawl/throttle/max_delay', '-'):>10}")
    print("(ratio: seconds against the bare spider's; start: process start to the first "
          "request the server saw; window: first to last request, w.ratio against the bare "
          "spider's; close: last request to exit)")


if __name__ == "__main__":
    main()
