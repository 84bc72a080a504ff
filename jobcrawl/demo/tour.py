"""`make demo`: serve the demo board, crawl it into SQLite, export, summarise.

Every step runs the real `scrapy` command line a user would type.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from scrapy.utils.project import get_project_settings
from sqlalchemy import func, select

from jobcrawl.db.engine import make_engine
from jobcrawl.db.models import Job
from jobcrawl.demo.server import DemoBoard
from jobcrawl.security.secrets import redact_url

CLOSING_SOURCES = ("structured", "text", "relative")


def scrapy(*args: str) -> None:
    command = [sys.executable, "-m", "scrapy", *args]
    print("$ scrapy " + " ".join(args), flush=True)
    result = subprocess.run(command, check=False)
    if result.returncode != 0:
        sys.exit(f"demo failed: `scrapy {args[0]}` exited with {result.returncode}")


def stored_figures(database_url: str) -> dict[str, int]:
    """What the database holds now: ads, and closing dates by how they were found."""
    engine = make_engine(database_url)
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(Job)) or 0
        by_source = dict(conn.execute(
            select(Job.closing_date_source, func.count())
            .where(Job.closing_date.is_not(None)).group_by(Job.closing_date_source)
        ).all())
        unparsed = conn.scalar(select(func.count()).select_from(Job).where(
            Job.closing_date.is_(None), Job.closing_date_raw.is_not(None))) or 0
    engine.dispose()
    return {"total": total, "unparsed": unparsed,
            **{f"closing_{name}": by_source.get(name, 0) for name in CLOSING_SOURCES}}


def summary(stats: dict[str, object], stored: dict[str, int], expected: dict[str, object],
            database_url: str, exports: Path) -> str:
    def get(key: str) -> int:
        return int(stats.get(key, 0) or 0)  # type: ignore[call-overload]

    found = sum(stored[f"closing_{name}"] for name in CLOSING_SOURCES)
    lines = [
        "",
        "jobcrawl demo: summary",
        f"  board                    {expected['ads_with_jobposting']} ads with a JobPosting, "
        f"{expected['featured_duplicates']} of them listed twice",
        f"  pages crawled            {get('response_received_count')}",
        f"  ads extracted            {get('jobcrawl/jobposting/postings')}",
        f"  duplicates dropped       {get('item_dropped_reasons_count/DuplicateInCrawl')}",
        f"  ads stored               {get('jobcrawl/store/new')} new, "
        f"{get('jobcrawl/store/updated')} updated, {get('jobcrawl/store/unchanged')} unchanged",
        f"  ads touched              {get('jobcrawl/store/touched')} (listed and fetched within "
        "JOBCRAWL_RECRAWL_TTL: not fetched again)",
        f"  ads in the database      {stored['total']}",
        f"  closing dates found      {found} ("
        + ", ".join(f"{stored[f'closing_{name}']} {name}" for name in CLOSING_SOURCES) + ")",
        f"  closing dates unreadable {stored['unparsed']} (raw text kept)",
        "",
        f"  database  {redact_url(database_url)}",
        f"  exports   {exports / 'demo.csv'}, {exports / 'demo.jsonl'}",
        f"  crawl log {exports / 'demo-crawl.log'}, stats {exports / 'demo-stats.json'}",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Crawl the bundled demo board end to end.")
    # A fixed port keeps the ads' URLs, and so a rerun's "unchanged" counts, stable.
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--exports", type=Path, default=Path("exports"))
    args = parser.parse_args()
    exports: Path = args.exports
    exports.mkdir(parents=True, exist_ok=True)
    stats_path, log_path = exports / "demo-stats.json", exports / "demo-crawl.log"
    board = DemoBoard(port=args.port)
    try:
        board.bind()
    except OSError as exc:
        sys.exit(f"demo failed: cannot serve the demo board on port {args.port} ({exc}); "
                 "free it or run `make demo DEMO_PORT=<port>`")
    with board:
        print(f"demo board serving {len(board.board.ads)} ads on {board.url}", flush=True)
        scrapy(
            "crawl", "jobposting", "-a", f"url={board.url}/jobs",
            # A local board: no need to be gentle.
            "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", f"JOBCRAWL_STATSFILE_PATH={stats_path}",
            "-s", f"LOG_FILE={log_path}", "-s", "LOG_FILE_APPEND=False",
        )
        expected = board.board.expected()
    scrapy("export", "--format", "csv", "-o", str(exports / "demo.csv"))
    scrapy("export", "--format", "jsonl", "-o", str(exports / "demo.jsonl"))
    database_url = get_project_settings().get("JOBCRAWL_DATABASE_URL")
    stats = json.loads(stats_path.read_text())
    print(summary(stats, stored_figures(database_url), expected, database_url, exports))
