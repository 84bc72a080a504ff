"""Server faults: a crawl of the fault board against a clean crawl of the same board.

Serves tests/utils/faultboard.py's board on 127.0.0.1 and, in one run, crawls it
clean (faults off) and with its faults (5xx, 429 with Retry-After, hangs past the
download timeout, resets, truncated bodies, refused redirects, a 50 MB page,
Windows-1252 pages), each with `scrapy crawl jobposting` into a fresh SQLite file.
Prints both times, the ads each stored, the time the host spent paused by Retry-After
(the union of its pause windows) and the ratio fault / (clean + pauses); target <= 2.

    .venv/bin/python benchmarks/faults.py [--ads 1000] [--fault-rate 0.1]
        [--retry-after 2] [--timeout 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.utils.faultboard import FaultBoard  # noqa: E402


def crawl(board: FaultBoard, folder: Path, name: str, timeout: float) -> tuple[float, dict]:
    stats_path = folder / f"{name}.json"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "jobposting", "-a", f"url={board.url}/jobs",
         "-s", "AUTOTHROTTLE_ENABLED=False", "-s", f"DOWNLOAD_TIMEOUT={timeout}",
         "-s", f"JOBCRAWL_DATABASE_URL=sqlite:///{folder / name}.db",
         "-s", f"JOBCRAWL_STATSFILE_PATH={stats_path}", "-s", "LOG_LEVEL=WARNING"],
        cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"{name} crawl exited {result.returncode}:\n{result.stderr[-3000:]}")
    return seconds, json.loads(stats_path.read_text())


def paused_seconds(pauses: list[tuple[float, float]]) -> float:
    """The length of the union of the pause windows."""
    total, end = 0.0, float("-inf")
    for start, stop in sorted(pauses):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ads", type=int, default=1000)
    parser.add_argument("--fault-rate", type=float, default=0.1)
    parser.add_argument("--retry-after", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=3.0)
    args = parser.parse_args()
    board = FaultBoard(n_ads=args.ads, fault_rate=args.fault_rate, retry_after=args.retry_after,
                       hang_seconds=args.timeout + 1)
    with board, tempfile.TemporaryDirectory(prefix="jobcrawl-faults-") as tmp:
        folder = Path(tmp)
        board.faults = False
        clean_s, clean = crawl(board, folder, "clean", args.timeout)
        board.faults = True
        board.attempts.clear()
        fault_s, faulty = crawl(board, folder, "faults", args.timeout)
    waits = paused_seconds(board.pauses)
    scheduled = board.scheduled()
    print(f"board: {args.ads} ads, {len(scheduled)} pages with faults "
          f"({', '.join(f'{k} {v}' for k, v in sorted(board.injected.items()))} answers)")
    print(f"{'run':<8}{'seconds':>9}{'ads':>7}{'requests':>10}{'retries':>9}")
    for name, seconds, stats in (("clean", clean_s, clean), ("faults", fault_s, faulty)):
        print(f"{name:<8}{seconds:>9.1f}{stats.get('jobcrawl/store/new', 0):>7}"
              f"{stats.get('downloader/request_count', 0):>10}{stats.get('retry/count', 0):>9}")
    print(f"Retry-After pauses of the host: {len(board.pauses)}, {waits:.1f} s in all; "
          f"backoff waits scheduled: {faulty.get('jobcrawl/retry/waited_seconds', 0):.1f} s")
    print(f"ratio faults / clean: {fault_s / clean_s:.2f}; "
          f"faults / (clean + pauses): {fault_s / (clean_s + waits):.2f}  (target <= 2)")


if __name__ == "__main__":
    main()
