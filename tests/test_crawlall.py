"""End to end: the real `scrapy crawlall` running real `scrapy crawl` subprocesses on 127.0.0.1."""

from __future__ import annotations

import fcntl
import json
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from jobcrawl.demo.server import DemoBoard
from jobcrawl.extract.ids import webindex_from_url
from tests.utils.failing import FailingDemoBoard
from tests.utils.paths import ROOT
from tests.utils.processes import group_gone
from tests.utils.recorded import RecordedServer
from tests.utils.rows import stored_rows
from tests.utils.scrapy import run_scrapy

TIMEOUT = 5  # the hanging source's own timeout, seconds


@pytest.fixture(scope="module")
def board() -> Iterator[DemoBoard]:
    with DemoBoard() as demo:
        yield demo


@pytest.fixture(scope="module")
def api_404() -> Iterator[RecordedServer]:
    """An API origin without routes: every request gets a JSON 404, as for an unknown board."""
    with RecordedServer({}) as server:
        yield server


@pytest.fixture(scope="module")
def hanging_url() -> Iterator[str]:
    """A TCP server that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return  # closed at the end of the module

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()
    for conn in accepted:
        conn.close()


def write_sources(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def three_sources(tmp_path: Path, db_url: str, board: DemoBoard, api_404: RecordedServer,
                  hanging_url: str) -> Path:
    return write_sources(tmp_path, f"""
parallel: 2
defaults:
  settings:
    AUTOTHROTTLE_ENABLED: false
    JOBCRAWL_DATABASE_URL: "{db_url}"
sources:
  - name: hanging
    spider: jobposting
    args: {{url: "{hanging_url}/jobs"}}
    settings: {{DOWNLOAD_TIMEOUT: 600, ROBOTSTXT_OBEY: false}}
    timeout: {TIMEOUT}
  - name: demo
    spider: jobposting
    args: {{url: "{board.url}/jobs", max_pages: 1}}
  - name: greenhouse-gone
    spider: greenhouse
    args: {{board: acme, base_url: "{api_404.url}"}}
