"""Run many crawls as isolated subprocesses: a run lock, process groups and timeouts.

Nothing here knows about Scrapy: a Job is any command line with a timeout and a log
file, so the isolation rules are tested with tiny Python processes and reused by
`scrapy crawlall` for `python -m scrapy crawl ...`.

- Each job runs in its own session, hence its own process group: a timeout or an
  interrupt signals the whole group (a crawl's browser processes included), and a
  terminal's Ctrl-C reaches only the runner, which then stops the jobs itself.
- A job past its timeout gets SIGTERM (Scrapy then closes the spider and writes its
  stats), and SIGKILL once the grace period is over too.
- Whatever a job leaves behind in its group when it exits is killed, so no source
  outlives its own run.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import signal
import subprocess
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

OK, FAILED, TIMEOUT, INTERRUPTED, NOT_STARTED = (
    "ok", "failed", "timeout", "interrupted", "not started")


class LockFileError(Exception):
    """The lock file cannot be created or opened (a read-only folder): use another lock dir."""


class AlreadyRunning(Exception):
    """Another process holds the run lock of this SOURCES file."""

    def __init__(self, path: Path, holder: str) -> None:
        self.path = path
        self.holder = holder
        by = f" by pid {holder}" if holder.isdigit() else ""
        super().__init__(f"another crawlall run of this file is in progress (lock {path} "
                         f"held{by}); not starting")


def lock_path(sources: Path, lock_dir: Path | None = None) -> Path:
    """The lock file of a SOURCES file: beside it, or in `lock_dir` named by its full path."""
    resolved = sources.resolve()
    if lock_dir is None:
        return resolved.with_name(f"{resolved.name}.lock")
    # Two files with the same name in different folders are different schedules.
    digest = hashlib.sha256(str(resolved).encode("utf-8")).hexdigest()[:12]
    return lock_dir / f"{resolved.name}-{digest}.lock"


@contextmanager
def run_lock(path: Path) -> Iterator[Path]:
    """Hold an exclusive flock on `path` for the block; AlreadyRunning if it is taken.

    The kernel drops a flock when its holder dies, so a lock file left behind by a
    killed run never blocks the next one. The file is never deleted: a process that
    opened it just before the deletion would lock a file nobody else sees.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # "a+": opening must not truncate the holder's pid before we own the lock.
        handle = path.open("a+", encoding="utf-8")
    except OSError as exc:
        raise LockFileError(f"cannot open the lock file {path}: {exc.strerror or exc}") from exc
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip()
        handle.close()
        raise AlreadyRunning(path, holder) from None
    try:
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield path
    finally:
        handle.close()


@dataclass(frozen=True)
class Job:
    """One command to run: its output goes to `log_path`, it may run `timeout` seconds."""

    name: str
    argv: tuple[str, ...]
    timeout: float
    log_path: Path


@dataclass(frozen=True)
class Outcome:
    """How a job ended. A negative exit code is the signal that ended it (-9: SIGKILL)."""

    name: str
    status: str
    exit_code: int | None = None
    pid: int | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    seconds: float | None = None


@dataclass
class _Running:
    job: Job
    process: subprocess.Popen[bytes]
    log: IO[bytes]
    started: float
    started_at: datetime
    terminated_at: float | None = None
    timed_out: bool = False
    killed: bool = False
    interrupted: bool = False


