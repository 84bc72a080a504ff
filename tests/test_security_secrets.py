"""No credential anywhere: logs at DEBUG, output, run history, reports, manifests, exports.

One PostgreSQL password, two API keys and a proxy's credentials that are easy to grep
for go through every command a user runs (db upgrade, crawls of three spiders, runs,
report, export with manifests), on a working database and on one that refuses the
connection; then every byte they printed or wrote, and every crawl_runs row, is
searched for them (and for the base64 forms HTTP authentication headers would carry).
"""

from __future__ import annotations

import base64
import json
import socket
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from jobcrawl.demo.server import DemoBoard
from tests.utils.scrapy import run_scrapy

SECRET = "s3cret-PW-grepme"
DB_PASSWORD = f"db-{SECRET}"
REED_KEY = f"reed-{SECRET}"
ADZUNA_ID = f"adzid-{SECRET}"
ADZUNA_KEY = f"adzkey-{SECRET}"
PROXY_USER, PROXY_PASSWORD = "crawler", f"proxy-{SECRET}"
# What HTTP basic authentication would send: Reed's key as the user, the proxy's pair.
ENCODED = [base64.b64encode(pair.encode()).decode() for pair in
           (f"{REED_KEY}:", f"{PROXY_USER}:{PROXY_PASSWORD}")]


def closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def with_password(url: str, password: str) -> str:
    # The trust authentication of the test server accepts any password.
    return url.replace("postgres@", f"postgres:{password}@", 1)


@pytest.fixture(scope="module")
def board() -> DemoBoard:
    with DemoBoard(n_ads=12, per_page=6) as demo:
        yield demo


def test_no_credential_in_any_output(postgres_url: str, board: DemoBoard,
                                     tmp_path: Path) -> None:
    database = with_password(postgres_url, DB_PASSWORD)
    refused = f"postgresql+psycopg://postgres:{DB_PASSWORD}@127.0.0.1:{closed_port()}/test"
    keys = ["-s", f"JOBCRAWL_REED_API_KEY={REED_KEY}",
            "-s", f"JOBCRAWL_ADZUNA_APP_ID={ADZUNA_ID}",
            "-s", f"JOBCRAWL_ADZUNA_APP_KEY={ADZUNA_KEY}"]
    proxy = f"http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:{closed_port()}"
    output: list[str] = []
    logs = tmp_path / "logs"
    logs.mkdir()

    def scrapy(name: str, *args: str, url: str = database, env: dict[str, str] | None = None,
               codes: tuple[int, ...] = (0,)) -> None:
        result = run_scrapy(*args, "-s", f"JOBCRAWL_DATABASE_URL={url}",
                            "-s", "LOG_LEVEL=DEBUG", "-s", f"LOG_FILE={logs / name}.log",
                            "-s", f"JOBCRAWL_STATSFILE_PATH={logs / name}.stats.json",
                            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=1",
                            # Missed-URL and dead-letter files are searched too.
                            "-s", f"JOBCRAWL_MISSED_DIR={tmp_path / 'missed'}",
                            "-s", f"JOBCRAWL_DEADLETTER_DIR={tmp_path / 'deadletter'}",
                            *keys, env=env)
        output.extend((result.stdout, result.stderr))
        assert result.returncode in codes, (name, result.stderr[-3000:])

    scrapy("upgrade", "db", "upgrade")
    scrapy("jobposting", "crawl", "jobposting", "-a", f"url={board.url}/jobs")
    # The board has no API: 404s, with the keys in Adzuna's query string.
    scrapy("adzuna", "crawl", "adzuna", "-a", "country=gb", "-a", "what=nurse",
           "-a", f"base_url={board.url}", codes=(1,))
    # Through a proxy with credentials that refuses the connection.
    # The refused pages are missed (incomplete, exit 3) and listed in the missed file.
    scrapy("reed", "crawl", "reed", "-a", "keywords=nurse", "-a", f"base_url={board.url}",
           env={"http_proxy": proxy, "HTTPS_PROXY": proxy}, codes=(3,))
    scrapy("runs", "runs")
    scrapy("runs-json", "runs", "--json")
    scrapy("report", "report", "-o", str(tmp_path / "report.html"))
    for fmt in ("csv", "jsonl", "jobposting"):
        scrapy(f"export-{fmt}", "export", "--format", fmt,
               "-o", str(tmp_path / "exports" / f"jobs.{fmt}"))
    scrapy("export-corpus", "export", "--format", "corpus", "-o", str(tmp_path / "corpus"))
    # The same commands on a database that refuses the connection.
    for name, *args in (("bad-upgrade", "db", "upgrade"), ("bad-current", "db", "current"),
                        ("bad-crawl", "crawl", "jobposting", "-a", f"url={board.url}/jobs"),
                        ("bad-runs", "runs"),
                        ("bad-report", "report", "-o", str(tmp_path / "bad.html")),
                        ("bad-export", "export", "-o", str(tmp_path / "bad.csv"))):
        scrapy(name, *args, url=refused, codes=(1,))

    assert (tmp_path / "exports" / "jobs.csv.manifest.json").exists()
    assert (tmp_path / "report.html").exists()
    assert list((tmp_path / "missed").iterdir())  # the reed crawl's missed URLs, searched below
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        runs = [dict(row._mapping) for row in conn.execute(text("SELECT * FROM crawl_runs"))]
    engine.dispose()
    assert {run["spider"] for run in runs} == {"jobposting", "adzuna", "reed"}
    # The command-line settings are recorded, masked (so the check below reads them).
    assert all("JOBCRAWL_ADZUNA_APP_KEY" in run["settings"] for run in runs)

    texts = {f"output {n}": chunk for n, chunk in enumerate(output)}
    texts.update({f"crawl_runs {run['id']}": json.dumps(run, default=str) for run in runs})
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert len(files) > 20
    texts.update({str(path): path.read_bytes().decode("utf-8", "replace") for path in files})
    leaks = [(where, content[max(0, at - 150):at + 40]) for where, content in texts.items()
             for needle in (SECRET, *ENCODED) if (at := content.find(needle)) >= 0]
    assert leaks == []
