"""Unlisted expiry of a whole source: how long the closing step takes to expire N ads.

Fills a database with N generated ads of one source (no listing rows, as after
`scrapy import`: benchmarks/export.py's generator, one ad in eight already
expired), then, on a fresh copy of it per round, runs what a complete crawl's
closing step runs (jobcrawl.recrawl.expiry: expire_unlisted in one transaction)
and prints the seconds and ads expired per second. Rounds of the same code on
this shared machine differ by up to 40%: compare variants of the code (a branch
each, or a patch) in alternating rounds of one run.

    .venv/bin/python benchmarks/expiry.py [--rows 1000000] [--backends sqlite,postgresql]
        [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/jobcrawl_expiry_bench]
        [--rounds 2] [--work DIR]

The PostgreSQL database named by --postgres-url is created, copied (CREATE DATABASE
... TEMPLATE) for each round and dropped at the end. Needs about 1.2 GB of disk per
million ads for SQLite (twice, for the copy) and 3 GB for PostgreSQL.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import export as generated  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from jobcrawl.db.engine import make_engine  # noqa: E402
from jobcrawl.recrawl.listings import expire_unlisted, listing_id  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterator

SOURCE = "greenhouse:big"


@contextmanager
def postgres_database(url: str, template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database named as in `url` (a copy of `template`), dropped after."""
    import psycopg

    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False)
    name = parsed.database
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        copy = f' TEMPLATE "{template}"' if template else ""
        connection.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def live_ads(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(
                text("SELECT count(*) FROM jobs WHERE expired_at IS NULL")).scalar_one())
    finally:
        engine.dispose()


def expire(url: str) -> tuple[int, float]:
    """(ads expired, seconds) of one closing step's expiry of SOURCE."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    started = time.perf_counter()
    try:
        with engine.begin() as connection:
            listing = listing_id(connection, SOURCE, SOURCE, now=now)
            evidence = f"not listed by complete crawl bench of {SOURCE}"
            expired = expire_unlisted(connection, SOURCE, listing, run_id="bench", now=now,
                                      evidence=evidence)
    finally:
        engine.dispose()
    return expired, time.perf_counter() - started


def report(backend: str, round_: int, live: int, expired: int, seconds: float) -> None:
    print(f"{backend:<11} {round_:>5} {live:>9} {expired:>9} {seconds:>8.1f} "
          f"{expired / seconds:>9.0f}", flush=True)


def run_sqlite(rows: int, work: Path, rounds: int) -> None:
    filled = work / "filled.db"
    print(f"filling {filled} with {rows} ads: {generated.fill(filled, rows):.0f} s", flush=True)
    for round_ in range(1, rounds + 1):
        copy = work / "expiry.db"
        shutil.copyfile(filled, copy)
        url = f"sqlite:///{copy}"
        live = live_ads(url)
        report("sqlite", round_, live, *expire(url))
        copy.unlink()


def run_postgres(rows: int, url: str, rounds: int) -> None:
    filled_url = make_url(url)
    filled_url = filled_url.set(database=f"{filled_url.database}_filled")
    filled = filled_url.render_as_string(hide_password=False)
    with postgres_database(filled):
        print(f"filling PostgreSQL with {rows} ads: "
              f"{generated.fill_postgres(filled, rows):.0f} s", flush=True)
        for round_ in range(1, rounds + 1):
            with postgres_database(url, template=filled_url.database) as copy:
                live = live_ads(copy)
                report("postgresql", round_, live, *expire(copy))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/"
                        "jobcrawl_expiry_bench")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--work", type=Path, help="folder for the SQLite files "
                        "(default: a new temporary folder, deleted afterwards)")
    args = parser.parse_args()
    generated.SOURCES = (SOURCE,)  # one source: every ad is the crawl's to expire
    print(f"{'backend':<11} {'round':>5} {'live':>9} {'expired':>9} {'seconds':>8} "
          f"{'ads/s':>9}")
    backends = args.backends.split(",")
    if "sqlite" in backends:
        work = Path(args.work or tempfile.mkdtemp(prefix="jobcrawl-expiry-bench-"))
        work.mkdir(parents=True, exist_ok=True)
        try:
            run_sqlite(args.rows, work, args.rounds)
        finally:
            if args.work is None:
                shutil.rmtree(work, ignore_errors=True)
    if "postgresql" in backends:
        run_postgres(args.rows, args.postgres_url, args.rounds)


if __name__ == "__main__":
    main()
