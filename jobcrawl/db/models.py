"""SQLAlchemy 2 typed models for the job corpus."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# JSON documents: JSONB on PostgreSQL (comparable, indexable), JSON text on SQLite.
# Python None is stored as SQL NULL, not as the JSON literal null.
JsonDocument = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

RUN_STATUSES = ("running", "ok", "failed", "unhealthy", "incomplete")
# unlisted: a complete crawl of its source no longer listed it; gone: its page
# answered 404/410; closed: its page says the job is closed.
EXPIRY_REASONS = ("unlisted", "gone", "closed")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Job(Base):
    """One job advert, unique per (source, webindex).

    Columns mirror JobItem field for field, plus the corpus bookkeeping:
    first_seen (never updated), last_seen, seen_count, content_hash, last_run,
    last_fetched (when the ad's page or API record was last downloaded; a
    recrawl within JOBCRAWL_RECRAWL_TTL only touches last_seen), and expiry:
    expired_at (NULL: live), expiry_reason (EXPIRY_REASONS) with its
    human-readable expiry_evidence.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("source", "webindex"),
        Index("ix_jobs_first_seen", "first_seen"),
        Index("ix_jobs_category", "category"),
        # Hash on PostgreSQL: a btree entry is limited to ~2.7 kB, and a long URL must
        # not make its batch fail. SQLite has no such limit (and no hash indexes).
        Index("ix_jobs_url", "url", postgresql_using="hash"),
        Index("ix_jobs_expired_at", "expired_at"),
        # The ads a run stored or touched, for the listings they were seen through.
        Index("ix_jobs_source_last_run", "source", "last_run"),
        # Live ads of a source not seen since a time (expiry of ads without listings).
        Index("ix_jobs_source_expired_at_last_seen", "source", "expired_at", "last_seen"),
        # The ads of a source fetched since a time: the recrawl's known ads, read as a
        # crawl starts (without it, every ad of the source is read).
        Index("ix_jobs_source_last_fetched", "source", "last_fetched"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    webindex: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(255))
    # NULL for an ad without a URL (imported from a corpus or CSV), never "".
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    company: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(255))
    contract_type: Mapped[str | None] = mapped_column(String(64))
    contract_time: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    salary_raw: Mapped[str | None] = mapped_column(Text)
    salary_min: Mapped[float | None] = mapped_column(Float)
    salary_max: Mapped[float | None] = mapped_column(Float)
    salary_currency: Mapped[str | None] = mapped_column(String(3))
    salary_period: Mapped[str | None] = mapped_column(String(16))
    date_posted: Mapped[date | None] = mapped_column(Date)
    closing_date: Mapped[date | None] = mapped_column(Date)
    closing_date_raw: Mapped[str | None] = mapped_column(Text)
    closing_date_source: Mapped[str | None] = mapped_column(String(16))
    # True: remote work offered; False: the posting says on site; NULL: not said.
    remote: Mapped[bool | None] = mapped_column(Boolean)
    scraped_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seen_count: Mapped[int] = mapped_column(Integer, default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    last_run: Mapped[str | None] = mapped_column(String(64))
    last_fetched: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expiry_reason: Mapped[str | None] = mapped_column(String(16))
    expiry_evidence: Mapped[str | None] = mapped_column(Text)


def column_limits() -> dict[str, int]:
    """The length limit of every jobs column that has one, by column name.

    PostgreSQL enforces them (rejecting the whole batch); SQLite does not, so the
    validate pipeline and `scrapy import` check them per ad.
    """
    return {
        column.name: column.type.length
        for column in Job.__table__.columns
        if getattr(column.type, "length", None)
    }


class RecrawlPage(Base):
    """A page fetched as an ad page whose URL is not an ad's own URL, for the recrawl.

    ad_url is the stored ad the page showed (a duplicate listing, a link whose
    canonical URL differs); NULL when the page had no JobPosting. A link to
    such a page fetched within JOBCRAWL_RECRAWL_TTL is not requested again.
    """

    __tablename__ = "recrawl_pages"
    __table_args__ = (
        UniqueConstraint("source", "url"),
        Index("ix_recrawl_pages_source_fetched_at", "source", "fetched_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(Text)
    ad_url: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Listing(Base):
    """What one crawl covers, for unlisted expiry (jobcrawl.recrawl.listings).

    name: the spider and its start URLs (`feed https://x.example/a.xml`, `jobposting
    https://x.example/jobs`, `site ...`) or, for an API spider, the board
    (`greenhouse:acme`); key: its sha256, unique per source (a btree on a long text
    would reach PostgreSQL's entry limit). last_complete_at / last_complete_run: the
    newest crawl that read the whole listing (NULL: none yet).
    """

    __tablename__ = "listings"
    __table_args__ = (UniqueConstraint("source", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(255))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_complete_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_complete_run: Mapped[str | None] = mapped_column(String(64))


class JobListing(Base):
    """An ad seen through a listing: when (and by which run) that listing last listed it."""

    __tablename__ = "job_listings"
    __table_args__ = (Index("ix_job_listings_listing_id", "listing_id"),)

    job_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True)
    last_listed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_listed_run: Mapped[str | None] = mapped_column(String(64))


class CrawlRun(Base):
    """One crawl: inserted `running` when the spider opens, completed when it closes.

    id is the run id that the store pipeline writes to jobs.last_run. source is
    the spider's own source name (API spiders: `greenhouse:acme`), else the
    source of the items it stored or touched (`jobposting:host`; several joined by
    commas); sources counts the ads stored or touched per source. status: running, then ok,
    failed (a component marked the crawl failed, or it ended early), incomplete
    (it missed requests or items: counts per kind in missed, their URLs in the
    JSONL file missed_file) or unhealthy (a health monitor failed). The figure
    columns are copied out of the final Scrapy stats (all of them in stats) so that
    reports need no JSON.
    """

    __tablename__ = "crawl_runs"
    __table_args__ = (
        CheckConstraint(f"status IN {RUN_STATUSES!r}", name="status"),
        Index("ix_crawl_runs_started_at", "started_at"),
        Index("ix_crawl_runs_spider_source_started_at", "spider", "source", "started_at"),
        Index("ix_crawl_runs_source_started_at", "source", "started_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    spider: Mapped[str] = mapped_column(String(255))
    source: Mapped[str | None] = mapped_column(String(255))
    sources: Mapped[dict[str, int] | None] = mapped_column(JsonDocument)
    arguments: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    settings: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    hostname: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finish_reason: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    items_new: Mapped[int] = mapped_column(Integer, default=0)
    items_updated: Mapped[int] = mapped_column(Integer, default=0)
    items_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    # Known ads whose last_seen moved without a refetch (listed within the recrawl TTL).
    items_touched: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    items_dropped: Mapped[int] = mapped_column(Integer, default=0)
    dropped: Mapped[dict[str, int] | None] = mapped_column(JsonDocument)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    responses: Mapped[dict[str, int] | None] = mapped_column(JsonDocument)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    peak_memory: Mapped[int | None] = mapped_column(BigInteger)
    failures: Mapped[dict[str, str] | None] = mapped_column(JsonDocument)
    # What the crawl missed, by kind (listing, sitemap, feed, api, ad, page, item).
    missed: Mapped[dict[str, int] | None] = mapped_column(JsonDocument)
    missed_file: Mapped[str | None] = mapped_column(Text)
    monitors: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonDocument)
    stats: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
