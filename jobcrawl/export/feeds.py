"""Scrapy FEEDS exporters (`-O out.csv:jobcsv`): thin adapters over the export values.

`scrapy export` does not use these: it reads the database and writes through
export/writers.py. A crawl's FEEDS output has the same columns and the same
value conventions (export/values.py), with the database-only columns null.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

from scrapy.exporters import BaseItemExporter, CsvItemExporter, JsonLinesItemExporter

from jobcrawl.export.values import EXPORT_FIELDS, export_value

if TYPE_CHECKING:
    from collections.abc import Mapping

    from scrapy.item import Field


class _JobExportMixin(BaseItemExporter):
    """Defaults shared by the job exporters: EXPORT_FIELDS, UTF-8, export_value()."""

    def __init__(self, file: IO[bytes], **kwargs: Any) -> None:
        # FEEDS passes fields_to_export=None and encoding=None when the feed
        # does not set them; both mean "jobcrawl's defaults" here.
        if not kwargs.get("fields_to_export"):
            kwargs["fields_to_export"] = EXPORT_FIELDS
        if not kwargs.get("encoding"):
            kwargs["encoding"] = "utf-8"
        super().__init__(file, **kwargs)  # type: ignore[call-arg]

    def serialize_field(self, field: Mapping[str, Any] | Field, name: str, value: Any) -> Any:
        return super().serialize_field(field, name, export_value(value))


class JobCsvItemExporter(_JobExportMixin, CsvItemExporter):
    """RFC 4180 CSV (csv module defaults): header row, UTF-8, None as an empty cell.

    The header is written even when no item follows, so an empty export is
    still a valid, self-describing file.
    """

    def start_exporting(self) -> None:
        super().start_exporting()
        if self._headers_not_written:
            self._headers_not_written = False
            self._write_headers_and_set_fields_to_export(None)


class JobJsonLinesItemExporter(_JobExportMixin, JsonLinesItemExporter):
    """One JSON object per line, UTF-8 text (not \\u escapes), every field key present.

    Fields an item does not have (first_seen etc. during a crawl) are null.
    """

    def export_item(self, item: Any) -> None:
        fields = self.get_serialized_fields(item, default_value=None, include_empty=True)
        line = self.encoder.encode(dict(fields)) + "\n"
        self.file.write(line.encode(self.encoding or "utf-8"))
