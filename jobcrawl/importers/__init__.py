"""Readers of existing corpora (text-corpus folders, Adzuna-style CSV) for `scrapy import`.

A reader yields, in file order, an `Ad` for every record it could read and a
`Problem` for every one it could not. Readers are pure (files in, JobItems
out): they never touch the database and never re-normalise text, so what a
corpus says is stored byte for byte. jobcrawl.importers.writer stores the ads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from jobcrawl.db.models import Job

if TYPE_CHECKING:
    from jobcrawl.items import JobItem

# Text columns with a length limit: PostgreSQL enforces it (and would reject the whole
# batch), SQLite does not, so the limit is checked per ad, before writing.
_LIMITS = {
    column.name: column.type.length
    for column in Job.__table__.columns
    if getattr(column.type, "length", None)
}


@dataclass(frozen=True)
class Ad:
    """A record read from `path`, starting at `line` (1-based)."""

    item: JobItem
    path: str
    line: int


@dataclass(frozen=True)
class Problem:
    """A record or file that was skipped: `reason` is a stable key, `detail` says what is wrong.

    Reasons: malformed (not a corpus record), undecodable (not UTF-8), unreadable
    (the file could not be opened), not_adzuna_csv (header lacks Id/Title),
    wrong_field_count, csv_error, missing_id, missing_title, nul_character,
    field_too_long.
    """

    path: str
    line: int | None
    reason: str
    detail: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.reason}: {self.detail}"


def storage_problem(ad: Ad) -> Problem | None:
    """Why `ad` cannot be stored as it is (NUL, non-UTF-8 text, a value too long), or None."""
    item = ad.item
    texts = {name: value for name, value in vars(item).items() if isinstance(value, str)}
    # One pass over all the text at C speed; the field is named only when something is wrong.
    joined = "\n".join(texts.values())
    if "\x00" in joined or _has_surrogates(joined):
        for name, value in texts.items():
            if "\x00" in value:
                # PostgreSQL text cannot hold NUL; dropping it would change the text.
                return Problem(ad.path, ad.line, "nul_character",
                               f"{name} contains a NUL character")
            if _has_surrogates(value):
                return Problem(ad.path, ad.line, "undecodable", f"{name} is not valid UTF-8")
    for name, limit in _LIMITS.items():
        value = texts.get(name)
        if value is not None and len(value) > limit:
            return Problem(
                ad.path, ad.line, "field_too_long",
                f"{name} has {len(value)} characters, the database keeps at most {limit}",
            )
    return None


def _has_surrogates(value: str) -> bool:
    # Undecodable bytes read with errors="surrogateescape" (file names, CSV cells)
    # come back as lone surrogates, which cannot be encoded as UTF-8.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
