"""Interrupted and failing exports leave nothing under the final name; the progress bar."""

from __future__ import annotations

import fcntl
import hashlib
import io
import os
import pty
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from jobcrawl.db.engine import make_engine
from jobcrawl.db.models import Base
from jobcrawl.export.build import ExportSpec, run_export
from jobcrawl.export.database import CHUNK_ROWS
from jobcrawl.export.manifest import FileEntry
from jobcrawl.export.output import HashingWriter
from jobcrawl.export.values import EXPORT_FIELDS
from jobcrawl.export.writers import CsvWriter
from tests.utils.exports import JOBS, fill, job, read_csv
from tests.utils.paths import ROOT

BIG = 200_000  # seconds of work: time to catch the export in the middle


def fill_fast(db: Path, rows: int) -> str:
    """A SQLite database of `rows` small ads, bulk-inserted (the ORM would take minutes)."""
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    columns = (*EXPORT_FIELDS, "content_hash")
    stamp = "2026-11-20 09:00:00.000000"
    with sqlite3.connect(db) as connection:
        connection.executemany(
            f"INSERT INTO jobs ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            ((f"{i:07d}", "greenhouse:bulk", f"https://bulk/jobs/{i}", f"Job {i}", None, None,
              f"Cat {i % 5}", None, None, f"About job {i}, line one.\nLine two.", None, None,
              None, None, None, None, None, None, None, None, stamp, stamp, stamp, 1, None, None,
              "h")
             for i in range(rows)),
        )
    return url


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return fill_fast(tmp_path_factory.mktemp("big") / "big.db", BIG)


