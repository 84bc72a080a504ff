"""A writer process for the concurrent-writers tests: upserts its share of ads through
CrawlDatabase.write, as a crawl's store pipeline does, starting when the others do."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from jobcrawl.db.component import CrawlDatabase
from jobcrawl.db.config import DatabaseConfig
from jobcrawl.db.retry import RetryPolicy
from jobcrawl.db.upsert import prepared_row, upsert_rows
from jobcrawl.items import JobItem

if TYPE_CHECKING:
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Barrier

SOURCES = ("board:a", "board:b")
BASE = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Plan:
    """What one writer writes: `sightings` of (source, webindex, scraped_at) in batches."""

    writer: int
    sightings: list[tuple[str, str, datetime]]
    batch_size: int


@dataclass
class Outcome:
    writer: int
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    batches: int = 0
    retries: list[str] = field(default_factory=list)  # the first line of each retried error
    error: str | None = None


def plans(writers: int, shared: int, own: int, passes: int, batch_size: int,
          seed: int = 15) -> list[Plan]:
    """Every writer sees the `shared` ads `passes` times and `own` ads of its own once,
    each writer in its own shuffled order, each sighting at its own moment."""
    rng = random.Random(seed)
    shared_keys = [(SOURCES[number % 2], f"shared-{number:05d}") for number in range(shared)]
    result = []
    for writer in range(writers):
        keys = shared_keys * passes + [(SOURCES[writer % 2], f"own-{writer}-{number:05d}")
                                       for number in range(own)]
        rng.shuffle(keys)
        sightings = [(source, webindex, BASE + timedelta(seconds=rng.randrange(86_400)))
                     for source, webindex in keys]
        result.append(Plan(writer, sightings, batch_size))
    return result


def _row(source: str, webindex: str, scraped_at: datetime, writer: int) -> dict[str, Any]:
    # The title differs per writer: concurrent sightings of one ad conflict in content too.
    return prepared_row(JobItem(
        webindex=webindex, source=source, url=f"https://{source[6:]}.example/{webindex}",
        title=f"Ad {webindex} as writer {writer} saw it", description="A job.",
        scraped_at=scraped_at))


class _Retries(logging.Handler):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__(logging.WARNING)
        self.outcome = outcome

    def emit(self, record: logging.LogRecord) -> None:
        self.outcome.retries.append(record.getMessage())


def write(url: str, plan: Plan, start: Barrier, results: Queue[Outcome]) -> None:
    """Process target: wait for every writer, then write the plan's batches (CrawlDatabase)."""
    outcome = Outcome(plan.writer)
    logging.getLogger("jobcrawl.db.retry").addHandler(_Retries(outcome))
    try:
        database = CrawlDatabase.open(
            DatabaseConfig(url=url),
            # Many quick retries: a retried deadlock costs little, and the test must not fail.
            RetryPolicy(retries=30, delay=timedelta(milliseconds=50)))
        rows = [_row(*sighting, plan.writer) for sighting in plan.sightings]
        start.wait()
        for begin in range(0, len(rows), plan.batch_size):
            batch = rows[begin:begin + plan.batch_size]

            def attempt(batch: list[dict[str, Any]] = batch) -> Any:
                with database.engine.begin() as connection:
                    return upsert_rows(connection, batch, run_id=f"writer-{plan.writer}")

            counted = database.write(attempt)
            outcome.new += counted.new
            outcome.updated += counted.updated
            outcome.unchanged += counted.unchanged
            outcome.batches += 1
        database.engine.dispose()
    except Exception as exc:  # reported to the test, which fails with it
        outcome.error = f"{type(exc).__name__}: {exc}"
    results.put(outcome)
