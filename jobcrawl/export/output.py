"""Export outputs: built under a temporary name, renamed into place only when complete."""

from __future__ import annotations

import hashlib
import json
import os
import queue
import shutil
import signal
import threading
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING

from jobcrawl.export.database import ExportError
from jobcrawl.export.manifest import FileEntry

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

MANIFEST_SUFFIX = ".manifest.json"
_HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def manifest_path(output: Path) -> Path:
    """Where the manifest of `output` lives: beside it, `<output name>.manifest.json`.

    Beside rather than inside, so that a corpus folder holds nothing but the
    corpus, and two exports into one folder keep a manifest each.
    """
    return output.with_name(output.name + MANIFEST_SUFFIX)


def check_target(output: Path, *, folder: bool) -> None:
    """Raise ExportError unless `output` may be (re)placed by an export of this kind.

    A folder export replaces an existing folder only when that folder is empty
    or is an earlier corpus export (its manifest says so): a mistyped -o must
    never swallow someone's folder.
    """
    if not folder:
        if output.is_dir():
            raise ExportError(f"{output} is a folder; -o names the file to write")
        return
    if output.exists() and not output.is_dir():
        raise ExportError(f"{output} is a file; the corpus format writes a folder")
    if output.is_dir() and any(output.iterdir()) and not _earlier_corpus_export(output):
        raise ExportError(
            f"{output} is a folder that is not an earlier corpus export (no "
            f"{manifest_path(output).name} beside it); choose a new or empty folder"
        )


def _earlier_corpus_export(output: Path) -> bool:
    try:
        manifest = json.loads(manifest_path(output).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("format") == "corpus"


@contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block has run (renames that belong together).

    A signal that arrives meanwhile is delivered as the block ends.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def put_in_place(partial: Path, output: Path) -> None:
    """Rename the complete `partial` onto `output`, replacing an earlier export.

    A file is replaced atomically. A folder cannot be: the old one is renamed
    aside first and deleted once the new one is in place.
    """
    if partial.is_dir() and output.exists():
        old = output.with_name(f".{output.name}.old-{os.getpid()}")
        os.replace(output, old)
        os.replace(partial, output)
        shutil.rmtree(old)
    else:
        os.replace(partial, output)


def remove(path: Path) -> None:
    """Delete a temporary file or folder if it is there."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


class HashingWriter:
    """A binary file that SHA-256-hashes what goes through it, so nothing is read back.

    Hashing and the write system calls run on a background thread: both release
    the GIL, so they overlap with rendering the next chunk instead of adding to
    it. At most QUEUED_WRITES pieces wait (a few MB). write() takes bytes-like
    data and owns it from then on (bytes are kept; other buffers are copied).
    finish() waits for every piece, fsyncs the file and raises the thread's
    error, if any; abort() drops what is queued. One of them must be called.
    Every SYNC_BYTES the thread also syncs what it has written, so the kernel
    writes the file out during the export and the final fsync is short.
    """

    QUEUED_WRITES = 8
    SYNC_BYTES = 64 << 20

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._digest = hashlib.sha256()
        self.size = 0
        self._queue: queue.Queue[bytes | None] = queue.Queue(self.QUEUED_WRITES)
        self._error: BaseException | None = None
        self._aborted = False
        self._thread = threading.Thread(target=self._run, name="export-writer", daemon=True)
        self._thread.start()

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._error is not None:
            raise self._error
        piece = data if type(data) is bytes else bytes(data)
        self._queue.put(piece)
        self.size += len(piece)
        return len(piece)

    def _run(self) -> None:
        unsynced = 0
        while (piece := self._queue.get()) is not None:
            if self._error is not None or self._aborted:
                continue  # keep taking pieces, so a blocked write() always returns
            try:
                self._digest.update(piece)
                self._raw.write(piece)
                unsynced += len(piece)
                if unsynced >= self.SYNC_BYTES:
                    self._raw.flush()
                    os.fdatasync(self._raw.fileno())
                    unsynced = 0
            except BaseException as exc:  # handed to the main thread by write()/finish()
                self._error = exc

    def _stop(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def finish(self) -> None:
        """Wait until everything is written, then flush and fsync the file."""
        self._stop()
        if self._error is not None:
            raise self._error
        self._raw.flush()
        os.fsync(self._raw.fileno())

    def abort(self) -> None:
        """Stop the thread without writing what is still queued (also after finish())."""
        self._aborted = True
        self._stop()

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        """Nothing to do: finish() flushes once the thread has written everything."""

    @property
    def closed(self) -> bool:
        return self._raw.closed

    def entry(self, name: str) -> FileEntry:
        return FileEntry(name, self.size, self._digest.hexdigest())
