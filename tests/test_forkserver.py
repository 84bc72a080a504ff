"""The suite's fork server runs a `scrapy` command as a fresh `python -m scrapy` would."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.utils import forkserver
from tests.utils.paths import ROOT


def _both(*args: str, env: dict[str, str] | None = None) -> tuple[
        subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    full_env = {**os.environ, **(env or {})}
    fresh = subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=ROOT, env=full_env,
                           capture_output=True, text=True, timeout=120)
    forked = forkserver.run(["scrapy", *args], cwd=ROOT, env=full_env, timeout=120)
    return fresh, forked


@pytest.mark.parametrize("args", [["list"], ["runs", "--help"], ["nosuchcommand"],
                                  ["crawl", "nosuchspider"]])
def test_a_forked_command_gives_the_exit_code_and_stdout_of_a_fresh_one(args: list[str]) -> None:
    fresh, forked = _both(*args)
    assert (forked.returncode, forked.stdout) == (fresh.returncode, fresh.stdout)
    assert forked.args == fresh.args


def test_the_command_reads_its_own_environment_and_folder(tmp_path) -> None:
    db = tmp_path / "chosen.db"
    fresh, forked = _both("settings", "--get", "JOBCRAWL_DATABASE_URL",
                          env={"JOBCRAWL_DATABASE_URL": f"sqlite:///{db}"})
    assert forked.stdout == fresh.stdout == f"sqlite:///{db}\n"
    # Outside the project folder Scrapy finds no scrapy.cfg, so no project commands
    # (unless SCRAPY_SETTINGS_MODULE names one: an in-process test may have set it).
    env = {key: value for key, value in os.environ.items() if key != "SCRAPY_SETTINGS_MODULE"}
    outside = forkserver.run(["scrapy", "runs"], cwd=tmp_path, env=env, timeout=120)
    assert outside.returncode != 0 and "Unknown command" in outside.stdout


def test_the_server_never_preloads_the_settings_or_the_reactor() -> None:
    code = ("import sys; from tests.utils.forkserver import _preload; _preload(); "
            "print(sorted(m for m in sys.modules if m in ('jobcrawl.settings', "
            "'twisted.internet.reactor')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.stdout == "[]\n", result.stderr


def test_a_command_past_its_timeout_is_killed() -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        forkserver.run(["scrapy", "demoboard", "--port", "0"], cwd=ROOT,
                       env=dict(os.environ), timeout=3)
