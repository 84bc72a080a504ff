"""The real `scrapy` command line, run in a subprocess from the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.utils import forkserver
from tests.utils.paths import ROOT


def run_scrapy(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None,
               timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the real `scrapy` command line in a subprocess from the project folder."""
    full_env = {**os.environ, **(env or {})}
    if forkserver.enabled():
        return forkserver.run(["scrapy", *args], cwd=cwd, env=full_env, timeout=timeout)
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout,
    )


def crawl_api(spider: str, *args: str, db_url: str, tmp_path: Path,
              env: dict[str, str] | None = None) -> tuple[int, dict[str, Any], str]:
    """Run `scrapy crawl <spider> <args>` in a subprocess; (exit code, final stats, stderr)."""
    stats_path = tmp_path / f"stats-{spider}-{len(list(tmp_path.iterdir()))}.json"
    result = run_scrapy(
        "crawl", spider, *args,
        "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", f"JOBCRAWL_DATABASE_URL={db_url}",
        "-s", f"JOBCRAWL_STATSFILE_PATH={stats_path}",
        # An API page that fails makes a missed-URL file: never in the checkout's missed/.
        "-s", f"JOBCRAWL_MISSED_DIR={tmp_path / 'missed'}",
        "-s", f"JOBCRAWL_DEADLETTER_DIR={tmp_path / 'deadletter'}",
        env=env,
    )
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    return result.returncode, stats, result.stderr
