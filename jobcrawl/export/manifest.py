"""manifest.json: what an export holds and how it was made; `--verify` checks files against it."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any

import jobcrawl
from jobcrawl.export.atomic import atomic_output
from jobcrawl.security.secrets import mask_command

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

MANIFEST_VERSION = 1
_READ_BLOCK = 1 << 20


@dataclass(frozen=True)
class FileEntry:
    """One exported file: its path relative to the manifest's folder ("/"-separated)."""

    path: str
    size: int
    sha256: str

    def as_json(self) -> str:
        return json.dumps({"path": self.path, "size": self.size, "sha256": self.sha256},
                          ensure_ascii=False)


def hash_file(path: Path, name: str) -> FileEntry:
    """Size and SHA-256 of the file at `path`, recorded under `name`, read back from disk."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while block := stream.read(_READ_BLOCK):
            digest.update(block)
            size += len(block)
    return FileEntry(name, size, digest.hexdigest())


def hash_bytes(data: bytes, name: str) -> FileEntry:
    return FileEntry(name, len(data), hashlib.sha256(data).hexdigest())


def redacted_command(argv: Sequence[str]) -> list[str]:
    """The command line as the manifest records it: passwords in URLs and the values of
    secret settings (-s JOBCRAWL_REED_API_KEY=...) masked (jobcrawl.security.secrets)."""
    return mask_command(argv)


def jobcrawl_version() -> str:
    """The git revision of the jobcrawl checkout ("+dirty" with local changes), else its version.

    Only a git repository whose top level holds this very package counts: an
    installed copy inside some other repository reports its package version.
    """
    root = Path(jobcrawl.__file__).resolve().parent.parent
    try:
        top = _git(root, "rev-parse", "--show-toplevel")
        if Path(top).resolve() != root:
            return jobcrawl.__version__
        revision = _git(root, "rev-parse", "HEAD")
        dirty = _git(root, "status", "--porcelain")
    except (OSError, subprocess.SubprocessError):
        return jobcrawl.__version__
    return revision + ("+dirty" if dirty else "")


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=30, check=True)
    return done.stdout.strip()


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def write_manifest(path: Path, header: dict[str, Any], entries: Iterable[FileEntry]) -> None:
    """Write header + "files" atomically; entries stream from a spool, one per line.

    A corpus of a million ads has a million entries: they are never all in memory.
    """
    with atomic_output(path) as out:
        text = json.dumps(header, indent=2, ensure_ascii=False)
        out.write(text[: text.rindex("\n}")].encode())  # reopen the object to add "files"
        out.write(b',\n  "files": [')
        separator = b"\n    "
        for entry in entries:
            out.write(separator + entry.as_json().encode())
            separator = b",\n    "
        out.write(b"\n  ]\n}\n")


class FileSpool:
    """FileEntries parked in a temporary file while an export runs, read back once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self.size = 0
        self._out: IO[str] = path.open("w", encoding="utf-8")

    def add(self, entry: FileEntry) -> None:
        self._out.write(entry.as_json() + "\n")
        self.count += 1
        self.size += entry.size

    def entries(self) -> Iterable[FileEntry]:
        self._out.close()
        with self.path.open(encoding="utf-8") as lines:
            for line in lines:
                values = json.loads(line)
                yield FileEntry(values["path"], values["size"], values["sha256"])

    def discard(self) -> None:
        self._out.close()
        self.path.unlink(missing_ok=True)


@dataclass
class Verification:
    """The outcome of `scrapy export --verify`: files checked and what did not match."""

    manifest: Path
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(manifest: Path) -> Verification:
    """Re-check every file of a manifest (size, then SHA-256), and look for extra files.

    Raises ValueError when the manifest itself cannot be read.
    """
    try:
        data = json.loads(manifest.read_text("utf-8"))
        output, files = data["output"], data["files"]
        if not isinstance(output, str) or not isinstance(files, list):
            raise TypeError("output must be a name and files a list")
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{manifest} is not a jobcrawl export manifest ({exc})") from exc
    base = manifest.parent
    result = Verification(manifest)
    listed = set()
    for raw in files:
        try:
            entry = FileEntry(raw["path"], int(raw["size"]), raw["sha256"])
        except (KeyError, TypeError, ValueError):
            result.problems.append(f"unreadable entry in the manifest: {raw!r}")
            continue
        listed.add(entry.path)
        problem = _check(base, entry)
        result.checked += 1
        if problem:
            result.problems.append(problem)
    folder = base / output
    if _safe(output) and folder.is_dir():
        for found in _files_under(folder, base):
            if found not in listed:
                result.problems.append(f"not in the manifest: {found}")
    return result


def _safe(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return bool(parts) and not PurePosixPath(name).is_absolute() and ".." not in parts


def _check(base: Path, entry: FileEntry) -> str | None:
    if not _safe(entry.path):
        return f"unsafe path in the manifest: {entry.path}"
    path = base / entry.path
    if not path.is_file():
        return f"missing: {entry.path}"
    size = path.stat().st_size
    if size != entry.size:
        return f"size differs: {entry.path} has {size} bytes, the manifest says {entry.size}"
    if hash_file(path, entry.path).sha256 != entry.sha256:
        return f"SHA-256 differs: {entry.path}"
    return None


def _files_under(folder: Path, base: Path) -> Iterable[str]:
    for parent, _dirs, files in os.walk(folder):
        for name in files:
            yield (Path(parent) / name).relative_to(base).as_posix()
