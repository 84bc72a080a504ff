"""The store at millions of ads: import, export, crawl, recrawl and expiry on a big database.

For each backend (a SQLite file, a PostgreSQL database) it fills a database with N
generated Adzuna-style ads through `scrapy import` (rows/s, peak RSS), then measures:

- `scrapy export` of every ad (jsonl and csv: rows/s, peak RSS);
- a crawl of a generated demo board of --crawl-ads ads (`scrapy crawl jobposting`,
  served on 127.0.0.1) and its recrawl, into the big database and into an empty one,
  alternated, with the ratio big / empty (target: at most 1.10);
- the closing time of a crawl that expires the N imported ads as unlisted: the board
  is crawled as the imported ads' source (`-a source=`), so at its close every
  imported ad (no listing rows, last seen at the import) expires; afterwards those
  ads are made live again and that crawl's rows removed, so the run can be repeated;
- the reactor stalls every crawl reports (jobcrawl/reactor/max_stall/open, .../crawl,
  and the close phase from its log line).

    .venv/bin/python benchmarks/bigdb.py [--ads 1000000] [--crawl-ads 20000]
        [--backends sqlite,postgresql] [--postgres-url URL] [--work DIR]
        [--skip-fill] [--keep] [--steps import,export,crawl,expiry]

--postgres-url names the server (default postgresql+psycopg://postgres@127.0.0.1:5432/
postgres); the script creates jobcrawl_bigdb and jobcrawl_bigdb_empty on it and drops
both at the end unless --keep. --skip-fill reuses the databases (and the CSV in --work)
of an earlier --keep run. Disk: ~1.3 kB per ad for the CSV, ~1.2 kB per ad per database.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from benchmarks.crawl import common_settings  # noqa: E402
from jobcrawl.demo.ads import generate_ads  # noqa: E402
from jobcrawl.demo.server import DemoBoard  # noqa: E402
from jobcrawl.security.secrets import redact_url  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterator

BACKENDS = ("sqlite", "postgresql")
STEPS = ("import", "export", "crawl", "expiry")
EXPORT_FORMATS = ("jsonl", "csv")
IMPORT_SOURCE = "bigdb:import"
DATABASES = ("jobcrawl_bigdb", "jobcrawl_bigdb_empty")
CSV_HEADER = ("Id", "Title", "FullDescription", "LocationRaw", "LocationNormalized",
              "ContractType", "ContractTime", "Company", "Category", "SalaryRaw",
              "SalaryNormalized", "SourceName")
CONTRACTS = {"FULL_TIME": ("full_time", "permanent"), "PART_TIME": ("part_time", "permanent"),
             "CONTRACTOR": ("full_time", "contract"), "TEMPORARY": ("", "contract")}
STALL = re.compile(r"reactor held at most ([\d.]+) s while opening, ([\d.]+) s while "
                   r"crawling, ([\d.]+) s while closing")
RATIO_TARGET = 1.10


def csv_rows(count: int) -> Iterator[tuple[object, ...]]:
    """`count` Adzuna-style rows from demo ads (10,000 per seed, ids unique)."""
    ads = (ad for seed in itertools.count() for ad in generate_ads(10_000, seed=seed))
    for number, ad in zip(range(count), ads, strict=False):
        contract_type, contract_time = CONTRACTS.get(ad.employment_type or "", ("", ""))
        salary = ad.salary_label or ""
        yield (10_000_000 + number, ad.title, ad.description, ad.location, ad.location,
               contract_type, contract_time, ad.company or "", ad.category, salary,
               int(ad.salary_min) if ad.salary_min and ad.salary_period == "YEAR" else "",
               "bigdb.example")


def write_csv(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_HEADER)
        writer.writerows(csv_rows(count))


@dataclass
class Run:
    """One subprocess: wall seconds, peak RSS, CPU seconds, its stderr."""

    seconds: float
    peak_mb: float
    cpu: float
    stderr: str
    closing: float | None = None  # "Closing spider" log line to exit
    stats: dict[str, object] = field(default_factory=dict)


def run(command: list[str], *, what: str) -> Run:
    started = time.perf_counter()
    closing_at = None
    process = subprocess.Popen([sys.executable, "-m", "scrapy", *command], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line)
        if closing_at is None and "Closing spider (" in line:
            closing_at = time.perf_counter()
    _, status, usage = os.wait4(process.pid, 0)
    ended = time.perf_counter()
    stderr = "".join(lines)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{what} failed:\n{stderr[-3000:]}")
    return Run(ended - started, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime,
               stderr, None if closing_at is None else ended - closing_at)


def db_args(url: str) -> list[str]:
    return ["-s", f"JOBCRAWL_DATABASE_URL={url}"]


class Backend:
    """The big and the empty database of one backend: made, emptied, dropped."""

    def __init__(self, name: str, work: Path, server_url: str) -> None:
        self.name = name
        if name == "sqlite":
            self.big, self.empty = (f"sqlite:///{work / f'{db}.db'}" for db in DATABASES)
        else:
            server = make_url(server_url)
            self.admin = server_url
            self.big, self.empty = (server.set(database=db).render_as_string(
                hide_password=False) for db in DATABASES)

    def _admin(self, *statements: str) -> None:
        engine = create_engine(self.admin, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                for statement in statements:
                    connection.execute(text(statement))
        finally:
            engine.dispose()

    def create(self, url: str) -> None:
        """A new empty database at `url` with the newest schema."""
        self.drop(url)
        if self.name == "postgresql":
            self._admin(f'CREATE DATABASE "{make_url(url).database}"')
        run(["db", "upgrade", *db_args(url)], what="scrapy db upgrade")

    def drop(self, url: str) -> None:
        if self.name == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{make_url(url).database}{suffix}").unlink(missing_ok=True)
        else:
            self._admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def count(self, url: str) -> int:
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                return int(connection.execute(text("SELECT count(*) FROM jobs")).scalar_one())
        finally:
            engine.dispose()

    def revive_imported(self) -> None:
        """Undo the expiry crawl: imported ads live again, the crawl's ads and listings gone."""
        engine = create_engine(self.big)
        try:
            with engine.begin() as connection:
                params = {"source": IMPORT_SOURCE}
                connection.execute(text("DELETE FROM job_listings WHERE job_id IN (SELECT id "
                                        "FROM jobs WHERE source = :source AND url LIKE 'http%')"),
                                   params)
                connection.execute(text("DELETE FROM jobs WHERE source = :source "
                                        "AND url LIKE 'http%'"), params)
                connection.execute(text("DELETE FROM listings WHERE source = :source"), params)
                connection.execute(text("UPDATE jobs SET expired_at = NULL, expiry_reason = NULL,"
                                        " expiry_evidence = NULL WHERE source = :source"), params)
        finally:
            engine.dispose()


