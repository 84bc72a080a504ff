"""Readers of existing corpora (text-corpus folders, Adzuna-style CSV) for `scrapy import`.

A reader yields, in file order, an `Ad` for every record it could read and a
`Problem` for every one it could not. Readers are pure (files in, JobItems
out): they never touch the database and never re-normalise text, so what a
corpus says is stored byte for byte, but for the NULs and other control
characters that check_ad removes (a database cannot store a NUL).
jobcrawl.importers.writer stores the ads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from jobcrawl.db.models import column_limits
from jobcrawl.extract.storable import clean_fields, has_unstorable

if TYPE_CHECKING:
    from jobcrawl.items import JobItem

# Text columns with a length limit: PostgreSQL enforces it (and would reject the whole
# batch), SQLite does not, so the limit is checked per ad, before writing.
_LIMITS = column_limits()


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
    wrong_field_count, csv_error, missing_id, missing_title, field_too_long.
    (A NUL no longer skips a record: it is removed and the ad kept.)
    """

    path: str
    line: int | None
    reason: str
    detail: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.reason}: {self.detail}"


def storage_problem(ad: Ad) -> Problem | None:
    """Why `ad` cannot be stored, or None; its text is cleaned in place (see check_ad)."""
    return check_ad(ad)[0]


def check_ad(ad: Ad) -> tuple[Problem | None, list[str]]:
    """(why `ad` cannot be stored or None, the names of the fields cleaned).

    Cleans the ad's text first, in place: a NUL, another C0 control character or DEL
    is removed (jobcrawl.extract.storable) and the ad kept. Then the problems: bytes
    that were not UTF-8 (lone surrogates, as the readers keep them) make it
    undecodable, since removing them would change letters and the file wants reading
    in its own encoding; an id or title of nothing but control characters is missing;
    a value longer than its column is field_too_long.
    """
    item = ad.item
    texts = {name: value for name, value in vars(item).items() if isinstance(value, str)}
    # One pass over all the text at C speed; the field is named only when something is wrong.
    joined = "\n".join(texts.values())
    if _has_surrogates(joined):
        for name, value in texts.items():
            if _has_surrogates(value):
                return Problem(ad.path, ad.line, "undecodable",
                               f"{name} is not valid UTF-8"), []
    cleaned: list[str] = []
    if has_unstorable(joined):
        cleaned = clean_fields(vars(item))
        texts = {name: value for name, value in vars(item).items() if isinstance(value, str)}
        # A cell of nothing but control characters is as empty as the readers' checks mean.
        if not item.webindex.strip():
            return Problem(ad.path, ad.line, "missing_id",
                           "the id holds only control characters"), cleaned
        if not item.title.strip():
            return Problem(ad.path, ad.line, "missing_title",
                           f"Id {item.webindex}: the title holds only control characters"), cleaned
    for name, limit in _LIMITS.items():
        value = texts.get(name)
        if value is not None and len(value) > limit:
            return Problem(
                ad.path, ad.line, "field_too_long",
                f"{name} has {len(value)} characters, the database keeps at most {limit}",
            ), cleaned
    return None, cleaned


def _has_surrogates(value: str) -> bool:
    # Undecodable bytes read with errors="surrogateescape" (file names, CSV cells)
    # come back as lone surrogates, which cannot be encoded as UTF-8.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