""")


def crawlall(sources: Path, tmp_path: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    # A source that misses pages lists them under tmp_path, never in the checkout's missed/.
    result = run_scrapy("crawlall", str(sources), "--logs", str(tmp_path / "logs"),
                        "--json", "-s", f"JOBCRAWL_MISSED_DIR={tmp_path / 'missed'}", *args)
    report = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.returncode, report, result.stderr


def when(row: dict[str, Any], key: str) -> datetime:
    return datetime.fromisoformat(row[key])


def test_failing_and_hanging_sources_are_isolated_and_make_the_run_exit_1(
    board: DemoBoard, api_404: RecordedServer, hanging_url: str, sqlite_url: str,
    tmp_path: Path,
) -> None:
    sources = three_sources(tmp_path, sqlite_url, board, api_404, hanging_url)
    code, report, stderr = crawlall(sources, tmp_path, "--grace", "2")

    assert code == 1, stderr[-3000:]
    # Created once, before two crawls could both try to create it on the new file.
    assert f"created the schema of the new database {sqlite_url}" in stderr
    assert report["exit_code"] == 1
    assert report["parallel"] == 2
    rows = {row["name"]: row for row in report["sources"]}
    assert [row["name"] for row in report["sources"]] == ["hanging", "demo", "greenhouse-gone"]
    run_dir = Path(report["log_dir"])
    assert run_dir.parent == tmp_path / "logs"
    first_page = [ad for ad in board.board.ads[:20] if ad.has_job_posting]

    demo = rows["demo"]
    assert {key: demo[key] for key in ("spider", "status", "exit_code", "items_stored",
                                       "items_new", "finish_reason", "log", "stats")} == {
        "spider": "jobposting", "status": "ok", "exit_code": 0,
        "items_stored": len(first_page), "items_new": len(first_page),
        "finish_reason": "finished", "log": str(run_dir / "demo.log"),
        "stats": str(run_dir / "demo.stats.json"),
    }

    gone = rows["greenhouse-gone"]
    assert {key: gone[key] for key in ("spider", "status", "exit_code", "items_stored",
                                       "finish_reason")} == {
        "spider": "greenhouse", "status": "failed", "exit_code": 1, "items_stored": 0,
        "finish_reason": "api_http_404",
    }
    assert "HTTP 404" in (run_dir / "greenhouse-gone.log").read_text()
    assert api_404.hits("/v1/boards/acme/jobs") == 1

    hanging = rows["hanging"]
    assert (hanging["spider"], hanging["status"]) == ("jobposting", "timeout")
    assert hanging["exit_code"] < 0  # ended by a signal: SIGTERM, then SIGKILL
    assert hanging["seconds"] >= TIMEOUT
    assert hanging["items_stored"] is None  # killed before it could write its stats
    assert "Received SIGTERM" in (run_dir / "hanging.log").read_text()
    assert group_gone(hanging["pid"])  # the crawl and anything it started

    # Two at once: the demo crawl ran alongside the hanging one instead of after it,
    # and the third source took the first free slot.
    assert when(demo, "started_at") < when(hanging, "finished_at")
    assert when(gone, "started_at") >= min(when(demo, "finished_at"),
                                           when(hanging, "finished_at"))

    stored = stored_rows(sqlite_url)
    assert len(stored) == len(first_page)
    by_url = {row["url"]: row for row in stored}
    for ad in first_page[:4]:
        url = f"{board.url}/jobs/{ad.ad_id}"
        row = by_url[url]
        assert {key: row[key] for key in (
            "webindex", "source", "url", "title", "company", "category", "description",
            "date_posted", "closing_date", "salary_min", "salary_max", "salary_currency",
            "seen_count")} == {
            "webindex": ad.identifier or webindex_from_url(url),
            "source": "jobposting:127.0.0.1", "url": url, "title": ad.title,
            "company": ad.company, "category": ad.category, "description": ad.description,
            "date_posted": ad.date_posted.isoformat(),
            "closing_date": ad.closing_date.isoformat() if ad.closing_date else None,
            "salary_min": ad.salary_min, "salary_max": ad.salary_max,
            "salary_currency": ad.salary_currency, "seen_count": 1,
        }


def test_the_summary_table_and_only(board: DemoBoard, api_404: RecordedServer,
                                    hanging_url: str, sqlite_url: str,
                                    tmp_path: Path) -> None:
    sources = three_sources(tmp_path, sqlite_url, board, api_404, hanging_url)
    result = run_scrapy("crawlall", str(sources), "--only", "greenhouse-gone",
                        "--logs", str(tmp_path / "logs"),
                        "-s", f"JOBCRAWL_MISSED_DIR={tmp_path / 'missed'}")
    assert result.returncode == 1, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["source", "spider", "status", "exit", "seconds", "stored", "new"]
    cells = lines[1].split()
    assert cells[:4] == ["greenhouse-gone", "greenhouse", "failed", "1"]
    assert cells[5:] == ["0", "0"]
    assert len(lines) == 4  # header, one source, blank line, verdict
    assert lines[3].startswith("1 of 1 source(s) not ok; logs in ")
    assert "greenhouse-gone: started" in result.stderr


def test_sigterm_stops_the_running_source_and_skips_the_rest(
    board: DemoBoard, hanging_url: str, sqlite_url: str, tmp_path: Path,
) -> None:
    sources = write_sources(tmp_path, f"""
sources:
  - name: hanging
    spider: jobposting
    args: {{url: "{hanging_url}/jobs"}}
    settings: {{DOWNLOAD_TIMEOUT: 600, ROBOTSTXT_OBEY: false}}
    timeout: 10m
  - name: demo
    spider: jobposting
    args: {{url: "{board.url}/jobs", max_pages: 1}}
