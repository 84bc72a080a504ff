"""Several processes writing one database at once: one row per ad, every sighting counted,
no failed write (a deadlock or a locked database is retried), on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import upgrade
from jobcrawl.db.models import Job
from tests.utils import writers

if TYPE_CHECKING:
    from tests.utils.writers import Outcome, Plan

WRITERS = 4


def run_writers(url: str, plans: list[Plan]) -> list[Outcome]:
    """Start one spawned process per plan; they begin writing at one moment (a barrier)."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(plans))
    results = context.Queue()
    processes = [context.Process(target=writers.write, args=(url, plan, start, results))
                 for plan in plans]
    for process in processes:
        process.start()
    outcomes = sorted((results.get() for _ in processes), key=lambda outcome: outcome.writer)
    for process in processes:
        process.join()
    assert [process.exitcode for process in processes] == [0] * len(plans)
    return outcomes


def stored(url: str) -> list[dict[str, Any]]:
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(
            select(Job.source, Job.webindex, Job.seen_count, Job.last_seen, Job.first_seen))]
    engine.dispose()
    return rows


def utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_concurrent_upserts_of_the_same_ads_keep_one_row_and_every_sighting(
    database_url: str,
) -> None:
    upgrade(database_url)  # what `scrapy db upgrade` does (a crawl upgrades SQLite itself)
    # 300 shared ads seen twice by each of 4 writers, in shuffled batches of 40.
    plans = writers.plans(WRITERS, shared=300, own=50, passes=2, batch_size=40)
    outcomes = run_writers(database_url, plans)

    assert [outcome.error for outcome in outcomes] == [None] * WRITERS
    retries = [retry for outcome in outcomes for retry in outcome.retries]
    for retry in retries:  # a retried lock wait is fine; what was it?
        print(f"retried: {retry}")
    # Batches in key order lock shared rows in one order: no deadlock to retry.
    assert not [retry for retry in retries if "deadlock" in retry], retries
    sightings = Counter((source, webindex) for plan in plans
                        for source, webindex, _ in plan.sightings)
    latest: dict[tuple[str, str], datetime] = {}
    for plan in plans:
        for source, webindex, moment in plan.sightings:
            latest[(source, webindex)] = max(moment, latest.get((source, webindex), moment))
    rows = stored(database_url)
    keys = [(row["source"], row["webindex"]) for row in rows]
    assert len(keys) == len(set(keys)) == len(sightings) == 300 + WRITERS * 50
    assert {key: row["seen_count"] for key, row in zip(keys, rows, strict=True)} == sightings
    assert {key: utc(row["last_seen"]) for key, row in zip(keys, rows, strict=True)} == latest
    # Each sighting was counted once, as new, updated or unchanged, by the writer that made it.
    for outcome, plan in zip(outcomes, plans, strict=True):
        assert outcome.new + outcome.updated + outcome.unchanged == len(plan.sightings)
    new = sum(outcome.new for outcome in outcomes)
    if database_url.startswith("sqlite"):
        # One writer at a time (BEGIN IMMEDIATE): each ad is new exactly once.
        assert new == len(sightings)
    else:
        # Concurrent batches may both take an ad inserted at the same moment as new.
        assert len(sightings) <= new <= len(sightings) + 300 * (WRITERS - 1)
