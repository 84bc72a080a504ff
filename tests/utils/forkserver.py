"""A fork server for the suite's `scrapy` commands: libraries imported once, each command forked.

Each test worker's `run_scrapy` calls would otherwise spend about a second of CPU each
importing Scrapy, Twisted, SQLAlchemy, pydantic and the project before doing anything;
the suite runs about 400 of them on two cores. The server (one per test worker, started
on first use) imports those modules once and forks one process per command, which then
runs exactly what `python -m scrapy ARGS` runs: `runpy` on Scrapy's `__main__`, in the
command's folder and environment, with its own stdin (/dev/null), stdout and stderr, and
Python's exit code. `jobcrawl.settings` (the one module that reads the environment) and
the reactor are never imported before the fork. Commands that the suite starts with
`subprocess` directly (the crawlall runner's crawls, signal tests, the demo) still exec
a fresh interpreter, so the real entry point stays tested too.

Measured gain: see `run_scrapy` in tests/utils/scrapy.py and docs/architecture.md ("The
tests"). `JOBCRAWL_TEST_FORKSERVER=0` runs every command in a fresh interpreter instead.
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import traceback
from pathlib import Path

from tests.utils.paths import ROOT

# What every command imports before it reads its arguments, measured with `python -X
# importtime -m scrapy crawl ...`; the project's modules except its settings included.
PRELOAD = (
    "scrapy.cmdline", "scrapy.crawler", "scrapy.core.engine", "scrapy.core.scraper",
    "scrapy.core.downloader.handlers.http11", "scrapy.http", "scrapy.spiders",
    "scrapy.utils.test", "scrapy.extensions.telnet", "scrapy.pipelines.files",
    "twisted.internet.asyncioreactor", "twisted.web.client",
    "sqlalchemy", "sqlalchemy.orm", "sqlalchemy.dialects.postgresql",
    "sqlalchemy.dialects.sqlite", "psycopg", "alembic.command", "alembic.config",
    "alembic.runtime.migration", "alembic.script", "pydantic", "lxml.html", "parsel",
    "itemadapter", "tldextract", "aiohttp", "extruct", "html_text", "price_parser",
    "dateutil.parser", "yaml", "orjson", "pyarrow", "pyarrow.parquet",
    "scrapy_playwright.handler",
    "jobcrawl.pipelines", "jobcrawl.runs",
    "jobcrawl.db", "jobcrawl.export", "jobcrawl.report", "jobcrawl.health",
    "jobcrawl.recrawl", "jobcrawl.importers", "jobcrawl.schedule",
)

# Modules that must be imported by each command itself, never inherited from the server.
NEVER_PRELOADED = ("jobcrawl.settings", "twisted.internet.reactor")


def enabled() -> bool:
    return os.environ.get("JOBCRAWL_TEST_FORKSERVER", "1") != "0"


def _preload() -> None:
    from scrapy.utils.misc import walk_modules

    for name in PRELOAD:
        importlib.import_module(name)
    for package in ("jobcrawl.spiders", "jobcrawl.commands"):  # what every command walks
        walk_modules(package)
    for name in NEVER_PRELOADED:
        if name in sys.modules:
            raise RuntimeError(f"preloading imported {name}: the fork server would leak it")


def _exit_code(exc: SystemExit) -> int:
    """Python's own rule for `sys.exit(value)`."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def _run_command(conn: socket.socket) -> None:
    """In the forked child: run one `python -m scrapy` command, report its exit code, exit."""
    # The server ignores SIGCHLD; a command waits for its own children (Chromium, crawls).
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    request = json.loads(conn.makefile("rb").readline())
    conn.sendall(f"{os.getpid()}\n".encode())
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for fd, path, mode in ((0, os.devnull, os.O_RDONLY), (1, request["stdout"], os.O_WRONLY),
                           (2, request["stderr"], os.O_WRONLY)):
        target = os.open(path, mode)
        os.dup2(target, fd)
        os.close(target)
    module, *args = request["args"]
    sys.argv = ["-m", *args]  # runpy puts the module's file first, as `python -m` does
    sys.path[0] = request["cwd"]  # as `python -m` sets it
    code = 0
    try:
        import runpy
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = _exit_code(exc)
    except BaseException:  # what the interpreter does with an uncaught exception
        traceback.print_exc()
        code = 1
    # The interpreter's own shutdown: non-daemon threads, atexit handlers, buffers.
    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    conn.sendall(f"{code}\n".encode())
    os._exit(code)


def serve(path: str) -> None:
    """The server: preload, then fork a child per connection until stdin closes."""
    _preload()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        readable, _, _ = select.select([listener, sys.stdin.fileno()], [], [])
        if sys.stdin.fileno() in readable and not os.read(sys.stdin.fileno(), 1):
            os._exit(0)  # the test worker is gone
        if listener in readable:
            conn, _ = listener.accept()
            if os.fork() == 0:
                listener.close()
                _run_command(conn)
            conn.close()


class ForkServer:
    """The test worker's side: start the server once, then run commands through it."""

    def __init__(self) -> None:
        self._folder = tempfile.mkdtemp(prefix="jobcrawl-forkserver-")
        self._path = os.path.join(self._folder, "socket")
        self._process = subprocess.Popen(
            [sys.executable, "-c", "import sys; from tests.utils.forkserver import serve; "
             "serve(sys.argv[1])", self._path],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )
        atexit.register(self.close)
        assert self._process.stdout is not None
        if self._process.stdout.readline() != b"ready\n":
            raise RuntimeError("the fork server did not start: its traceback is above")

    def close(self) -> None:
        """Stop the server (it exits when its stdin closes) and remove its folder."""
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=30)
        shutil.rmtree(self._folder, ignore_errors=True)

    def run(self, args: list[str], cwd: Path, env: dict[str, str],
            timeout: float) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", *args]
        out = Path(self._folder) / f"{os.getpid()}-{threading.get_ident()}.out"
        err = out.with_suffix(".err")
        out.write_bytes(b"")
        err.write_bytes(b"")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(self._path)
            request = {"args": args, "cwd": str(cwd), "env": env,
                       "stdout": str(out), "stderr": str(err)}
            conn.sendall(json.dumps(request).encode() + b"\n")
            conn.settimeout(timeout)
            replies = conn.makefile("rb")
            pid = int(replies.readline())
            try:
                line = replies.readline()
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)
                raise subprocess.TimeoutExpired(argv, timeout, out.read_text(),
                                                err.read_text()) from None
        # No exit code: the child died of a signal (Python reports it as -signal;
        # the server cannot tell which, so -9 as for the usual SIGKILL).
        code = int(line) if line else -signal.SIGKILL
        stdout, stderr = out.read_text(), err.read_text()
        out.unlink()
        err.unlink()
        return subprocess.CompletedProcess(argv, code, stdout, stderr)


_server: ForkServer | None = None
_lock = threading.Lock()


def run(args: list[str], cwd: Path, env: dict[str, str],
        timeout: float) -> subprocess.CompletedProcess[str]:
    """Run `python -m ARGS` through this worker's fork server (started on first use)."""
    global _server
    with _lock:
        if _server is None:
            _server = ForkServer()
    return _server.run(args, cwd, env, timeout)
