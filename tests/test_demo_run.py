"""`make demo`'s runner, end to end, twice on one database."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from tests.utils.paths import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_demo(tmp_path: Path, port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jobcrawl.demo", "--port", str(port),
         "--exports", str(tmp_path / "exports")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={"PATH": "/usr/bin:/bin", "JOBCRAWL_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"},
    )


def test_demo_crawls_exports_and_summarises_then_reruns_incrementally(tmp_path: Path) -> None:
    port = free_port()
    first = run_demo(tmp_path, port)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "ads stored               292 new, 0 updated, 0 unchanged" in first.stdout
    assert "ads touched              0 " in first.stdout
    assert "duplicates dropped       7" in first.stdout
    assert "closing dates found      191 (102 structured, 89 text, 0 relative)" in first.stdout
    csv_lines = (tmp_path / "exports" / "demo.csv").read_text(encoding="utf-8").splitlines()
    assert csv_lines[0].startswith("webindex,source,url,title,")
    jsonl = (tmp_path / "exports" / "demo.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(jsonl) == 292

    second = run_demo(tmp_path, port)
    assert second.returncode == 0, second.stderr[-3000:]
    # Every ad was fetched moments ago: the rerun reads the 15 listing pages (and
    # robots.txt) only, and moves every ad's last_seen without fetching it.
    assert "pages crawled            16" in second.stdout
    assert "ads stored               0 new, 0 updated, 0 unchanged" in second.stdout
    assert "ads touched              292 " in second.stdout
    assert "ads in the database      292" in second.stdout
    assert len((tmp_path / "exports" / "demo.jsonl").read_text().splitlines()) == 292
