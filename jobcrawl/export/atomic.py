"""Files written under a hidden temporary name and renamed into place only when complete."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def partial_path(output: Path) -> Path:
    """The hidden temporary name `output` is written under (one per process)."""
    return output.with_name(f".{output.name}.partial-{os.getpid()}")


@contextmanager
def atomic_output(path: Path) -> Iterator[IO[bytes]]:
    """Open a temporary file beside `path` for writing; rename it onto `path` on success.

    Readers never see a half-written export: on any error (KeyboardInterrupt
    included) the temporary file is removed and `path` is left as it was.
    The parent folder is created if needed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(path)
    try:
        with partial.open("wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
