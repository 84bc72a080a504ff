"""The recrawl's index of known ads (KnownAds): seconds and peak memory to build it for N ads.

A recrawl reads the ads of its source fetched within JOBCRAWL_RECRAWL_TTL once, at start-up
(jobcrawl/recrawl/middleware.py): with a million known ads this is the largest allocation
of the crawl. Peak memory is what tracemalloc saw (it also slows the build down).

    .venv/bin/python benchmarks/knownads.py [--ads 1000000]
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jobcrawl.recrawl.state import KnownAds


def entries(count: int) -> Iterator[tuple[int, str]]:
    for number in range(1, count + 1):
        yield number, f"https://jobs.example.com/jobs/DJ-{number:07d}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ads", type=int, default=1_000_000)
    args = parser.parse_args()
    tracemalloc.start()
    started = time.perf_counter()
    known = KnownAds(entries(args.ads))
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    print(f"{len(known)} known ads: {seconds:.2f} s, peak {peak / 1e6:.0f} MB (tracemalloc)")


if __name__ == "__main__":
    main()