class Runner:
    """Runs jobs in order, at most `parallel` at once, each isolated by its timeout.

    `announce` receives one line per event (started, finished, timed out), for
    progress output. KeyboardInterrupt (Ctrl-C, or SIGTERM turned into it by the
    caller) stops the running jobs as a timeout would; jobs not yet started are
    reported ``not started``.
    """

    def __init__(self, jobs: Sequence[Job], parallel: int = 1, grace: float = 30.0,
                 poll_interval: float = 0.1,
                 announce: Callable[[str], None] | None = None) -> None:
        if parallel < 1:
            raise ValueError(f"parallel must be 1 or more, got {parallel}")
        self.jobs = list(jobs)
        self.parallel = parallel
        self.grace = grace
        self.poll_interval = poll_interval
        self.announce = announce or (lambda line: None)
        self._running: list[_Running] = []
        self._outcomes: dict[str, Outcome] = {}

    def run(self) -> list[Outcome]:
        """Run every job; the outcomes come back in the jobs' order."""
        pending = deque(self.jobs)
        try:
            while pending or self._running:
                while pending and len(self._running) < self.parallel:
                    self._start(pending.popleft())
                self._check(time.monotonic())
                if self._running:
                    time.sleep(self.poll_interval)
        except KeyboardInterrupt:
            self.announce("interrupted: stopping the running sources")
            self._stop_all()
            for job in pending:
                self._outcomes[job.name] = Outcome(job.name, NOT_STARTED)
        return [self._outcomes[job.name] for job in self.jobs]

    def _start(self, job: Job) -> None:
        job.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = job.log_path.open("wb")
        started_at = datetime.now(UTC)
        try:
            # close_fds (the default) keeps the run lock's descriptor out of the job:
            # a straggler must not hold the lock after the runner is gone.
            process = subprocess.Popen(job.argv, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as exc:
            log.write(f"cannot start {job.argv[0]}: {exc}\n".encode())
            log.close()
            self._outcomes[job.name] = Outcome(job.name, FAILED, started_at=started_at,
                                               finished_at=datetime.now(UTC), seconds=0.0)
            self.announce(f"{job.name}: failed to start: {exc}")
            return
        self._running.append(_Running(job, process, log, time.monotonic(), started_at))
        self.announce(f"{job.name}: started (pid {process.pid}), log {job.log_path}")

    def _check(self, now: float) -> None:
        for run in list(self._running):
            if _has_exited(run.process.pid):
                self._finish(run)
            elif run.terminated_at is None and now >= run.started + run.job.timeout:
                run.timed_out = True
                self.announce(f"{run.job.name}: timed out after {run.job.timeout:g} s; "
                              "sending SIGTERM")
                self._terminate(run, now)
            elif (run.terminated_at is not None and not run.killed
                  and now >= run.terminated_at + self.grace):
                self.announce(f"{run.job.name}: still running {self.grace:g} s after "
                              "SIGTERM; sending SIGKILL")
                _signal_group(run.process.pid, signal.SIGKILL)
                run.killed = True

    def _terminate(self, run: _Running, now: float) -> None:
        _signal_group(run.process.pid, signal.SIGTERM)
        run.terminated_at = now

    def _finish(self, run: _Running) -> None:
        # The exited leader is not reaped yet, so its pid (the group id) cannot have
        # been reused: killing the group only hits what the job left behind.
        _signal_group(run.process.pid, signal.SIGKILL)
        code = run.process.wait()
        run.log.close()
        self._running.remove(run)
        status = (INTERRUPTED if run.interrupted else TIMEOUT if run.timed_out
                  else OK if code == 0 else FAILED)
        seconds = round(time.monotonic() - run.started, 3)
        self._outcomes[run.job.name] = Outcome(
            run.job.name, status, code, run.process.pid, run.started_at,
            datetime.now(UTC), seconds)
        self.announce(f"{run.job.name}: {status} (exit code {code}) after {seconds:.1f} s")

    def _stop_all(self) -> None:
        """SIGTERM every running job, SIGKILL after the grace period, collect them."""
        now = time.monotonic()
        for run in self._running:
            run.interrupted = True
            if run.terminated_at is None:
                self._terminate(run, now)
        while self._running:
            try:
                self._check(time.monotonic())
                time.sleep(self.poll_interval)
            except KeyboardInterrupt:
                # A second Ctrl-C: do not wait for the grace period.
                for run in self._running:
                    _signal_group(run.process.pid, signal.SIGKILL)
                    run.killed = True


def _has_exited(pid: int) -> bool:
    """True once `pid` has exited, without reaping it (WNOWAIT)."""
    flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
    return os.waitid(os.P_PID, pid, flags) is not None


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass  # the whole group has already gone
    except PermissionError:
        pass  # macOS refuses signals to a group whose only member is a zombie leader