""")
    command = [sys.executable, "-m", "scrapy", "crawlall", str(sources), "--json", "--grace",
               "1", "--logs", str(tmp_path / "logs"), "-s",
               f"JOBCRAWL_DATABASE_URL={sqlite_url}"]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as process:
        assert process.stderr is not None
        for line in process.stderr:  # as systemd stops a unit: SIGTERM once it runs
            if "hanging: started" in line:
                break
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, stderr[-3000:]
    assert "interrupted: stopping the running sources" in stderr
    report = json.loads(stdout)
    hanging, demo = report["sources"]
    assert (hanging["name"], hanging["status"]) == ("hanging", "interrupted")
    assert group_gone(hanging["pid"])
    assert (demo["name"], demo["status"], demo["pid"], demo["exit_code"]) == (
        "demo", "not started", None, None)
    assert not (Path(report["log_dir"]) / "demo.log").exists()


def test_every_source_ok_exits_0(board: DemoBoard, sqlite_url: str, tmp_path: Path) -> None:
    sources = write_sources(tmp_path, f"""
sources:
  - name: demo-page-1
    spider: jobposting
    args: {{url: "{board.url}/jobs", max_pages: 1}}
    settings: {{AUTOTHROTTLE_ENABLED: false}}
  - name: never
    spider: jobposting
    args: {{url: "{board.url}/jobs"}}
    enabled: false
""")
    code, report, stderr = crawlall(sources, tmp_path,
                                    "-s", f"JOBCRAWL_DATABASE_URL={sqlite_url}")
    assert code == 0, stderr[-3000:]
    assert [(row["name"], row["status"], row["items_new"]) for row in report["sources"]] == [
        ("demo-page-1", "ok", 20)]
    assert len(stored_rows(sqlite_url)) == 20


def test_a_second_run_of_the_same_file_exits_75_at_once(tmp_path: Path, sqlite_url: str) -> None:
    sources = write_sources(tmp_path, """
sources:
  - {name: a, spider: jobposting, args: {url: "http://127.0.0.1:9/jobs"}}
""")
    lock = tmp_path / "sources.yaml.lock"
    with lock.open("a+") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("4242\n")
        held.flush()
        result = run_scrapy("crawlall", str(sources), "--logs", str(tmp_path / "logs"),
                            "-s", f"JOBCRAWL_DATABASE_URL={sqlite_url}")
    assert result.returncode == 75
    assert result.stdout == ""
    assert result.stderr == (
        f"crawlall: another crawlall run of this file is in progress (lock {lock} held by "
        "pid 4242); not starting\n")
    assert not (tmp_path / "logs").exists()  # nothing ran


def test_a_stale_lock_file_does_not_block(tmp_path: Path, sqlite_url: str) -> None:
    sources = write_sources(tmp_path, """
sources:
  - {name: bad-arg, spider: jobposting, args: {url: "http://127.0.0.1:9/jobs", max_pages: x}}
""")
    lock_dir = tmp_path / "locks"
    lock_dir.mkdir()
    for stale in ("sources.yaml.lock", "whatever.lock"):
        (lock_dir / stale).write_text("4242\n")
    code, report, stderr = crawlall(sources, tmp_path, "--lock-dir", str(lock_dir),
                                    "-s", f"JOBCRAWL_DATABASE_URL={sqlite_url}")
    # The source fails at start-up (bad argument): the run went ahead, and exits 1.
    assert code == 1, stderr[-3000:]
    [row] = report["sources"]
    assert (row["status"], row["exit_code"]) == ("failed", 1)
    assert "argument max_pages" in Path(row["log"]).read_text()
    assert not (tmp_path / "sources.yaml.lock").exists()
    assert len(list(lock_dir.glob("sources.yaml-*.lock"))) == 1


def test_an_invalid_file_lists_every_problem_and_runs_nothing(tmp_path: Path) -> None:
    sources = write_sources(tmp_path, """
parallel: two
sources:
  - {name: acme, spider: greenhose, args: {board: acme}}
  - {name: acme, spider: lever, timeout: 0}
