"""Processes and process groups as /proc shows them (for the runner and crawlall tests)."""

from __future__ import annotations

import time
from pathlib import Path


def _stat(path: Path) -> tuple[str, int] | None:
    """(state, process group) from /proc/<pid>/stat; None once the process is gone."""
    try:
        fields = path.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[2])


def running(pid: int) -> bool:
    """Still running: a killed process waiting for its reaper (state Z) is not."""
    stat = _stat(Path(f"/proc/{pid}/stat"))
    return stat is not None and stat[0] != "Z"


def live_members(pgid: int) -> list[int]:
    """Processes of group `pgid` that still run."""
    return [int(path.parent.name) for path in Path("/proc").glob("[0-9]*/stat")
            if (stat := _stat(path)) is not None and stat[1] == pgid and stat[0] != "Z"]


def group_gone(pgid: int) -> bool:
    """True once no process of the group runs; SIGKILL takes effect asynchronously."""
    for _ in range(100):
        if not live_members(pgid):
            return True
        time.sleep(0.05)
    return False
