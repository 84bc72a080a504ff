"""DatabaseConfig: where the corpus lives, validated once for crawls and commands alike."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from jobcrawl.config.types import SettingsModel
from jobcrawl.security.secrets import redact_url


def _database_url(raw: object) -> str:
    url = "" if raw is None else str(raw)
    if not url:
        raise ValueError("is empty: give a sqlite:/// or postgresql+psycopg:// URL")
    try:
        make_url(url)
    except ArgumentError:  # its message would quote the URL, password and all
        raise ValueError(f"is not a database URL: {redact_url(url)}") from None
    return url


DatabaseUrl = Annotated[str, BeforeValidator(_database_url)]


class DatabaseConfig(SettingsModel):
    """The database settings: JOBCRAWL_DATABASE_URL (SQLite file or PostgreSQL)."""

    # Kept out of repr: the URL may hold a password.
    # No default of its own: settings.py has the one (sqlite:///jobcrawl.db); a crawler
    # built without the project settings must say so, not write to a file of its choice.
    url: DatabaseUrl = Field(None, alias="JOBCRAWL_DATABASE_URL", repr=False)

    @property
    def redacted_url(self) -> str:
        return redact_url(self.url)

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.url).get_backend_name() == "sqlite"

    @property
    def where(self) -> str:
        """How error messages name the database: the setting and the URL, password masked."""
        return f"JOBCRAWL_DATABASE_URL={self.redacted_url}"