def start_export(url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "scrapy", "export", *args, "-s", f"JOBCRAWL_DATABASE_URL={url}"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def stop_midway(process: subprocess.Popen[str], partial: Path) -> None:
    """Freeze the export (SIGSTOP) as soon as its temporary output has content."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if (partial.is_file() and partial.stat().st_size > 0) or (
                partial.is_dir() and any(partial.iterdir())):
            os.kill(process.pid, signal.SIGSTOP)
            return
        if process.poll() is not None:
            pytest.fail(f"the export ended before it could be interrupted: {process.stderr}")
        time.sleep(0.002)
    pytest.fail("the export never started writing")


@pytest.mark.parametrize(("fmt", "name"), [("csv", "jobs.csv"), ("corpus", "corpus")])
@pytest.mark.parametrize(("signum", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["SIGINT", "SIGTERM"])
def test_interrupted_export_leaves_the_old_output_and_no_temporary_files(
    big_db: str, tmp_path: Path, fmt: str, name: str, signum: int, exit_code: int
) -> None:
    out = tmp_path / name
    manifest = tmp_path / f"{name}.manifest.json"
    if fmt == "csv":
        out.write_text("old export")
        manifest.write_text("old manifest")
    process = start_export(big_db, "--format", fmt, "-o", str(out))
    stop_midway(process, tmp_path / f".{name}.partial-{process.pid}")

    frozen_listing = sorted(p.name for p in tmp_path.iterdir())
    os.kill(process.pid, signum)
    os.kill(process.pid, signal.SIGCONT)
    stdout, stderr = process.communicate(timeout=120)

    assert f".{name}.partial-{process.pid}" in frozen_listing  # caught in the middle indeed
    assert process.returncode == exit_code, stderr
    assert stdout == ""
    assert f"export interrupted: nothing was written to {out}" in stderr
    if fmt == "csv":
        assert out.read_text() == "old export"
        assert manifest.read_text() == "old manifest"
        assert sorted(p.name for p in tmp_path.iterdir()) == [name, f"{name}.manifest.json"]
    else:
        assert list(tmp_path.iterdir()) == []


def test_export_failing_midway_keeps_the_old_file_and_removes_the_partial(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(sqlite_url, [job("greenhouse:bulk", f"{i:05d}") for i in range(2 * CHUNK_ROWS + 5)])
    out = tmp_path / "out" / "jobs.csv"
    out.parent.mkdir()
    out.write_text("old export")
    (out.parent / "jobs.csv.manifest.json").write_text("old manifest")
    calls = []
    original = CsvWriter.write

    def failing_write(self: CsvWriter, rows: Any) -> int:
        calls.append(len(rows))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return original(self, rows)

    monkeypatch.setattr(CsvWriter, "write", failing_write)
    engine = make_engine(sqlite_url)

    with pytest.raises(OSError, match="No space left on device"):
        run_export(engine, ExportSpec("csv", out))
    engine.dispose()

    assert calls == [CHUNK_ROWS, CHUNK_ROWS]
    assert out.read_text() == "old export"
    assert (out.parent / "jobs.csv.manifest.json").read_text() == "old manifest"
    assert sorted(p.name for p in out.parent.iterdir()) == ["jobs.csv", "jobs.csv.manifest.json"]


def test_the_writer_thread_writes_hashes_and_syncs_what_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(HashingWriter, "SYNC_BYTES", 10)  # a sync every other piece
    synced: list[int] = []
    monkeypatch.setattr(os, "fdatasync", lambda fd: synced.append(fd))
    path = tmp_path / "out.bin"
    buffer = bytearray(b"first-")

    with path.open("xb") as raw:
        out = HashingWriter(raw)
        out.write(buffer)
        buffer[:] = b"XXXXXX"  # the writer copied it: later changes are not written
        for number in range(100):
            out.write(f"piece {number};".encode())
        out.finish()

    expected = b"first-" + b"".join(f"piece {number};".encode() for number in range(100))
    assert path.read_bytes() == expected
    assert out.entry("out.bin") == FileEntry("out.bin", len(expected),
                                             hashlib.sha256(expected).hexdigest())
    assert len(synced) == 50
    assert "export-writer" not in {thread.name for thread in threading.enumerate()}


def test_a_write_failing_on_the_writer_thread_is_raised_by_finish(tmp_path: Path) -> None:
    class FullDisk(io.BytesIO):
        def write(self, data: Any) -> int:
            raise OSError(28, "No space left on device")

    out = HashingWriter(FullDisk())
    out.write(b"data")

    with pytest.raises(OSError, match="No space left on device"):
        out.finish()
    assert "export-writer" not in {thread.name for thread in threading.enumerate()}


def test_export_streams_more_rows_than_one_chunk(sqlite_url: str, tmp_path: Path) -> None:
    many = [job("greenhouse:bulk", f"{i:05d}") for i in range(2 * CHUNK_ROWS + 500)]
    fill(sqlite_url, many)
    engine = make_engine(sqlite_url)

    result = run_export(engine, ExportSpec("csv", tmp_path / "bulk.csv"))
    engine.dispose()

    assert result.rows == len(many)
    rows = read_csv(tmp_path / "bulk.csv")
    assert [row["webindex"] for row in rows] == [j["webindex"] for j in many]


def run_on_terminal(url: str, *args: str) -> tuple[int, str]:
    """Run an export with stderr on a pseudo-terminal; return (exit code, what it showed)."""
    main, secondary = pty.openpty()
    # 24 x 100 characters: a terminal of no size gets no bar.
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "export", *args, "-s", f"JOBCRAWL_DATABASE_URL={url}"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=secondary,
    )
    os.close(secondary)
    shown = b""
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # EIO: the terminal's other end closed
            break
        if not data:
            break
        shown += data
    os.close(main)
    return process.wait(timeout=120), shown.decode(errors="replace")


def test_progress_bar_shows_on_a_terminal_only(sqlite_url: str, tmp_path: Path) -> None:
    fill(sqlite_url, JOBS)

    code, shown = run_on_terminal(sqlite_url, "--format", "jsonl", "-o",
                                  str(tmp_path / "a.jsonl"), "--limit", "3")

    assert code == 0
    assert "100%" in shown
    assert "3.00/3.00" in shown
    assert " ads" in shown
