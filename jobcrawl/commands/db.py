"""`scrapy db upgrade|current`: migrate the database and show its Alembic revision."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from sqlalchemy.exc import SQLAlchemyError

from jobcrawl.db.migrate import database_revision, head_revision, upgrade
from jobcrawl.security.secrets import redact_url

if TYPE_CHECKING:
    import argparse

ACTIONS = ("upgrade", "current")


class Command(ScrapyCommand):
    """Settings: JOBCRAWL_DATABASE_URL (unless --url is given)."""

    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "upgrade|current [--url URL] [--json]"

    def short_desc(self) -> str:
        return "Migrate the database to the newest schema (upgrade) or show its revision (current)"

    def long_desc(self) -> str:
        return (
            "upgrade: apply the Alembic migrations to JOBCRAWL_DATABASE_URL (or --url) up to "
            "the newest revision. current: print the database's revision and the newest one; "
            "exit code 1 when the database is behind."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--url", help="database URL (default: JOBCRAWL_DATABASE_URL)")
        parser.add_argument("--json", action="store_true", help="print JSON for scripts")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1 or args[0] not in ACTIONS:
            raise UsageError(f"give one action: {' or '.join(ACTIONS)}")
        assert self.settings is not None
        url = opts.url or self.settings.get("JOBCRAWL_DATABASE_URL")
        if not url:
            raise UsageError("no database: set JOBCRAWL_DATABASE_URL or pass --url")
        # Imported here: Scrapy imports every command module for every command, and
        # a crawl should not pay for Alembic.
        from alembic.util import CommandError

        try:
            report = self._upgrade(url) if args[0] == "upgrade" else self._current(url)
        except (SQLAlchemyError, CommandError) as exc:
            # Driver messages name host and user, never the password; the URL is redacted.
            print(f"error: {redact_url(url)}: {exc}", file=sys.stderr)
            self.exitcode = 1
            return
        _print(report, as_json=opts.json)

    def _upgrade(self, url: str) -> dict[str, Any]:
        before = database_revision(url)
        upgrade(url)
        return {"database": redact_url(url), "previous": before, "current": database_revision(url)}

    def _current(self, url: str) -> dict[str, Any]:
        current, head = database_revision(url), head_revision()
        if current != head:
            self.exitcode = 1
        return {
            "database": redact_url(url),
            "current": current,
            "head": head,
            "status": "up to date" if current == head else "behind: run `scrapy db upgrade`",
        }


def _print(report: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report))
        return
    width = max(len(key) for key in report)
    for key, value in report.items():
        print(f"{key:<{width}}  {'none' if value is None else value}")
