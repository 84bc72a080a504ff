"""A local HTTP server that answers with recorded API responses (tests only).

    routes = {"/v1/boards/acme/jobs?content=true": Recorded.file(FIXTURES / "x.json")}
    with RecordedServer(routes) as server:
        server.url            # http://127.0.0.1:<port>
        server.requests       # every (path?query, headers) received, in order

A route key is a path plus an optional query; the query matches whatever the order of
its parameters. A request without a route gets the server's ``fallback`` answer, by default
a JSON 404 like a real API's. A route with
``require_auth`` answers 401 unless the request's Authorization header is exactly that
value (APIs with HTTP basic auth, such as Reed's).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from jobcrawl.demo.server import LocalServer, QuietHandler
from jobcrawl.items import JOB_FIELDS


def _key(target: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    parts = urlsplit(target)
    return parts.path, tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))


@dataclass(frozen=True)
class Recorded:
    body: bytes
    status: int = 200
    content_type: str = "application/json; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    require_auth: str | None = None

    @classmethod
    def file(cls, path: Path, **kwargs: Any) -> Recorded:
        if "content_type" not in kwargs and path.suffix == ".xml":
            kwargs["content_type"] = "application/xml; charset=utf-8"
        return cls(path.read_bytes(), **kwargs)

    @classmethod
    def text(cls, text: str, **kwargs: Any) -> Recorded:
        return cls(text.encode("utf-8"), **kwargs)


NOT_FOUND = Recorded(b'{"error": "not found"}', status=404)


@dataclass
class Received:
    target: str
    headers: dict[str, str] = field(default_factory=dict)


class RecordedServer(LocalServer):
    def __init__(self, routes: dict[str, Recorded], host: str = "127.0.0.1",
                 fallback: Recorded = NOT_FOUND) -> None:
        self.routes = {_key(target): answer for target, answer in routes.items()}
        self.fallback = fallback
        self.requests: list[Received] = []
        super().__init__(host)

    def hits(self, path: str) -> int:
        """How many requests asked for `path` (any query)."""
        return sum(urlsplit(r.target).path == path for r in self.requests)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                server.requests.append(Received(self.path, dict(self.headers.items())))
                answer = server.routes.get(_key(self.path)) or server.fallback
                if answer.require_auth is not None and (
                    self.headers.get("Authorization") != answer.require_auth
                ):
                    answer = Recorded(b'{"message": "Authorization has been denied"}',
                                      status=401)
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(answer.body)

        return Handler


def crawl_api(spider: str, *args: str, db_url: str, tmp_path: Path,
              env: dict[str, str] | None = None) -> tuple[int, dict[str, Any], str]:
    """Run `scrapy crawl <spider> <args>` in a subprocess; (exit code, final stats, stderr)."""
    import json

    from tests.conftest import run_scrapy

    stats_path = tmp_path / f"stats-{spider}-{len(list(tmp_path.iterdir()))}.json"
    result = run_scrapy(
        "crawl", spider, *args,
        "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", f"JOBCRAWL_DATABASE_URL={db_url}",
        "-s", f"JOBCRAWL_STATSFILE_PATH={stats_path}",
        env=env,
    )
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    return result.returncode, stats, result.stderr


def as_json(item: Any) -> dict[str, Any]:
    """A JobItem as a dict with ISO dates, to compare with expected JSON."""
    return {key: v.isoformat() if isinstance(v, date) else v for key, v in asdict(item).items()}


def row_fields(row: dict[str, Any], *extra: str) -> dict[str, Any]:
    """A stored row's JobItem columns (without the crawl-time scraped_at), plus `extra`."""
    return {name: row[name] for name in [*JOB_FIELDS, *extra] if name != "scraped_at"}


def stored_rows(db_url: str) -> list[dict[str, Any]]:
    """Every row of the jobs table, ordered by (source, webindex)."""
    from sqlalchemy import text

    from jobcrawl.db.engine import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            result = conn.execute(text("SELECT * FROM jobs ORDER BY source, webindex"))
            return [dict(row._mapping) for row in result]
    finally:
        engine.dispose()


def expired_ads(db_url: str) -> dict[str, tuple[str, str]]:
    """{webindex: (expiry_reason, expiry_evidence)} of the stored ads that have expired."""
    return {row["webindex"]: (row["expiry_reason"], row["expiry_evidence"])
            for row in stored_rows(db_url) if row["expired_at"] is not None}