def import_ads(backend: Backend, csv_path: Path) -> Run:
    return run(["import", str(csv_path), "--source", IMPORT_SOURCE, "--json",
                *db_args(backend.big)], what=f"import into {backend.name}")


def export_ads(backend: Backend, fmt: str, work: Path) -> Run:
    output = work / f"export.{fmt}"
    result = run(["export", "--format", fmt, "-o", str(output), *db_args(backend.big)],
                 what=f"{fmt} export of {backend.name}")
    output.unlink()
    output.with_name(f"{output.name}.manifest.json").unlink()
    return result


def crawl(board: DemoBoard, url: str, work: Path, *, source: str | None = None) -> Run:
    stats = work / "crawl-stats.json"
    stats.unlink(missing_ok=True)
    result = run(["crawl", "jobposting", "-a", f"url={board.url}/jobs",
                  *(["-a", f"source={source}"] if source else []), *db_args(url),
                  *common_settings(16, stats)], what="crawl")
    result.stats = json.loads(stats.read_text())
    return result


def stalls(result: Run) -> str:
    found = STALL.search(result.stderr)
    close = f"{float(found.group(3)):.2f}" if found else "?"
    get = result.stats.get
    return (f"{float(get('jobcrawl/reactor/max_stall/open', 0) or 0):.2f}/"  # type: ignore[arg-type]
            f"{float(get('jobcrawl/reactor/max_stall/crawl', 0) or 0):.2f}/{close}")  # type: ignore[arg-type]


def line(*cells: object) -> None:
    widths = (12, 26, 10, 10, 10, 9, 18)
    print("".join(f"{cell!s:<{w}}" if i < 2 else f"{cell!s:>{w}}"
                  for i, (cell, w) in enumerate(zip(cells, widths, strict=False))), flush=True)


