"""The text corpus format: one `Job_00001.txt` file per ad, one folder per category.

A record is exactly (no final newline, nothing re-normalised)::

    Title: <title>
    Webindex: <webindex>
    Company: <company>          <- only when the company is known (not None)
    Description: <description>

Title, webindex and company are one line each: they may not contain a line
break (LF or CR), and the lines end with LF. The description is everything
after "Description: " up to the end of the file, so it keeps its paragraphs
(blank lines), CRLF pairs, trailing spaces and even a line that starts with
"Description: " byte for byte. That makes parse_record() the exact inverse of
render_record() for every text, which is what `scrapy import` followed by
`scrapy export --format corpus` relies on.

Category names and other web-supplied text become path components only
through safe_path_part().
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

TITLE = "Title: "
WEBINDEX = "Webindex: "
COMPANY = "Company: "
DESCRIPTION = "Description: "

ENCODING = "utf-8"
UNCATEGORISED = "Uncategorised"
"""The folder of ads without a category (export writes it, import reads it back as None)."""

FILE_NAME_RE = re.compile(r"^Job_\d{5,}\.txt$")

# Longest file name most filesystems (ext4, APFS, NTFS in UTF-16 units) accept, in UTF-8 bytes.
_MAX_NAME_BYTES = 255
# Characters Windows refuses in a file name; replaced everywhere so that a
# corpus zipped on Linux unpacks anywhere.
_WINDOWS_FORBIDDEN = frozenset('<>:"|?*')
_SEPARATORS = frozenset("/\\")
# Bidirectional overrides can make "gpj.exe" display as "exe.jpg": never in a path.
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Unicode categories with no place in a file name: controls (incl. NUL), surrogates,
# line and paragraph separators.
_BAD_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{stem}{n}" for stem in ("COM", "LPT") for n in (*"0123456789", "¹", "²", "³")}
)
_REPLACEMENT = "_"


class CorpusFormatError(ValueError):
    """A text that is not a corpus record: `line` (1-based) is wrong, `reason` says how."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class CorpusRecord:
    """One ad of the text corpus, its fields exactly as written in the file."""

    title: str
    webindex: str
    company: str | None
    description: str


def render_record(title: str, webindex: str, company: str | None, description: str) -> str:
    """The exact text of one corpus file (no final newline; nothing is re-normalised).

    Raises ValueError when title, webindex or company cannot be written as one
    line (empty title/webindex, or a line break inside), because the file
    would not read back as the same record.
    """
    _check_line("Title", title)
    _check_line("Webindex", webindex)
    lines = [TITLE, title, "\n", WEBINDEX, webindex, "\n"]
    if company is not None:
        _check_line("Company", company, allow_empty=True)
        lines += [COMPANY, company, "\n"]
    lines += [DESCRIPTION, description]
    return "".join(lines)


def _check_line(label: str, value: str, *, allow_empty: bool = False) -> None:
    if not value and not allow_empty:
        raise ValueError(f"{label} is empty")
    if "\n" in value or "\r" in value:
        raise ValueError(f"{label} contains a line break: {value!r}")


def parse_record(text: str) -> CorpusRecord:
    """Read the text of one corpus file; the byte-exact inverse of render_record().

    Raises CorpusFormatError (a ValueError) saying which line is wrong and what
    was expected.
    """
    if text.startswith("\ufeff"):
        raise CorpusFormatError(1, "starts with a byte-order mark (BOM); expected 'Title: '")
    rest = text
    title, rest = _take_line(rest, TITLE, 1)
    webindex, rest = _take_line(rest, WEBINDEX, 2)
    company: str | None = None
    line_number = 3
    if rest.startswith(COMPANY):
        company, rest = _take_line(rest, COMPANY, 3, allow_empty=True)
        line_number = 4
    if not rest.startswith(DESCRIPTION):
        expected = f"{DESCRIPTION!r}" if company is not None else f"{COMPANY!r} or {DESCRIPTION!r}"
        raise CorpusFormatError(line_number, f"expected {expected}, found {_preview(rest)}")
    return CorpusRecord(title, webindex, company, rest[len(DESCRIPTION) :])


def _take_line(
    text: str, prefix: str, line_number: int, *, allow_empty: bool = False
) -> tuple[str, str]:
    """(value, remaining text) of a `<prefix><value>\\n` header line."""
    if not text.startswith(prefix):
        raise CorpusFormatError(line_number, f"expected {prefix!r}, found {_preview(text)}")
    label = prefix.rstrip(": ")
    end = text.find("\n", len(prefix))
    if end < 0:
        raise CorpusFormatError(line_number, f"{label} is the last line (no Description follows)")
    value = text[len(prefix) : end]
    if value.endswith("\r"):
        raise CorpusFormatError(
            line_number, "ends with CR LF; the text corpus format uses LF line ends"
        )
    if "\r" in value:
        raise CorpusFormatError(line_number, f"{label} contains a carriage return")
    if not value and not allow_empty:
        raise CorpusFormatError(line_number, f"{label} is empty")
    return value, text[end + 1 :]


def _preview(text: str) -> str:
    line = text.split("\n", 1)[0]
    return repr(line[:40] + ("..." if len(line) > 40 else "")) if text else "end of file"


def safe_path_part(name: str | None, fallback: str = UNCATEGORISED) -> str:
    """`name` made into one safe path component; already-safe names come back unchanged.

    Separators, control characters (NUL included), bidi overrides and the
    characters Windows forbids become "_"; leading/trailing dots and spaces
    are dropped (no ".", "..", hidden files or names Windows truncates);
    Windows device names (CON, nul.txt, COM1 ...) get a "_" prefix; names over
    255 UTF-8 bytes are cut and end in a hash of the full name, so two long
    names stay apart. None, or nothing left, gives `fallback`.
    """
    if name is None:
        return fallback
    part = "".join(_safe_char(char) for char in name).strip(" .")
    if not part:
        return fallback
    if part.split(".", 1)[0].rstrip(" ").upper() in _WINDOWS_RESERVED:
        part = _REPLACEMENT + part
    if len(part.encode(ENCODING)) > _MAX_NAME_BYTES:
        part = _shortened(part, name)
    return part


def _safe_char(char: str) -> str:
    if (
        char in _SEPARATORS
        or char in _WINDOWS_FORBIDDEN
        or char in _BIDI_CONTROLS
        or unicodedata.category(char) in _BAD_CATEGORIES
    ):
        return _REPLACEMENT
    return char


def _shortened(part: str, original: str) -> str:
    digest = hashlib.sha256(original.encode(ENCODING, "surrogatepass")).hexdigest()[:12]
    suffix = f"~{digest}"
    budget = _MAX_NAME_BYTES - len(suffix)
    # Cut on a character boundary: dropping a partial UTF-8 sequence is lossless here.
    head = part.encode(ENCODING)[:budget].decode(ENCODING, "ignore").rstrip(" .")
    return head + suffix


def corpus_file_name(number: int) -> str:
    """`Job_00001.txt` for 1; five digits at least, more when the number needs them."""
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise ValueError(f"corpus file numbers start at 1, got {number!r}")
    return f"Job_{number:05d}.txt"
