"""One writer per export format; each takes chunks of rows and returns the rows it wrote.

A chunk is a list of stored rows as database.stream_chunks reads them: tuples
whose first values are the writer's fields in order; any further values (what
run.py reads for its own bookkeeping) are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from jobcrawl.export.columns import FIELD_KINDS, csv_columns, export_values, flags, iso_datetimes
from jobcrawl.export.corpus import corpus_file_name, render_record, safe_path_part
from jobcrawl.export.jobposting import JOBPOSTING_FIELDS, job_posting
from jobcrawl.export.manifest import hash_bytes

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from jobcrawl.export.manifest import FileEntry

    Rows = Sequence[Sequence[Any]]
    JsonLines = Callable[[Rows, list[list[Any]], Callable[[Any], bytes]], list[bytes]]

UTF8_BOM = b"\xef\xbb\xbf"


def columns_of(rows: Rows, count: int) -> list[tuple[Any, ...]]:
    """The first `count` columns of a chunk of rows."""
    return list(zip(*rows, strict=True))[:count]


class BinarySink(Protocol):
    """Where a file writer writes: an open binary file, or output.HashingWriter around one."""

    def write(self, data: bytes, /) -> int: ...


# Rows per Parquet row group: big enough for fast column scans, small enough that
# one group (~30 MB of ads, buffered until written) keeps the export well under 300 MB.
ROW_GROUP_ROWS = 25_000
CORPUS_FIELDS: tuple[str, ...] = (
    "category", "title", "webindex", "company", "description", "source",
)


class CsvWriter:
    """RFC 4180 CSV: a header row, CRLF line ends, UTF-8, None as an empty cell.

    Byte for byte what Python's csv.writer writes. With `excel`, a UTF-8 BOM
    (so Excel reads UTF-8) and a leading apostrophe on text cells a
    spreadsheet would run as formulas.
    """

    def __init__(self, out: BinarySink, fields: Sequence[str], *, excel: bool = False) -> None:
        self._out = out
        self._kinds = [FIELD_KINDS[name] for name in fields]
        self._excel = excel
        if excel:
            out.write(UTF8_BOM)
        out.write((",".join(fields) + "\r\n").encode())

    def write(self, rows: Rows) -> int:
        cells = csv_columns(columns_of(rows, len(self._kinds)), self._kinds, excel=self._excel)
        if len(cells) == 1:
            # csv.writer quotes a lone empty cell, or the row would be a blank line.
            cells[0] = ['""' if cell == "" else cell for cell in cells[0]]
        # Encoded line by line: one non-Latin-1 character would make a whole
        # chunk's text UCS-2, which encodes to UTF-8 twice as slowly.
        lines = [",".join(row).encode() for row in zip(*cells, strict=True)]
        lines.append(b"")  # the last line's CRLF
        self._out.write(b"\r\n".join(lines))
        return len(lines) - 1

    def close(self) -> None:
        pass


_JSON_CONVERTED: dict[str, Callable[[list[Any]], list[Any]]] = {
    "datetime": iso_datetimes, "bool": flags}


class JsonLinesWriter:
    """One JSON object per line (compact, UTF-8): every field key in order, ISO dates, null.

    Only datetime and flag columns are converted (a column at a time, taken out
    of the rows; SQLite stores a flag as 1/0); every other value goes from the
    row to orjson as stored, which writes what export_value would give: dates
    (SQLite's text, PostgreSQL's date objects) as "YYYY-MM-DD", NaN and the
    infinities as null.
    """

    def __init__(self, out: BinarySink, fields: Sequence[str]) -> None:
        self._out = out
        converted = [index for index, name in enumerate(fields)
                     if FIELD_KINDS[name] in _JSON_CONVERTED]
        self._converted = [(itemgetter(index), _JSON_CONVERTED[FIELD_KINDS[fields[index]]])
                           for index in converted]
        self._lines = json_lines_function(fields, converted)

    def write(self, rows: Rows) -> int:
        converted = [convert(list(map(value, rows))) for value, convert in self._converted]
        lines = self._lines(rows, converted, orjson.dumps)
        lines.append(b"")  # the last line's newline
        self._out.write(b"\n".join(lines))
        return len(lines) - 1

    def close(self) -> None:
        pass


def json_lines_function(fields: Sequence[str], converted: Sequence[int]) -> JsonLines:
    """A function (rows, columns, dumps) -> one dumps({field: value, ...}) per row, for `fields`.

    The value of field i is row[i], or for the i in `converted` the next of
    `columns` (one list per converted field, in order). Equal to dumps of the
    dict built with zip, but the dict is a literal with constant keys, built
    with no intermediate row: the hottest loop of a JSONL export. The field
    names are export field names (identifiers), written into the code by repr.

    Borderline: dumps(dict(zip(fields, row))) per row took 3.5% more CPU per row of a
    whole JSONL export (13.46 against 13.01 us, median of 5 alternating rounds over
    500,000 rows, benchmarks/export.py's setting; rows/s too noisy to tell them apart).
    """
    taken = {index: f"c{number}" for number, index in enumerate(converted)}
    pairs = ", ".join(f"{field!r}: {taken.get(index, f'r[{index}]')}"
                      for index, field in enumerate(fields))
    loop = (f"for (r, {', '.join(taken.values())},) in zip(rows, *columns)" if taken
            else "for r in rows")
    source = (f"def lines(rows, columns, dumps):\n"
              f"    return [dumps({{{pairs}}}) {loop}]\n")
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<json lines of {len(fields)} fields>", "exec"), namespace)
    return namespace["lines"]


class JobPostingWriter:
    """One schema.org JobPosting JSON-LD object per line (see jobposting.py)."""

    fields = JOBPOSTING_FIELDS

    def __init__(self, out: BinarySink) -> None:
        self._out = out
        self._kinds = [FIELD_KINDS[name] for name in JOBPOSTING_FIELDS]

    def write(self, rows: Rows) -> int:
        values = export_values(columns_of(rows, len(self._kinds)), self._kinds)
        lines = [orjson.dumps(job_posting(dict(zip(JOBPOSTING_FIELDS, row, strict=True))))
                 for row in zip(*values, strict=True)]
        self._out.write(b"\n".join(lines) + b"\n")
        return len(lines)

    def close(self) -> None:
        pass


class ParquetWriter:
    """Typed Parquet (zstd): text as string, numbers as float64/int64, flags as bool, dates
    as date32, datetimes as UTC timestamps in microseconds; a row group per ~ROW_GROUP_ROWS
    rows."""

    def __init__(self, out: BinarySink, fields: Sequence[str]) -> None:
        import pyarrow as pa  # imported only when a Parquet export runs: it is big
        import pyarrow.parquet as pq

        self._pa = pa
        arrow_types = {"text": pa.string(), "float": pa.float64(), "int": pa.int64(),
                       "bool": pa.bool_(), "date": pa.date32(),
                       "datetime": pa.timestamp("us", tz="UTC")}
        self._kinds = [FIELD_KINDS[name] for name in fields]
        self._types = [arrow_types[kind] for kind in self._kinds]
        self._schema = pa.schema(list(zip(fields, self._types, strict=True)))
        self._writer = pq.ParquetWriter(out, self._schema, compression="zstd")
        self._batches: list[Any] = []
        self._buffered = 0

    def write(self, rows: Rows) -> int:
        pa = self._pa
        arrays = []
        columns = columns_of(rows, len(self._kinds))
        for column, kind, arrow_type in zip(export_values(columns, self._kinds), self._kinds,
                                             self._types, strict=True):
            if kind in ("date", "datetime"):  # ISO texts: Arrow parses them in C
                arrays.append(pa.array(column, pa.string()).cast(arrow_type))
            else:
                arrays.append(pa.array(column, arrow_type))
        batch = pa.RecordBatch.from_arrays(arrays, schema=self._schema)
        self._batches.append(batch)
        self._buffered += batch.num_rows
        if self._buffered >= ROW_GROUP_ROWS:
            self._flush()
        return batch.num_rows

    def _flush(self) -> None:
        """Write the buffered chunks as one row group (ROW_GROUP_ROWS, rounded up to a chunk)."""
        if self._batches:
            table = self._pa.Table.from_batches(self._batches, schema=self._schema)
            self._writer.write_table(table, row_group_size=table.num_rows)
        self._batches, self._buffered = [], 0

    def close(self) -> None:
        self._flush()
        self._writer.close()


@dataclass
class Skipped:
    """A row a writer could not write, and why."""

    source: str
    webindex: str
    reason: str


class CorpusWriter:
    """The text corpus: `<folder>/<category>/Job_00001.txt`, numbered per category in row order.

    Categories become folder names only through corpus.safe_path_part (no
    separators, "..", control characters or device names); ads without one go
    to "Uncategorised". Files are created exclusively, never overwritten.
    A row that cannot be written as a record (a line break in its title, no
    webindex) is reported to `on_skip` and left out.
    """

    fields = CORPUS_FIELDS

    def __init__(self, folder: Path, name: str, on_file: Callable[[FileEntry], None],
                 on_skip: Callable[[Skipped], None]) -> None:
        self._folder = folder
        self._name = name  # the output's final name: manifest paths start with it
        self._on_file = on_file
        self._on_skip = on_skip
        self._counts: dict[str, int] = {}
        self._folders: dict[str | None, str] = {}

    def write(self, rows: Rows) -> int:
        written = 0
        columns = columns_of(rows, len(CORPUS_FIELDS))
        for category, title, webindex, company, description, source in zip(*columns, strict=True):
            try:
                data = render_record(title, webindex, company, description).encode("utf-8")
            except ValueError as exc:
                self._on_skip(Skipped(source, webindex, str(exc)))
                continue
            folder = self._category_folder(category)
            number = self._counts[folder] = self._counts[folder] + 1
            relative = f"{folder}/{corpus_file_name(number)}"
            with (self._folder / relative).open("xb") as out:
                out.write(data)
            self._on_file(hash_bytes(data, f"{self._name}/{relative}"))
            written += 1
        return written

    def _category_folder(self, category: str | None) -> str:
        folder = self._folders.get(category)
        if folder is None:
            folder = self._folders[category] = safe_path_part(category)
            if folder not in self._counts:
                (self._folder / folder).mkdir()
                self._counts[folder] = 0
        return folder

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class ExportFormat:
    """A `--format` value: what it writes and which options apply to it."""

    name: str
    summary: str
    suffix: str | None = None  # an -o extension that implies this format
    folder: bool = False  # writes a folder of files rather than one file
    fixed_fields: tuple[str, ...] | None = None  # None: --fields picks the columns


FORMATS: dict[str, ExportFormat] = {fmt.name: fmt for fmt in (
    ExportFormat("csv", "RFC 4180 CSV, header row, UTF-8", ".csv"),
    ExportFormat("jsonl", "one JSON object per line", ".jsonl"),
    ExportFormat("parquet", "typed columns, in row groups", ".parquet"),
    ExportFormat("jobposting", "one schema.org JobPosting JSON-LD object per line",
                 fixed_fields=JOBPOSTING_FIELDS),
    ExportFormat("corpus", "text corpus: a folder per category, a Job_00001.txt per ad",
                 folder=True, fixed_fields=CORPUS_FIELDS),
)}
"""`scrapy export --format` name -> ExportFormat."""