def crawls(backend: Backend, board: DemoBoard, work: Path) -> None:
    """Crawl + recrawl into the big and an empty database, alternated; the ratios."""
    times: dict[tuple[str, str], Run] = {}
    for target, url in (("empty", backend.empty), ("big", backend.big)):
        if target == "empty":
            backend.create(url)
        times[target, "crawl"] = crawl(board, url, work)
        times[target, "recrawl"] = crawl(board, url, work)
    for (target, kind), result in times.items():
        items = result.stats.get("jobcrawl/store/new", 0) or result.stats.get(
            "jobcrawl/store/touched", 0)
        line(backend.name, f"{kind} into {target}", f"{result.seconds:.1f}",
             f"{result.peak_mb:.0f}", f"{result.cpu:.1f}", items, stalls(result))
    for kind in ("crawl", "recrawl"):
        ratio = times["big", kind].seconds / times["empty", kind].seconds
        verdict = "met" if ratio <= RATIO_TARGET else "NOT met"
        print(f"{backend.name}: {kind} time ratio big / empty: {ratio:.2f} "
              f"(target <= {RATIO_TARGET:.2f}: {verdict})", flush=True)
    backend.drop(backend.empty)


def expiry(backend: Backend, board: DemoBoard, work: Path, ads: int) -> None:
    result = crawl(board, backend.big, work, source=IMPORT_SOURCE)
    expired = result.stats.get("jobcrawl/expiry/unlisted", "?")
    line(backend.name, f"crawl expiring {ads}", f"{result.seconds:.1f}",
         f"{result.peak_mb:.0f}", f"{result.cpu:.1f}", expired, stalls(result))
    print(f"{backend.name}: closing time (Closing spider -> exit) {result.closing or 0:.1f} s, "
          f"unlisted expired: {expired}", flush=True)
    backend.revive_imported()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ads", type=int, default=1_000_000)
    parser.add_argument("--crawl-ads", type=int, default=20_000)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--postgres-url",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="the PostgreSQL server (its databases are made by the script)")
    parser.add_argument("--work", type=Path, help="folder for the CSV, SQLite files, exports")
    parser.add_argument("--steps", default=",".join(STEPS), help=f"from {', '.join(STEPS)}")
    parser.add_argument("--skip-fill", action="store_true",
                        help="reuse the databases and CSV of an earlier --keep run")
    parser.add_argument("--keep", action="store_true", help="keep the databases and CSV")
    args = parser.parse_args()
    backends = [name for name in args.backends.split(",") if name]
    steps = [name for name in args.steps.split(",") if name]
    if set(backends) - set(BACKENDS) or set(steps) - set(STEPS):
        parser.error(f"--backends from {', '.join(BACKENDS)}, --steps from {', '.join(STEPS)}")
    work = Path(args.work or tempfile.mkdtemp(prefix="jobcrawl-bigdb-"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / "bigdb.csv"
    if not args.skip_fill and "import" in steps:
        started = time.perf_counter()
        write_csv(csv_path, args.ads)
        print(f"wrote {csv_path} ({args.ads} ads, {csv_path.stat().st_size / 1e6:.0f} MB) "
              f"in {time.perf_counter() - started:.0f} s", flush=True)
    print(f"postgresql server: {redact_url(args.postgres_url)}; crawl board: "
          f"{args.crawl_ads} ads; stalls: open/crawl/close s")
    line("backend", "step", "seconds", "peak MB", "cpu s", "rows/s|n", "stalls")
    held = [Backend(name, work, args.postgres_url) for name in backends]
    try:
        with DemoBoard(n_ads=args.crawl_ads) as board:
            for backend in held:
                measure(backend, board, work, csv_path, args, steps)
    finally:
        if not args.keep:
            for backend in held:
                backend.drop(backend.big)
                backend.drop(backend.empty)
            if args.work is None:
                shutil.rmtree(work)
            else:
                csv_path.unlink(missing_ok=True)


def measure(backend: Backend, board: DemoBoard, work: Path, csv_path: Path,
            args: argparse.Namespace, steps: list[str]) -> None:
    if not args.skip_fill and "import" in steps:
        backend.create(backend.big)
        result = import_ads(backend, csv_path)
        line(backend.name, f"import {args.ads}", f"{result.seconds:.1f}",
             f"{result.peak_mb:.0f}", f"{result.cpu:.1f}", f"{args.ads / result.seconds:.0f}", "")
    ads = backend.count(backend.big)
    if "export" in steps:
        for fmt in EXPORT_FORMATS:
            result = export_ads(backend, fmt, work)
            line(backend.name, f"export {fmt} {ads}", f"{result.seconds:.1f}",
                 f"{result.peak_mb:.0f}", f"{result.cpu:.1f}", f"{ads / result.seconds:.0f}", "")
    if "crawl" in steps:
        crawls(backend, board, work)
    if "expiry" in steps:
        expiry(backend, board, work, ads)


if __name__ == "__main__":
    main()
