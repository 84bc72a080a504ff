"""`scrapy crawlall SOURCES.yaml`: run every source of a schedule, each in its own process."""

from __future__ import annotations

import json
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

if TYPE_CHECKING:
    import argparse
    from types import FrameType

    from jobcrawl.schedule.runner import Job, Outcome
    from jobcrawl.schedule.sources import Source

# Exit codes: 0 every source ok; 1 a source failed, timed out or was interrupted;
# 2 bad command line or SOURCES file (nothing ran); 3 no source failed but one was
# incomplete (its crawl exited 3: it missed pages or items); 75 (EX_TEMPFAIL in
# sysexits.h: "try again later") another run of the same file holds the lock (nothing ran).
EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_INCOMPLETE = 3
EXIT_LOCKED = 75
# A source whose `scrapy crawl` exited 3 (jobcrawl.runs.failures.EXIT_INCOMPLETE).
INCOMPLETE = "incomplete"
# Settings and arguments with one of these words in their name (JOBCRAWL_REED_API_KEY,
# api_token) are not printed by --dry-run.
_SECRET_WORDS = frozenset({"KEY", "APIKEY", "SECRET", "PASSWORD", "TOKEN"})


class Command(ScrapyCommand):
    """Run the sources of a SOURCES.yaml file as isolated `scrapy crawl` subprocesses.

    Each source gets its own process group, log file ``<logs>/<UTC time>/<name>.log``
    and stats file ``<name>.stats.json`` (passed as JOBCRAWL_STATSFILE_PATH); the
    command's own ``-s`` options reach every source and win over the file's settings.
    Settings: none of its own. Stats: none (each source writes its own).
    """

    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return ("SOURCES.yaml [--only NAME[,NAME...]] [--parallel N] [--logs DIR] "
                "[--lock-dir DIR] [--grace SECONDS] [--dry-run] [--json]")

    def short_desc(self) -> str:
        return "Run every source of a SOURCES.yaml file, isolated, with timeouts and a lock"

    def long_desc(self) -> str:
        return (
            "Validate SOURCES.yaml, take its lock and run each source as its own "
            "`scrapy crawl` subprocess (at most `parallel` at once), ending any that "
            "passes its timeout. Prints a summary table (or JSON). Exit codes: 0 all "
            "sources ok, 1 any failed or timed out, 2 invalid command line or file, "
            f"{EXIT_INCOMPLETE} none failed but one was incomplete (missed pages or items), "
            f"{EXIT_LOCKED} another run of the same file is in progress."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        group = parser.add_argument_group(title="Crawlall options")
        group.add_argument("--only", action="append", default=[], metavar="NAME[,NAME...]",
                           help="run only these sources (disabled ones too); may be repeated")
        group.add_argument("--parallel", metavar="N",
                           help="sources at once (default: the file's parallel:, else 1)")
        group.add_argument("--logs", default="logs/crawlall", metavar="DIR",
                           help="each run writes DIR/<UTC time>/<name>.log and "
                                "<name>.stats.json (default: %(default)s)")
        group.add_argument("--lock-dir", metavar="DIR",
                           help="keep the lock file here (default: SOURCES.yaml.lock "
                                "beside the file)")
        group.add_argument("--grace", default="30", metavar="SECONDS",
                           help="seconds between SIGTERM and SIGKILL for a source that "
                                "must stop (default %(default)s)")
        group.add_argument("--dry-run", action="store_true",
                           help="validate and print each source's command; run nothing")
        group.add_argument("--json", action="store_true",
                           help="print the summary as JSON for scripts")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if len(args) != 1:
            raise UsageError("give one SOURCES.yaml file")
        opts.only = [name.strip() for value in opts.only for name in value.split(",")
                     if name.strip()]
        opts.parallel = None if opts.parallel is None else _number(
            "--parallel", opts.parallel, int, minimum=1)
        opts.grace = _number("--grace", opts.grace, float, minimum=0)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        # Imported here: Scrapy imports every command module for every command.
        from scrapy.spiderloader import get_spider_loader

        from jobcrawl.schedule.runner import AlreadyRunning, LockFileError, lock_path, run_lock
        from jobcrawl.schedule.sources import SourcesError, load_sources

        assert self.settings is not None
        path = Path(args[0])
        try:
            schedule = load_sources(path, get_spider_loader(self.settings).list())
            sources = schedule.select(opts.only)
        except SourcesError as exc:
            print(exc, file=sys.stderr)
            self.exitcode = EXIT_INVALID
            return
        if not sources:
            print(f"{path}: every source is disabled (enabled: false); nothing to run "
                  "(use --only NAME to run a disabled source)", file=sys.stderr)
            self.exitcode = EXIT_INVALID
            return
        parallel = opts.parallel or schedule.parallel
        if opts.dry_run:
            _print_commands(sources, list(opts.set))
            return
        lock_dir = Path(opts.lock_dir) if opts.lock_dir else None
        try:
            with run_lock(lock_path(path, lock_dir)):
                report = self._run_sources(path, sources, parallel, opts)
        except AlreadyRunning as exc:
            print(f"crawlall: {exc}", file=sys.stderr)
            self.exitcode = EXIT_LOCKED
            return
        except LockFileError as exc:
            print(f"crawlall: {exc} (choose a writable folder with --lock-dir)",
                  file=sys.stderr)
            self.exitcode = EXIT_INVALID
            return
        _print_report(report, as_json=opts.json)
        self.exitcode = report["exit_code"]

    def _run_sources(self, path: Path, sources: tuple[Source, ...], parallel: int,
                     opts: argparse.Namespace) -> dict[str, Any]:
        from jobcrawl.schedule.runner import OK, Runner

        run_dir = _new_run_dir(Path(opts.logs))
        jobs = [_job(source, run_dir, list(opts.set)) for source in sources]
        _announce(f"{len(jobs)} source(s) from {path}, {parallel} at once, logs in {run_dir}")
        if parallel > 1:
            assert self.settings is not None
            _create_new_sqlite_schemas(sources, list(opts.set),
                                       self.settings.get("JOBCRAWL_DATABASE_URL"))
        started_at = datetime.now(UTC)
        previous = _stop_on_sigterm()
        try:
            outcomes = Runner(jobs, parallel, opts.grace, announce=_announce).run()
        finally:
            signal.signal(signal.SIGTERM, previous)
        rows = [_row(source, outcome, run_dir) for source, outcome in zip(sources, outcomes,
                                                                          strict=True)]
        failed = any(row["status"] not in (OK, INCOMPLETE) for row in rows)
        incomplete = any(row["status"] == INCOMPLETE for row in rows)
        return {
            "sources_file": str(path.resolve()),
            "log_dir": str(run_dir),
            "started_at": started_at.isoformat(),
            "finished_at": datetime.now(UTC).isoformat(),
            "parallel": parallel,
            "exit_code": EXIT_FAILED if failed else EXIT_INCOMPLETE if incomplete else 0,
            "sources": rows,
        }


def _number(name: str, value: str, kind: type[int] | type[float], *, minimum: float) -> Any:
    try:
        number = kind(value)
    except ValueError:
        raise UsageError(f"{name} must be a number, got {value!r}", print_help=False) from None
    if number < minimum:
        raise UsageError(f"{name} must be {minimum:g} or more, got {value}", print_help=False)
    return number


def _new_run_dir(base: Path) -> Path:
    """A fresh folder per run, named by its UTC start time, so no run overwrites another."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for suffix in ("", *(f"-{n}" for n in range(2, 100))):
        candidate = base / f"{stamp}{suffix}"
        try:
            candidate.mkdir(parents=True)
        except FileExistsError:
            continue
        except OSError as exc:
            raise UsageError(f"--logs: cannot create {candidate}: {exc.strerror or exc}",
                             print_help=False) from exc
        return candidate
    raise UsageError(f"cannot create a fresh log folder under {base}", print_help=False)


def _source_argv(source: Source, cli_settings: list[str]) -> list[str]:
    argv = [sys.executable, "-m", "scrapy", *source.crawl_args()]
    for pair in cli_settings:
        argv += ["-s", pair]
    return argv


def _job(source: Source, run_dir: Path, cli_settings: list[str]) -> Job:
    from jobcrawl.schedule.runner import Job

    stats = run_dir / f"{source.name}.stats.json"
    argv = [*_source_argv(source, cli_settings), "-s", f"JOBCRAWL_STATSFILE_PATH={stats}"]
    return Job(source.name, tuple(argv), source.timeout, run_dir / f"{source.name}.log")


def _create_new_sqlite_schemas(sources: tuple[Source, ...], cli_settings: list[str],
                               default_url: str | None) -> None:
    """Create the schema of each new SQLite file once, before sources start together.

    Every crawl creates the schema of a new SQLite file at start-up; two starting at
    the same moment would both try, and the slower one fail. Other databases are
    migrated by `scrapy db upgrade`, never by a crawl.
    """
    from jobcrawl.db.migrate import is_fresh_sqlite, upgrade
    from jobcrawl.security.secrets import redact_url

    cli = dict(pair.partition("=")[::2] for pair in cli_settings)
    urls = dict.fromkeys(
        cli.get("JOBCRAWL_DATABASE_URL")
        or dict(source.settings).get("JOBCRAWL_DATABASE_URL") or default_url
        for source in sources)
    for url in urls:
        if not url or not is_fresh_sqlite(url):
            continue
        try:
            upgrade(url)
        except Exception as exc:
            # Not fatal: each source meets the same problem at start-up and fails with
            # its own message, while sources on other databases still run.
            first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            _announce(f"cannot create the schema of {redact_url(url)}: {first_line}")
        else:
            _announce(f"created the schema of the new database {redact_url(url)}")


def _row(source: Source, outcome: Outcome, run_dir: Path) -> dict[str, Any]:
    stats = _read_stats(run_dir / f"{source.name}.stats.json")
    # Touched: known ads a recrawl saw listed within JOBCRAWL_RECRAWL_TTL, not refetched.
    store = [stats.get(f"jobcrawl/store/{key}")
             for key in ("new", "updated", "unchanged", "touched")]
    return {
        "name": source.name,
        "spider": source.spider,
        "status": _status(outcome),
        "exit_code": outcome.exit_code,
        "seconds": outcome.seconds,
        "items_stored": sum(n or 0 for n in store) if stats else None,
        "items_new": (store[0] or 0) if stats else None,
        "finish_reason": stats.get("finish_reason"),
        "pid": outcome.pid,
        "started_at": outcome.started_at.isoformat() if outcome.started_at else None,
        "finished_at": outcome.finished_at.isoformat() if outcome.finished_at else None,
        "log": str(run_dir / f"{source.name}.log"),
        "stats": str(run_dir / f"{source.name}.stats.json") if stats else None,
    }


def _status(outcome: Outcome) -> str:
    """The runner's status, with a crawl that exited 3 shown as incomplete, not failed."""
    from jobcrawl.runs.failures import EXIT_INCOMPLETE as CRAWL_INCOMPLETE
    from jobcrawl.schedule.runner import FAILED

    if outcome.status == FAILED and outcome.exit_code == CRAWL_INCOMPLETE:
        return INCOMPLETE
    return outcome.status


def _read_stats(path: Path) -> dict[str, Any]:
    """A source's final stats, or {} when it wrote none (killed, or failed at start-up)."""
    try:
        stats = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stats if isinstance(stats, dict) else {}


def _stop_on_sigterm() -> Any:
    """SIGTERM (systemd stop, kill) stops the sources the way Ctrl-C does."""
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt
    return signal.signal(signal.SIGTERM, interrupt)


def _announce(line: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def _print_commands(sources: tuple[Source, ...], cli_settings: list[str]) -> None:
    import shlex

    for source in sources:
        # Shown as the user would type it: `scrapy crawl ...`, not `<python> -m scrapy ...`.
        argv = ["scrapy", *(_masked(part) for part in _source_argv(source, cli_settings)[3:])]
        print(f"{source.name} (timeout {source.timeout:g} s): {shlex.join(argv)}")


def _masked(part: str) -> str:
    """A `KEY=value` option as it may be shown: secrets and URL passwords masked."""
    from jobcrawl.security.secrets import redact_url

    key, sep, value = part.partition("=")
    if not sep or not value:
        return part
    if _SECRET_WORDS & set(key.upper().replace("-", "_").split("_")):
        return f"{key}=***"
    if "://" in value and "@" in value:
        return f"{key}={redact_url(value)}"
    return part


def _print_report(report: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report, indent=2))
        return
    header = ("source", "spider", "status", "exit", "seconds", "stored", "new")
    lines = [header]
    for row in report["sources"]:
        lines.append((row["name"], row["spider"], row["status"], _cell(row["exit_code"]),
                      _cell(row["seconds"], "{:.1f}"), _cell(row["items_stored"]),
                      _cell(row["items_new"])))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths,
                                                                   strict=True)).rstrip())
    failed = sum(row["status"] != "ok" for row in report["sources"])
    verdict = f"{failed} of {len(report['sources'])} source(s) not ok" if failed else "all ok"
    print(f"\n{verdict}; logs in {report['log_dir']}")


def _cell(value: Any, fmt: str = "{}") -> str:
    return "-" if value is None else fmt.format(value)
