"""The reactor-stall measurement: how long the reactor was held, per phase of a crawl."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobcrawl import settings as project
from jobcrawl.demo.server import DemoBoard
from tests.utils.blocking import STEP
from tests.utils.rows import stored_runs
from tests.utils.scrapy import run_scrapy

HELD = re.compile(r"reactor held at most ([\d.]+) s while opening, ([\d.]+) s while "
                  r"crawling, ([\d.]+) s while closing")


@pytest.fixture(scope="module")
def board() -> Iterator[DemoBoard]:
    with DemoBoard(n_ads=10) as demo:
        yield demo


def crawl(board: DemoBoard, sqlite_url: str, tmp_path: Path,
          *settings: str) -> tuple[dict[str, float], tuple[float, ...]]:
    stats_path = tmp_path / "stats.json"
    result = run_scrapy("crawl", "jobposting", "-a", f"url={board.url}/jobs",
                        "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO",
                        "-s", f"JOBCRAWL_DATABASE_URL={sqlite_url}",
                        "-s", f"JOBCRAWL_STATSFILE_PATH={stats_path}", *settings)
    assert result.returncode == 0, result.stderr[-3000:]
    [line] = HELD.findall(result.stderr)
    stats = json.loads(stats_path.read_text())
    return ({key.rsplit("/", 1)[1]: value for key, value in stats.items()
             if key.startswith("jobcrawl/reactor/max_stall/")},
            tuple(float(value) for value in line))


def test_every_crawl_says_how_long_the_reactor_was_held(
        board: DemoBoard, sqlite_url: str, tmp_path: Path) -> None:
    stats, logged = crawl(board, sqlite_url, tmp_path)
    assert set(stats) <= {"open", "crawl"}
    assert len(logged) == 3 and all(value >= 0 for value in logged)


def test_a_held_reactor_is_seen_in_the_phase_that_held_it(
        board: DemoBoard, sqlite_url: str, tmp_path: Path) -> None:
    stats, (_, crawling, closing) = crawl(
        board, sqlite_url, tmp_path,
        "-s", "EXTENSIONS=" + json.dumps(
            {**project.EXTENSIONS, "tests.utils.blocking.HoldTheReactor": 950}))
    assert stats["crawl"] >= 0.5 and crawling >= 0.5  # held 0.6 s on the first response
    assert closing >= 0.5  # and 0.6 s in spider_closed


def test_closing_steps_run_in_order_off_the_reactor(
        board: DemoBoard, sqlite_url: str, tmp_path: Path) -> None:
    # A step between the expiry and the monitors that blocks for STEP seconds in its
    # thread: the reactor keeps ticking, and the run record (a later step) waits for it.
    _, (_, _, closing) = crawl(
        board, sqlite_url, tmp_path,
        "-s", "EXTENSIONS=" + json.dumps(
            {**project.EXTENSIONS, "tests.utils.blocking.SlowClosingStep": 760}))
    assert closing < STEP / 2
    [stored] = stored_runs(sqlite_url)
    assert stored["stats"]["tests/slow_step/done"] == 1
    assert stored["status"] == "ok"
