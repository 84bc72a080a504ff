"""The run lock and the isolated runner (schedule/runner.py), with tiny Python processes."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jobcrawl.schedule.runner import (
    FAILED,
    OK,
    TIMEOUT,
    AlreadyRunning,
    Job,
    Outcome,
    Runner,
    lock_path,
    run_lock,
)
from tests.utils.processes import group_gone, running


def python(code: str) -> tuple[str, ...]:
    return (sys.executable, "-c", textwrap.dedent(code))


def job(tmp_path: Path, name: str, code: str, timeout: float = 60) -> Job:
    return Job(name, python(code), timeout, tmp_path / f"{name}.log")


def finished_in_order(outcomes: list[Outcome]) -> list[str]:
    return [o.name for o in sorted(outcomes, key=lambda o: o.finished_at or 0)]


# A job that ignores SIGTERM (as a crawl waiting on a hung download does), and leaves
# a grandchild in its process group that writes its pid where the test can find it.
STUBBORN = """
    import signal, subprocess, sys, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    open({pidfile!r}, "w").write(str(child.pid))
    print("started", flush=True)
    time.sleep(600)
"""


def test_exit_codes_become_statuses_and_output_goes_to_the_log(tmp_path: Path) -> None:
    jobs = [
        job(tmp_path, "good", "print('hello from good')"),
        job(tmp_path, "bad", "import sys; print('oops', file=sys.stderr); sys.exit(3)"),
    ]
    outcomes = Runner(jobs, parallel=1).run()
    assert [(o.name, o.status, o.exit_code) for o in outcomes] == [
        ("good", OK, 0), ("bad", FAILED, 3)]
    assert (tmp_path / "good.log").read_text() == "hello from good\n"
    assert (tmp_path / "bad.log").read_text() == "oops\n"
    for outcome in outcomes:
        assert outcome.pid is not None
        assert outcome.started_at and outcome.finished_at
        assert outcome.started_at <= outcome.finished_at
        assert outcome.seconds is not None and outcome.seconds >= 0


def test_a_job_that_cannot_start_fails_alone(tmp_path: Path) -> None:
    jobs = [Job("missing", (str(tmp_path / "no-such-program"),), 10, tmp_path / "m.log"),
            job(tmp_path, "good", "pass")]
    outcomes = Runner(jobs).run()
    assert [(o.name, o.status, o.exit_code) for o in outcomes] == [
        ("missing", FAILED, None), ("good", OK, 0)]
    assert "cannot start" in (tmp_path / "m.log").read_text()


def test_timeout_kills_the_whole_process_group_after_the_grace_period(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    stubborn = job(tmp_path, "stubborn", STUBBORN.format(pidfile=str(pidfile)), timeout=1.5)
    lines: list[str] = []
    [outcome] = Runner([stubborn], grace=0.5, announce=lines.append).run()

    assert (outcome.status, outcome.exit_code) == (TIMEOUT, -signal.SIGKILL)
    assert outcome.pid is not None
    assert group_gone(outcome.pid)
    assert not running(int(pidfile.read_text()))
    assert lines[1:] == [
        "stubborn: timed out after 1.5 s; sending SIGTERM",
        "stubborn: still running 0.5 s after SIGTERM; sending SIGKILL",
        f"stubborn: timeout (exit code -9) after {outcome.seconds:.1f} s",
    ]


def test_a_job_that_stops_on_sigterm_is_not_killed(tmp_path: Path) -> None:
    sleeper = job(tmp_path, "sleeper", "import time; time.sleep(600)", timeout=0.5)
    [outcome] = Runner([sleeper], grace=60).run()
    assert (outcome.status, outcome.exit_code) == (TIMEOUT, -signal.SIGTERM)
    assert outcome.seconds is not None and outcome.seconds < 60


def test_what_a_finished_job_leaves_in_its_group_is_killed(tmp_path: Path) -> None:
    pidfile = tmp_path / "leftover.pid"
    leaver = job(tmp_path, "leaver", f"""
        import subprocess, sys
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        open({str(pidfile)!r}, "w").write(str(child.pid))
    """)
    [outcome] = Runner([leaver]).run()
    assert (outcome.status, outcome.exit_code) == (OK, 0)
    assert outcome.pid is not None
    assert group_gone(outcome.pid)
    assert not running(int(pidfile.read_text()))


def test_a_hanging_job_does_not_delay_the_others_when_parallel(tmp_path: Path) -> None:
    jobs = [
        job(tmp_path, "hanging", "import time; time.sleep(600)", timeout=3),
        job(tmp_path, "quick1", "import time; time.sleep(0.2)"),
        job(tmp_path, "quick2", "pass"),
    ]
    outcomes = Runner(jobs, parallel=2, grace=1).run()
    by_name = {o.name: o for o in outcomes}
    assert [o.status for o in outcomes] == [TIMEOUT, OK, OK]
    assert finished_in_order(outcomes) == ["quick1", "quick2", "hanging"]
    # quick2 waited for a free slot (quick1's), not for the hanging job.
    assert by_name["quick2"].started_at >= by_name["quick1"].finished_at  # type: ignore[operator]
    assert by_name["quick2"].finished_at < by_name["hanging"].finished_at  # type: ignore[operator]


def test_one_at_a_time_runs_in_file_order(tmp_path: Path) -> None:
    jobs = [job(tmp_path, name, "import time; time.sleep(0.1)") for name in ("a", "b", "c")]
    outcomes = Runner(jobs, parallel=1).run()
    assert [o.status for o in outcomes] == [OK, OK, OK]
    for before, after in itertools.pairwise(outcomes):
        assert after.started_at >= before.finished_at  # type: ignore[operator]


def test_parallel_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="parallel"):
        Runner([], parallel=0)


def test_lock_path_is_beside_the_file_or_in_the_lock_dir(tmp_path: Path) -> None:
    sources = tmp_path / "sources.yaml"
    assert lock_path(sources) == tmp_path / "sources.yaml.lock"
    in_dir = lock_path(sources, tmp_path / "locks")
    assert in_dir.parent == tmp_path / "locks"
    assert in_dir.name.startswith("sources.yaml-") and in_dir.suffix == ".lock"
    # Same name, other folder: another schedule, another lock.
    assert lock_path(tmp_path / "x" / "sources.yaml", tmp_path / "locks") != in_dir


def test_a_second_lock_fails_at_once_naming_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml.lock"
    with run_lock(path):
        assert path.read_text() == f"{os.getpid()}\n"
        with pytest.raises(AlreadyRunning) as raised, run_lock(path):
            pass
    assert str(raised.value) == (
        f"another crawlall run of this file is in progress (lock {path} held by pid "
        f"{os.getpid()}); not starting")
    with run_lock(path):  # released at the end of the block; the file stays
        pass
    assert path.exists()


def test_the_lock_of_a_killed_run_does_not_block(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml.lock"
    holder = subprocess.Popen(python(f"""
        from pathlib import Path
        from jobcrawl.schedule.runner import run_lock
        with run_lock(Path({str(path)!r})):
            print("locked", flush=True)
            import time; time.sleep(600)
    """), stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    assert holder.stdout.readline() == "locked\n"
    with pytest.raises(AlreadyRunning), run_lock(path):
        pass
    holder.kill()
    holder.wait()
    holder.stdout.close()
    with run_lock(path):
        assert path.read_text() == f"{os.getpid()}\n"