""")
    result = run_scrapy("crawlall", str(sources), "--logs", str(tmp_path / "logs"))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"{sources}: 4 problems:"
    assert lines[1] == "  parallel: must be a whole number of 1 or more, got 'two'"
    assert lines[2].startswith(
        "  sources[0].spider: unknown spider 'greenhose', did you mean 'greenhouse'? "
        "(this project has: ")
    assert lines[3:] == [
        "  sources[1].timeout: must be more than 0 seconds and finite, got 0",
        "  sources[1].name: 'acme' is already used by sources[0]",
    ]
    assert not (tmp_path / "logs").exists()
    assert not (tmp_path / "sources.yaml.lock").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give one SOURCES.yaml file"),
        (["--parallel", "0"], "--parallel must be 1 or more"),
        (["--grace", "soon"], "--grace must be a number"),
        (["--only", "nope"], "--only: no source named 'nope'"),
    ],
)
def test_bad_command_lines_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    sources = write_sources(tmp_path, "sources:\n  - {name: a, spider: jobposting}\n")
    positional = [str(sources)] if args else []
    result = run_scrapy("crawlall", *positional, *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_unusable_lock_or_log_folders_exit_2_before_any_crawl(tmp_path: Path) -> None:
    sources = write_sources(tmp_path, "sources:\n  - {name: a, spider: jobposting}\n")
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    result = run_scrapy("crawlall", str(sources), "--lock-dir", str(a_file / "locks"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"crawlall: cannot open the lock file {a_file}/locks/")
    assert result.stderr.endswith("(choose a writable folder with --lock-dir)\n")

    result = run_scrapy("crawlall", str(sources), "--logs", str(a_file / "logs"))
    assert result.returncode == 2
    assert f"--logs: cannot create {a_file}/logs/" in result.stderr
    assert "Not a directory" in result.stderr


def test_dry_run_prints_the_commands_with_secrets_masked(tmp_path: Path) -> None:
    sources = write_sources(tmp_path, """
defaults:
  timeout: 30m
  settings: {JOBCRAWL_DATABASE_URL: "postgresql+psycopg://crawler:s3cret@db/jobs"}
sources:
  - name: reed-data
    spider: reed
    args: {keywords: data analyst}
    settings: {JOBCRAWL_REED_API_KEY: abc123}
  - {name: reed-off, spider: reed, enabled: false}
""")
    result = run_scrapy("crawlall", str(sources), "--dry-run", "-s", "LOG_LEVEL=INFO")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "reed-data (timeout 1800 s): scrapy crawl reed -a 'keywords=data analyst' "
        "-s 'JOBCRAWL_DATABASE_URL=postgresql+psycopg://crawler:***@db/jobs' "
        "-s 'JOBCRAWL_REED_API_KEY=***' -s LOG_LEVEL=INFO",
    ]
    assert not (tmp_path / "sources.yaml.lock").exists()


def test_a_source_that_missed_pages_is_incomplete_and_the_run_exits_3(
    board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    with FailingDemoBoard(n_ads=20) as failing:
        lost = next(ad for ad in failing.board.ads if ad.has_job_posting)
        failing.failing.add(f"/jobs/{lost.ad_id}")
        sources = write_sources(tmp_path, f"""
defaults:
  settings:
    AUTOTHROTTLE_ENABLED: false
    ROBOTSTXT_OBEY: false
    RETRY_TIMES: 0
    JOBCRAWL_DATABASE_URL: "{sqlite_url}"
sources:
  - name: demo
    spider: jobposting
    args: {{url: "{board.url}/jobs", max_pages: 1}}
  - name: flaky
    spider: jobposting
    args: {{url: "{failing.url}/jobs"}}
""")
        code, report, stderr = crawlall(sources, tmp_path)
    assert (code, report["exit_code"]) == (3, 3), stderr[-3000:]
    assert [(row["name"], row["status"], row["exit_code"]) for row in report["sources"]] == [
        ("demo", "ok", 0), ("flaky", "incomplete", 3)]
    [missed] = (tmp_path / "missed").iterdir()
    assert [json.loads(line)["url"] for line in missed.read_text().splitlines()] == [
        f"{failing.url}/jobs/{lost.ad_id}"]
