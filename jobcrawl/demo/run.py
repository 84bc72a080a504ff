"""`make demo`: serve the demo board, crawl it into SQLite, export, summarise.

Every step runs the real `scrapy` command line a user would type.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from jobcrawl.demo.server import DemoBoard

EXPORTS = Path("exports")
STATS = EXPORTS / "demo-stats.json"
LOG = EXPORTS / "demo-crawl.log"


def scrapy(*args: str) -> None:
    command = [sys.executable, "-m", "scrapy", *args]
    print("$ scrapy " + " ".join(args), flush=True)
    result = subprocess.run(command, check=False)
    if result.returncode != 0:
        sys.exit(f"demo failed: `scrapy {args[0]}` exited with {result.returncode}")


def summary(stats: dict[str, object], expected: dict[str, object]) -> str:
    def get(key: str) -> int:
        return int(stats.get(key, 0) or 0)  # type: ignore[call-overload]

    found = sum(get(f"jobcrawl/dates/closing/{s}") for s in ("structured", "text", "relative"))
    lines = [
        "",
        "jobcrawl demo: summary",
        f"  pages crawled            {get('response_received_count')}",
        f"  ads extracted            {get('item_scraped_count') + get('item_dropped_count')}",
        f"  ads stored               {get('jobcrawl/store/new')} new, "
        f"{get('jobcrawl/store/updated')} updated, {get('jobcrawl/store/unchanged')} unchanged",
        f"  duplicates dropped       {get('item_dropped_reasons_count/DuplicateInCrawl')}",
        f"  closing dates found      {found} ("
        f"{get('jobcrawl/dates/closing/structured')} structured, "
        f"{get('jobcrawl/dates/closing/text')} from text, "
        f"{get('jobcrawl/dates/closing/relative')} relative)",
        f"  closing dates unparsed   {get('jobcrawl/dates/closing/unparsed')} (raw text kept)",
        f"  robots.txt forbidden     {get('robotstxt/forbidden')}",
        f"  board ads with JobPosting {expected.get('ads_with_jobposting', '?')}",
        "",
        "  database  jobcrawl.db (SQLite)",
        f"  exports   {EXPORTS / 'demo.csv'}, {EXPORTS / 'demo.jsonl'}",
        f"  crawl log {LOG}, stats {STATS}",
    ]
    return "\n".join(lines)


def main() -> None:
    EXPORTS.mkdir(exist_ok=True)
    with DemoBoard() as board:
        print(f"demo board serving {len(board.board.ads)} ads on {board.url}", flush=True)
        scrapy(
            "crawl", "jobposting", "-a", f"url={board.url}/jobs",
            # A local board: no need to be gentle.
            "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", f"JOBCRAWL_STATSFILE_PATH={STATS}",
            "-s", f"LOG_FILE={LOG}", "-s", "LOG_FILE_APPEND=False",
        )
        expected = board.board.expected()
    scrapy("export", "--format", "csv", "-o", str(EXPORTS / "demo.csv"))
    scrapy("export", "--format", "jsonl", "-o", str(EXPORTS / "demo.jsonl"))
    print(summary(json.loads(STATS.read_text()), expected))


if __name__ == "__main__":
    main()
