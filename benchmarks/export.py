"""Export throughput: every `scrapy export` format over a database of 1,000,000 ads.

Fills a SQLite database (schema by `scrapy db upgrade`'s migrations, rows by one
bulk insert of varied generated demo ads), then runs `scrapy export` once per
format in a subprocess and prints rows/s (wall time from start to the renamed
output and manifest), output size, the peak RSS of that subprocess and its CPU
time (user + system, every thread, start-up included): on a shared machine the
CPU time per row is the steadier figure. Targets: csv and jsonl >= 100,000
rows/s; peak RSS < 300 MB for all.

    .venv/bin/python benchmarks/export.py [--rows 1000000] [--formats csv,jsonl,...]
                                          [--work DIR] [--keep] [--postgres-url URL]

--work DIR with a bench.db from an earlier --keep run reuses that database.
--postgres-url URL fills (with COPY) and exports that PostgreSQL database instead;
when it holds ads already (an earlier run's), they are reused; the database
is left as it is: make a scratch database for it (`createdb ...`).

Needs about 1.2 GB of disk per million rows for the database, plus the largest
export (the text corpus of a million ads is a million small files, ~4 GB on
ext4); everything is deleted afterwards unless --keep is given.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jobcrawl.db.migrate import upgrade  # noqa: E402
from jobcrawl.db.models import EXPIRY_REASONS  # noqa: E402
from jobcrawl.demo.ads import generate_ads  # noqa: E402
from jobcrawl.export.values import EXPORT_FIELDS  # noqa: E402
from jobcrawl.extract.normalize import employment_terms  # noqa: E402
from jobcrawl.security.secrets import redact_url as redact  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterator

    from jobcrawl.demo.ads import DemoAd

FORMATS = ("csv", "jsonl", "parquet", "jobposting", "corpus")
# Rows arrive as crawls store them: run after run, each run storing the new ads of
# one source after another. ATS boards number their ads upwards, so their
# webindexes grow with time; two sites without ids get URL-hash webindexes in no
# order at all. Text comes from fresh demo ads, 10,000 per seed.
SOURCES = (
    "greenhouse:acme", "lever:zeta", "workable:northwind", "ashby:globex",
    "smartrecruiters:initech", "recruitee:umbrella", "personio:hooli", "reed",
    "adzuna:gb", "feed:jobs.example.net", "jobposting:careers.example.com",
    "jobposting:jobs.example.org",
)
RUNS = 20
BATCH = 10_000
COLUMNS = (*EXPORT_FIELDS, "content_hash", "last_run")
# SQLAlchemy's own SQLite DATETIME text, so the rows read back as the store writes them.
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"
FIRST_RUN = datetime(2026, 10, 1, 6)


def webindex(source: str, number: int) -> str:
    if source.startswith("jobposting:"):
        return "u" + hashlib.sha256(f"{source}/{number}".encode()).hexdigest()[:16]
    return str(4_000_000 + number)  # seven digits: text order is number order


def ad_row(ad: DemoAd, source: str, number: int, run: int) -> tuple[object, ...]:
    """One jobs row (COLUMNS order): `ad`'s text as the `number`-th ad of `source`."""
    host = source.split(":")[-1]
    ref = webindex(source, number)
    contract_type, contract_time = employment_terms(ad.employment_type)
    closes = ad.closing_date if ad.closing_mode in ("structured", "text") else None
    first_seen = FIRST_RUN + timedelta(days=run, seconds=number % 3600)
    seen = 1 + number % 5
    last_seen = first_seen + timedelta(days=seen - 1, minutes=7)
    # One ad in eight has expired since, for each of the three reasons in turn.
    expired = number % 8 == 0
    expired_at = (last_seen + timedelta(days=2)).strftime(SQLITE_DATETIME) if expired else None
    expiry_reason = EXPIRY_REASONS[number // 8 % len(EXPIRY_REASONS)] if expired else None
    return (
        ref, source, f"https://{host}/jobs/{ref}", ad.title, ad.company,
        ad.location, ad.category, contract_type, contract_time, ad.description,
        ad.salary_label, ad.salary_min, ad.salary_max, ad.salary_currency,
        ad.salary_period.lower() if ad.salary_period else None,
        ad.date_posted.isoformat(), closes.isoformat() if closes else None,
        ad.closing_raw, ad.closing_mode if closes else None,
        # remote: demo ads do not say; one in three generated ads is remote, one unknown.
        (True, False, None)[number % 3],
        last_seen.strftime(SQLITE_DATETIME), first_seen.strftime(SQLITE_DATETIME),
        last_seen.strftime(SQLITE_DATETIME), seen, expired_at, expiry_reason, f"{number:064x}",
        f"run-{(FIRST_RUN + timedelta(days=run)).date().isoformat()}",
    )


def demo_ads() -> Iterator[DemoAd]:
    for seed in itertools.count():
        yield from generate_ads(BATCH, seed=seed)


def generated_rows(count: int) -> Iterator[tuple[object, ...]]:
    """`count` rows in crawl order: RUNS runs, each storing a burst of every source."""
    ads = demo_ads()
    per_burst, extra = divmod(count, RUNS * len(SOURCES))
    numbers = dict.fromkeys(SOURCES, 0)
    for run in range(RUNS):
        for index, source in enumerate(SOURCES):
            burst = per_burst + (1 if run * len(SOURCES) + index < extra else 0)
            start = numbers[source]
            numbers[source] += burst
            for number in range(start, start + burst):
                yield ad_row(next(ads), source, number, run)


def fill(db_path: Path, rows: int) -> float:
    """Create the schema and bulk-insert `rows` generated ads; return the seconds taken."""
    started = time.perf_counter()
    upgrade(f"sqlite:///{db_path}")
    connection = sqlite3.connect(db_path)
    try:
        # A throwaway benchmark file: no journal, no fsync while filling.
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        placeholders = ", ".join("?" * len(COLUMNS))
        connection.executemany(
            f"INSERT INTO jobs ({', '.join(COLUMNS)}) VALUES ({placeholders})",
            generated_rows(rows),
        )
        connection.commit()
    finally:
        connection.close()
    return time.perf_counter() - started


def fill_postgres(url: str, rows: int) -> float:
    """fill() into the PostgreSQL database at `url` (SQLAlchemy URL), by COPY."""
    import psycopg
    from sqlalchemy.engine import make_url

    started = time.perf_counter()
    upgrade(url)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection:
        # The generated datetimes are UTC, as the store writes them.
        connection.execute("SET TIME ZONE 'UTC'")
        with connection.cursor().copy(f"COPY jobs ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in generated_rows(rows):
                copy.write_row(row)
        connection.execute("ANALYZE jobs")
    return time.perf_counter() - started


def postgres_rows(url: str) -> int | None:
    """The number of ads at `url`, or None when it has no jobs table yet (then: fill it)."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("jobs"):
                return None
            return int(connection.execute(text("SELECT count(*) FROM jobs")).scalar_one())
    finally:
        engine.dispose()


@dataclass
class Result:
    fmt: str
    seconds: float
    rows: int
    output_mb: float
    peak_rss_mb: float
    cpu_seconds: float  # user + system, all threads of the export process

    @property
    def cpu_us_per_row(self) -> float:
        return self.cpu_seconds / self.rows * 1e6

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds


def output_size(path: Path) -> int:
    if path.is_dir():
        return sum(entry.stat().st_size for entry in path.rglob("*") if entry.is_file())
    return path.stat().st_size


def run_export(fmt: str, url: str, work: Path, rows: int) -> Result:
    """`scrapy export --format fmt` of database `url` in a subprocess: wall time, peak RSS."""
    output = work / ("corpus" if fmt == "corpus" else f"jobs.{fmt}")
    command = [sys.executable, "-m", "scrapy", "export", "--format", fmt, "-o", str(output),
               "-s", f"JOBCRAWL_DATABASE_URL={url}"]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    assert process.stderr is not None
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{fmt} export failed: {process.stderr.read().decode(errors='replace')}")
    process.stderr.close()
    result = Result(fmt, seconds, rows, output_size(output) / 1e6, usage.ru_maxrss / 1024,
                    usage.ru_utime + usage.ru_stime)
    # Each format's output goes before the next one is written: disk, not memory, is short.
    if output.is_dir():
        shutil.rmtree(output)
    else:
        output.unlink()
    output.with_name(f"{output.name}.manifest.json").unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--formats", default=",".join(FORMATS),
                        help=f"comma-separated, from {', '.join(FORMATS)}")
    parser.add_argument("--work", type=Path, help="folder for the database and exports "
                        "(default: a new temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--postgres-url", help="fill and export this (scratch) PostgreSQL "
                        "database instead of a SQLite file, e.g. "
                        "postgresql+psycopg://postgres@127.0.0.1:5432/bench")
    args = parser.parse_args()
    formats = [name for name in args.formats.split(",") if name]
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        parser.error(f"unknown formats: {', '.join(unknown)}")

    work = Path(args.work or tempfile.mkdtemp(prefix="jobcrawl-export-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "bench.db"
    url = args.postgres_url or f"sqlite:///{db_path}"
    try:
        if args.postgres_url:
            found = postgres_rows(args.postgres_url)
            rows = found or args.rows
            if not found:
                seconds = fill_postgres(args.postgres_url, rows)
                print(f"filled {redact(args.postgres_url)} with {rows} ads in {seconds:.0f}s",
                      flush=True)
            else:
                print(f"reusing {redact(args.postgres_url)} ({rows} ads)", flush=True)
        elif db_path.exists():
            with sqlite3.connect(db_path) as connection:
                rows = connection.execute("SELECT count(*) FROM jobs").fetchone()[0]
            print(f"reusing {db_path} ({rows} ads)", flush=True)
        else:
            rows = args.rows
            seconds = fill(db_path, rows)
            print(f"filled {db_path} with {rows} ads in {seconds:.0f}s "
                  f"({db_path.stat().st_size / 1e6:.0f} MB)", flush=True)
        print(f"{'format':<12}{'rows':>10}{'seconds':>9}{'rows/s':>10}{'output MB':>11}"
              f"{'peak MB':>9}{'cpu s':>8}{'cpu us/row':>12}", flush=True)
        for fmt in formats:
            r = run_export(fmt, url, work, rows)
            print(f"{r.fmt:<12}{r.rows:>10}{r.seconds:>9.1f}{r.rows_per_s:>10.0f}"
                  f"{r.output_mb:>11.0f}{r.peak_rss_mb:>9.0f}{r.cpu_seconds:>8.1f}"
                  f"{r.cpu_us_per_row:>12.2f}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work) if args.work is None else db_path.unlink(missing_ok=True)
    print("targets: csv and jsonl >= 100000 rows/s; peak RSS < 300 MB for every format")


if __name__ == "__main__":
    main()
