"""Alembic migrations: they match the models, work from any folder, and guard the start-up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import (
    SCHEMA_HEAD,
    alembic_config,
    current_revision,
    database_revision,
    ensure_schema,
    head_revision,
    upgrade,
)
from jobcrawl.db.models import Base
from tests.utils.paths import ROOT
from tests.utils.scrapy import run_scrapy


@pytest.fixture
def db_url(database_url: str) -> str:
    return database_url


def schema_diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def test_schema_head_constant_matches_the_alembic_scripts() -> None:
    assert head_revision() == SCHEMA_HEAD


def test_crawl_of_a_current_database_does_not_load_alembic(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    code = ("import sys; from jobcrawl.db.migrate import ensure_schema; "
            f"ensure_schema({sqlite_url!r}, auto_upgrade=False); print('alembic' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT)
    assert result.stdout.strip() == "False"


def test_revisions_form_one_chain_from_the_baseline() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    revisions = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert revisions == ["0001", "0002", "0003", "0004", "0005", "0006", "0007"]


def test_migrations_match_the_models(db_url: str, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # installed users run from anywhere, without alembic.ini
    upgrade(db_url)
    assert schema_diff(db_url) == []
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) == SCHEMA_HEAD
    finally:
        engine.dispose()


def test_downgrade_to_base_and_back(db_url: str) -> None:
    upgrade(db_url)
    command.downgrade(alembic_config(db_url), "base")
    assert (database_revision(db_url), table_names(db_url)) == (None, {"alembic_version"})
    upgrade(db_url)
    assert (database_revision(db_url), schema_diff(db_url)) == (SCHEMA_HEAD, [])


def test_alembic_command_line_uses_the_ini_from_another_folder(sqlite_url: str,
                                                               tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ROOT / "alembic.ini"),
         "-x", f"url={sqlite_url}", "upgrade", "head"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert f"-> {SCHEMA_HEAD}, " in result.stderr
    assert database_revision(sqlite_url) == SCHEMA_HEAD


def test_fresh_sqlite_file_in_a_new_folder_is_created_at_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'folder' / 'jobs.db'}"
    ensure_schema(url, auto_upgrade=True)
    assert (database_revision(url), schema_diff(url)) == (SCHEMA_HEAD, [])


def test_empty_sqlite_file_counts_as_fresh(tmp_path: Path) -> None:
    path = tmp_path / "jobs.db"
    path.touch()
    url = f"sqlite:///{path}"
    assert database_revision(url) is None
    ensure_schema(url, auto_upgrade=True)
    assert database_revision(url) == SCHEMA_HEAD


def test_without_auto_upgrade_a_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "jobs.db"
    with pytest.raises(RuntimeError, match=r"at revision none .* run `scrapy db upgrade`"):
        ensure_schema(f"sqlite:///{path}", auto_upgrade=False)
    assert not path.exists()


def test_database_at_head_passes_without_auto_upgrade(db_url: str) -> None:
    upgrade(db_url)
    ensure_schema(db_url, auto_upgrade=False)
    assert database_revision(db_url) == SCHEMA_HEAD


def test_postgres_behind_head_asks_for_scrapy_db_upgrade(postgres_url: str) -> None:
    with pytest.raises(RuntimeError) as raised:
        ensure_schema(postgres_url, auto_upgrade=False)
    assert str(raised.value).endswith(f"needs {SCHEMA_HEAD}: run `scrapy db upgrade`")
    assert table_names(postgres_url) == set()


def test_jobs_table_made_without_alembic_is_refused(db_url: str) -> None:
    engine = make_engine(db_url)
    Base.metadata.create_all(engine)
    engine.dispose()
    with pytest.raises(RuntimeError, match="has a jobs table but no Alembic revision"):
        ensure_schema(db_url, auto_upgrade=True)


def test_unknown_revision_is_refused(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(RuntimeError, match="at revision 9999, which this jobcrawl does not know"):
        ensure_schema(sqlite_url, auto_upgrade=True)


def test_0003_backfills_last_fetched_from_scraped_at_and_leaves_ads_live(db_url: str) -> None:
    upgrade(db_url, "0002")
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO jobs (webindex, source, url, title, description, scraped_at, "
                "first_seen, last_seen, seen_count, content_hash, last_run) VALUES ('1', 's', "
                "'https://x.example/1', 't', 'd', '2024-03-01 09:00:00+00:00', "
                "'2024-03-01 09:00:00+00:00', '2024-03-02 09:00:00+00:00', 2, 'h', 'r')"))
        upgrade(db_url)
        with engine.connect() as connection:
            row = connection.execute(text(
                "SELECT scraped_at, last_fetched, expired_at, expiry_reason, expiry_evidence "
                "FROM jobs")).one()
            touched = connection.execute(text("SELECT COUNT(*) FROM recrawl_pages")).scalar()
    finally:
        engine.dispose()
    assert (row.last_fetched, row.expired_at, row.expiry_reason, row.expiry_evidence,
            touched) == (row.scraped_at, None, None, None, 0)


def test_processes_creating_one_new_sqlite_file_at_once_all_succeed(tmp_path: Path) -> None:
    # Four crawls starting together on a new file: without the upgrade lock, all see an
    # empty database and the slower ones fail on "table jobs already exists".
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    code = ("import sys; from jobcrawl.db.migrate import ensure_schema; "
            "sys.stdin.read(); ensure_schema(sys.argv[1], auto_upgrade=True)")
    processes = [
        subprocess.Popen([sys.executable, "-c", code, url], cwd=ROOT, stdin=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    # Each waits on its stdin, so that all are imported and ready before any starts.
    for process in processes:
        process.stdin.close()  # type: ignore[union-attr]
    errors = [process.stderr.read() for process in processes]  # type: ignore[union-attr]
    assert [process.wait() for process in processes] == [0, 0, 0, 0], errors
    assert database_revision(url) == SCHEMA_HEAD


def _insert_run(connection: object, run_id: str, status: str) -> None:
    connection.execute(text(  # type: ignore[attr-defined]
        "INSERT INTO crawl_runs (id, spider, started_at, status, items_new, items_updated, "
        "items_unchanged, items_dropped, requests, errors) VALUES "
        f"('{run_id}', 'jobposting', '2026-12-01 09:00:00+00:00', '{status}', 0, 0, 0, 0, 0, 0)"))


def test_0004_accepts_incomplete_runs_and_downgrade_makes_them_failed(db_url: str) -> None:
    from sqlalchemy.exc import IntegrityError

    upgrade(db_url, "0003")
    engine = make_engine(db_url)
    try:
        with pytest.raises(IntegrityError), engine.begin() as connection:
            _insert_run(connection, "early", "incomplete")
        with engine.begin() as connection:
            _insert_run(connection, "before", "ok")
        upgrade(db_url)
        with engine.begin() as connection:
            _insert_run(connection, "run1", "incomplete")
            connection.execute(text(
                "UPDATE crawl_runs SET missed = :missed, missed_file = 'missed/run1.jsonl' "
                "WHERE id = 'run1'"), {"missed": '{"ad": 2}'})
        with pytest.raises(IntegrityError), engine.begin() as connection:
            _insert_run(connection, "bad", "lost")
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT id, status, missed_file FROM crawl_runs ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [("before", "ok", None),
                                                ("run1", "incomplete", "missed/run1.jsonl")]
        command.downgrade(alembic_config(db_url), "0003")
        with engine.connect() as connection:
            statuses = connection.execute(text(
                "SELECT id, status FROM crawl_runs ORDER BY id")).all()
        assert [tuple(row) for row in statuses] == [("before", "ok"), ("run1", "failed")]
    finally:
        engine.dispose()


def test_0005_keeps_the_ads_of_an_old_database_and_expires_them_as_before(db_url: str) -> None:
    from datetime import UTC, datetime

    from jobcrawl.db.upsert import upsert_jobs
    from jobcrawl.items import JobItem
    from jobcrawl.recrawl.listings import expire_unlisted, listing_id, record_listed

    upgrade(db_url, "0004")
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            for webindex in ("1", "2"):
                connection.execute(text(
                    "INSERT INTO jobs (webindex, source, url, title, description, scraped_at, "
                    "first_seen, last_seen, seen_count, content_hash, last_run, last_fetched) "
                    f"VALUES ('{webindex}', 'feed:x.example', 'https://x.example/{webindex}', "
                    "'t', 'd', '2026-11-01 09:00:00+00:00', '2026-11-01 09:00:00+00:00', "
                    "'2026-11-01 09:00:00+00:00', 1, 'h', 'old', "
                    "'2026-11-01 09:00:00+00:00')"))
        upgrade(db_url)
        assert database_revision(db_url) == SCHEMA_HEAD
        with engine.connect() as connection:
            assert connection.execute(text("SELECT COUNT(*) FROM jobs")).scalar() == 2
            assert connection.execute(text("SELECT COUNT(*) FROM job_listings")).scalar() == 0
        # The first complete crawl after the upgrade lists ad 1 only: ad 2, without any
        # listing row, is taken as listed by every listing of its source and expires.
        now = datetime(2026, 12, 1, tzinfo=UTC)
        with engine.begin() as connection:
            upsert_jobs(connection, [JobItem(webindex="1", source="feed:x.example",
                                             url="https://x.example/1", title="t",
                                             description="d", scraped_at=now)], run_id="r1")
            listing = listing_id(connection, "feed:x.example", "feed https://x.example/a.xml",
                                 now=now)
            record_listed(connection, "feed:x.example", listing, run_id="r1", now=now)
            assert expire_unlisted(connection, "feed:x.example", listing, run_id="r1",
                                   now=now, evidence="by r1") == 1
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT webindex, expiry_reason FROM jobs ORDER BY webindex")).all()
            listed = connection.execute(text(
                "SELECT j.webindex, l.name, jl.last_listed_run FROM job_listings jl "
                "JOIN jobs j ON j.id = jl.job_id JOIN listings l ON l.id = jl.listing_id"
            )).all()
        assert [tuple(row) for row in rows] == [("1", None), ("2", "unlisted")]
        assert [tuple(row) for row in listed] == [("1", "feed https://x.example/a.xml", "r1")]
        command.downgrade(alembic_config(db_url), "0004")
        assert {"listings", "job_listings"}.isdisjoint(table_names(db_url))
        with engine.connect() as connection:
            assert connection.execute(text("SELECT COUNT(*) FROM jobs")).scalar() == 2
    finally:
        engine.dispose()


def test_0006_adds_remote_as_null_for_existing_ads_and_downgrade_drops_it(db_url: str) -> None:
    upgrade(db_url, "0005")
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO jobs (webindex, source, url, title, description, scraped_at, "
                "first_seen, last_seen, seen_count, content_hash, last_run) VALUES ('1', 's', "
                "'https://x.example/1', 't', 'd', '2024-03-01 09:00:00+00:00', "
                "'2024-03-01 09:00:00+00:00', '2024-03-02 09:00:00+00:00', 2, 'h', 'r')"))
        upgrade(db_url, "0006")
        with engine.begin() as connection:
            before = connection.execute(text("SELECT remote FROM jobs")).scalar_one()
            connection.execute(text("UPDATE jobs SET remote = :remote"), {"remote": True})
            after = connection.execute(text("SELECT remote FROM jobs")).scalar_one()
        command.downgrade(alembic_config(db_url), "0005")
        with engine.connect() as connection:
            columns = {column["name"] for column in inspect(connection).get_columns("jobs")}
    finally:
        engine.dispose()
    assert (before, bool(after)) == (None, True)
    assert "remote" not in columns and "title" in columns


def test_0007_stores_null_for_an_empty_url_keeps_its_hash_and_downgrade_restores_it(
        db_url: str) -> None:
    from datetime import UTC, datetime

    from jobcrawl.db.upsert import UpsertResult, content_hash, job_row, upsert_jobs
    from jobcrawl.items import JobItem
    from jobcrawl.recrawl.listings import listing_id

    imported = JobItem(webindex="1", source="csv", url="", title="t", description="d",
                       scraped_at=datetime(2024, 3, 1, 9, tzinfo=UTC))
    upgrade(db_url, "0006")
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            # As revision 0006's store wrote an ad without a URL: "" and its hash.
            connection.execute(text(
                "INSERT INTO jobs (webindex, source, url, title, description, scraped_at, "
                "first_seen, last_seen, seen_count, content_hash, last_run) VALUES ('1', "
                "'csv', '', 't', 'd', '2024-03-01 09:00:00+00:00', '2024-03-01 09:00:00+00:00',"
                " '2024-03-01 09:00:00+00:00', 1, :hash, 'r'), ('2', 's', 'https://x.example/2',"
                " 't', 'd', '2024-03-01 09:00:00+00:00', '2024-03-01 09:00:00+00:00', "
                "'2024-03-01 09:00:00+00:00', 1, 'h', 'r')"),
                {"hash": content_hash({**job_row(imported), "url": ""})})
            listing = listing_id(connection, "csv", "csv", now=datetime(2024, 3, 1, tzinfo=UTC))
            connection.execute(text("INSERT INTO job_listings (job_id, listing_id, "
                                    "last_listed_at) SELECT id, :listing, scraped_at FROM jobs"),
                               {"listing": listing})
        upgrade(db_url, "0007")
        with engine.begin() as connection:
            upgraded = dict(connection.execute(text("SELECT webindex, url FROM jobs")).all())
            # The constraint is gone (SQLite: the edited definition is the one in force).
            connection.execute(text("UPDATE jobs SET url = NULL WHERE webindex = '2'"))
            connection.execute(text("UPDATE jobs SET url = 'https://x.example/2' "
                                    "WHERE webindex = '2'"))
            again = upsert_jobs(connection, [imported], run_id="r2")
            sightings = connection.execute(text("SELECT COUNT(*) FROM job_listings")).scalar()
        command.downgrade(alembic_config(db_url), "0006")
        with engine.begin() as connection:
            downgraded = dict(connection.execute(text("SELECT webindex, url FROM jobs")).all())
            nullable = {column["name"]: column["nullable"]
                        for column in inspect(connection).get_columns("jobs")}["url"]
    finally:
        engine.dispose()
    assert upgraded == {"1": None, "2": "https://x.example/2"}
    assert again == UpsertResult(unchanged=1)
    # Rebuilding jobs on SQLite would have cascaded into job_listings (foreign_keys=ON).
    assert sightings == 2
    assert downgraded == {"1": "", "2": "https://x.example/2"}
    assert nullable is False


def _analyzed_jobs(connection: object) -> bool:
    if connection.dialect.name == "sqlite":  # type: ignore[attr-defined]
        if not inspect(connection).has_table("sqlite_stat1"):
            return False
        query = "SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'jobs'"
    else:
        query = ("SELECT COUNT(*) FROM pg_stat_user_tables WHERE relname = 'jobs' "
                 "AND schemaname = current_schema() AND last_analyze IS NOT NULL")
    return bool(connection.execute(text(query)).scalar())  # type: ignore[attr-defined]


def test_upgrade_leaves_statistics_for_the_planner(db_url: str) -> None:
    upgrade(db_url, "0006")
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO jobs (webindex, source, url, title, description, scraped_at, "
                "first_seen, last_seen, seen_count, content_hash, last_run) VALUES ('1', 's', "
                "'https://x.example/1', 't', 'd', '2024-03-01 09:00:00+00:00', "
                "'2024-03-01 09:00:00+00:00', '2024-03-02 09:00:00+00:00', 2, 'h', 'r')"))
        assert run_scrapy("db", "upgrade", "--url", db_url).returncode == 0
        with engine.connect() as connection:
            analyzed = _analyzed_jobs(connection)
    finally:
        engine.dispose()
    assert analyzed


def test_a_new_sqlite_database_gets_no_statistics_of_empty_tables(sqlite_url: str) -> None:
    # They would mislead SQLite's planner once the tables have grown.
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            analyzed = _analyzed_jobs(connection)
    finally:
        engine.dispose()
    assert not analyzed
