"""Same-run A/B of crawl variants: alternating `scrapy crawl jobposting` runs, CPU ms per page.

Each variant is a name and -s overrides; in every round each variant crawls the
same demo board once (the order rotates from round to round, so drift on a shared
machine falls on all alike). CPU time per page (user + system of the crawl
process, start-up included) is the figure to compare: wall time depends on what
else the machine is doing. The first variant is the reference for the gain.

    .venv/bin/python benchmarks/ab.py [--ads 10000] [--rounds 3] [--concurrency 16]
        [--nginx] [--bare] -v NAME [KEY=VALUE ...] -v NAME [KEY=VALUE ...] ...

    # e.g. what jobcrawl's stats collector buys over Scrapy's own:
    .venv/bin/python benchmarks/ab.py --nginx -v ours \\
        -v scrapy_stats STATS_CLASS=scrapy.statscollectors.MemoryStatsCollector

--nginx serves a static copy of the board with /usr/sbin/nginx instead of the
Python demo server, which would otherwise share the machine's cores with the
crawl. --bare adds the bare Scrapy spider (benchmarks/bare_spider.py) as a variant.
Every crawl process gets JOBCRAWL_AB_VARIANT=NAME in its environment, so that a
scratch sitecustomize.py (on PYTHONPATH) can patch code for variants that no
setting can express.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawl import Result, Served, run_bare, run_full

from jobcrawl.demo.server import DemoBoard
from jobcrawl.demo.site import Board

NGINX = "/usr/sbin/nginx"
NGINX_CONF = """\
daemon off; pid {root}/nginx.pid; error_log {root}/error.log; worker_processes 1;
events {{ worker_connections 256; }}
http {{
    access_log off; default_type text/html; keepalive_requests 100000;
    types {{ text/plain txt; application/xml xml; }}
    server {{
        listen 127.0.0.1:{port}; root {root}/site;
        location = / {{ try_files /index.html =404; }}
        location = /jobs {{ try_files /listing/p$arg_page.html =404; }}
    }}
}}
"""


class NginxBoard:
    """A static copy of a Board served by nginx on a free port: every page a /jobs crawl reads."""

    def __init__(self, board: Board, port: int) -> None:
        self.board = board
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="jobcrawl-ab-nginx-"))
        self.root.chmod(0o755)  # nginx's workers may run as another user (nobody)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _write(self, target: str, file: str) -> None:
        _, _, body = self.board.render(target, self.url)
        path = self.root / "site" / file.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)

    def __enter__(self) -> NginxBoard:
        board = self.board
        for target in ("/robots.txt", "/about", "/sitemap.xml"):
            self._write(target, target)
        self._write("/", "/index.html")
        self._write("/jobs", "/listing/p.html")
        for number in range(1, board.listing_pages + 1):
            self._write(f"/jobs?page={number}", f"/listing/p{number}.html")
        for number in range(1, board.sitemap_files + 1):
            self._write(f"/sitemaps/jobs-{number}.xml", f"/sitemaps/jobs-{number}.xml")
        for ad in board.ads:
            self._write(board.ad_path(ad.ad_id), board.ad_path(ad.ad_id))
        for ad in board.featured:
            self._write(f"/featured/{ad.ad_id}", f"/featured/{ad.ad_id}")
        conf = self.root / "nginx.conf"
        conf.write_text(NGINX_CONF.format(root=self.root, port=self.port))
        self.process = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(self.root)],
                                        stderr=subprocess.DEVNULL)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def crawl(served: Served, name: str, settings: list[str], concurrency: int) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        if name == "bare":
            return run_bare(served, Path(tmp), concurrency)
        return run_full(served, Path(tmp), concurrency, settings=settings,
                        env={"JOBCRAWL_AB_VARIANT": name}, name=name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ads", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--nginx", action="store_true", help="serve the board with nginx")
    parser.add_argument("--bare", action="store_true", help="add the bare Scrapy spider")
    parser.add_argument("-v", "--variant", nargs="+", action="append", required=True,
                        metavar=("NAME", "KEY=VALUE"), help="a variant and its -s overrides")
    args = parser.parse_args()
    variants = {name: settings for name, *settings in args.variant}
    if args.bare:
        variants["bare"] = []
    if len(variants) != len(args.variant) + args.bare:
        parser.error("variant names must differ (and 'bare' is --bare's)")
    names = list(variants)
    runs: dict[str, list[Result]] = {name: [] for name in names}

    board = Board.generate(args.ads)
    served = NginxBoard(board, free_port()) if args.nginx else DemoBoard(board=board)
    with served:
        for round_number in range(args.rounds):
            order = names[round_number % len(names):] + names[:round_number % len(names)]
            for name in order:
                runs[name].append(crawl(served, name, variants[name], args.concurrency))
            print(f"round {round_number + 1}: " + ", ".join(
                f"{name} {runs[name][-1].cpu_ms_per_page:.3f}" for name in order), flush=True)

    print(f"\nboard: {args.ads} ads, {'nginx' if args.nginx else 'Python demo server'}, "
          f"concurrency {args.concurrency}, {args.rounds} rounds; CPU ms per page")
    print(f"{'variant':<20}{'pages':>7}{'items':>7}{'min':>8}{'median':>8}{'max':>8}"
          f"{'+% median':>11}{'+% min':>8}{'+% paired':>11}")
    reference = [r.cpu_ms_per_page for r in runs[names[0]]]
    for name in names:
        cpu = [r.cpu_ms_per_page for r in runs[name]]
        median, least = statistics.median(cpu), min(cpu)
        # The median of the per-round ratios: drift between rounds cancels out.
        paired = statistics.median(c / ref for c, ref in zip(cpu, reference, strict=True))
        print(f"{name:<20}{runs[name][0].pages:>7}{runs[name][0].items:>7}{least:>8.3f}"
              f"{median:>8.3f}{max(cpu):>8.3f}"
              f"{(median / statistics.median(reference) - 1) * 100:>11.1f}"
              f"{(least / min(reference) - 1) * 100:>8.1f}{(paired - 1) * 100:>11.1f}")
    print(f"(+%: how much more CPU per page a variant uses than {names[0]!r}; paired: the "
          "median of the rounds' ratios)")


if __name__ == "__main__":
    main()
