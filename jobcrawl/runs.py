"""The crawl run: one id per crawl, its arguments with secrets masked, and what it stored.

Every jobcrawl component that needs to know "which run is this" asks here, so
that the store pipeline (jobs.last_run), the run record (crawl_runs.id) and the
health monitors agree on one id and one source.
"""

from __future__ import annotations

import json
import math
import re
import resource
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy import signals
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.utils.spider import DefaultSpider

from jobcrawl.failures import failures
from jobcrawl.items import JOB_FIELDS, JobItem

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

COVERAGE_PREFIX = "jobcrawl/coverage/"
MASK = "***"
SOURCE_LENGTH = 255  # crawl_runs.source
_STATE_ATTR = "jobcrawl_run"
# Words of an argument or setting name that mark its value as a secret. Whole words,
# so that `keywords` (reed) stays readable while `api_key`, `apiKey` and `app_key` do not.
_SECRET_SUFFIXES = ("key", "keys", "token", "tokens", "secret", "secrets", "password",
                    "passwd", "pwd", "auth", "credential", "credentials")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s,]+")
# Built once: the coverage counter runs for every stored item.
_ITEMS_KEY = f"{COVERAGE_PREFIX}items"
_COVERAGE_KEYS = {name: f"{COVERAGE_PREFIX}{name}" for name in JOB_FIELDS}


@dataclass
class RunState:
    """What jobcrawl knows about the crawl in progress, kept on its Crawler.

    run_id: uuid4 hex, made once. arguments: the spider arguments as given
    (`-a name=value`, unmasked), None when the crawl was not started by
    jobcrawl's `scrapy crawl`. sources: stored items per JobItem.source.
    monitor_results: the health checks' results once the crawl has closed.
    """

    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    arguments: dict[str, Any] | None = None
    sources: Counter[str] = field(default_factory=Counter)
    monitor_results: list[dict[str, Any]] | None = None
    counter: StoredItems | None = field(default=None, repr=False)


def run_state(crawler: Crawler) -> RunState:
    """The crawl's RunState, created on first use."""
    state = getattr(crawler, _STATE_ATTR, None)
    if state is None:
        state = RunState()
        setattr(crawler, _STATE_ATTR, state)
    return state


def run_id(crawler: Crawler) -> str:
    """This crawl's id: jobs.last_run, crawl_runs.id and the stats' jobcrawl/*/run_id."""
    return run_state(crawler).run_id


def remember_arguments(crawler: Crawler, arguments: Mapping[str, Any]) -> None:
    """Keep the spider arguments of a crawl for its run record (called by `scrapy crawl`)."""
    run_state(crawler).arguments = dict(arguments)


def track_stored_items(crawler: Crawler) -> None:
    """Count every item that passed all pipelines, once per crawl whoever asks.

    Stats: jobcrawl/coverage/items (items stored) and jobcrawl/coverage/<field>
    (those with the JobItem field non-empty); the sources go to RunState.sources.
    """
    state = run_state(crawler)
    if state.counter is not None:
        return
    assert crawler.stats is not None
    counter = StoredItems(crawler.stats, state)
    # The state keeps the counter alive: Scrapy holds signal receivers weakly.
    state.counter = counter
    crawler.signals.connect(counter.spider_opened, signal=signals.spider_opened)
    crawler.signals.connect(counter.item_scraped, signal=signals.item_scraped)


class StoredItems:
    """Counts the items that passed every pipeline (Scrapy's item_scraped signal)."""

    def __init__(self, stats: StatsCollector, state: RunState) -> None:
        self.stats = stats
        self.state = state

    def spider_opened(self) -> None:
        # Every key present from the start, so reports read zeros, not gaps.
        for name in ("items", *JOB_FIELDS):
            self.stats.set_value(f"{COVERAGE_PREFIX}{name}", 0)

    def item_scraped(self, item: Any) -> None:
        values = _field_values(item)
        inc_value = self.stats.inc_value
        inc_value(_ITEMS_KEY)
        for name, key in _COVERAGE_KEYS.items():
            value = values.get(name)
            if value is not None and value != "":
                inc_value(key)
        if values.get("source"):
            self.state.sources[str(values["source"])] += 1


def _field_values(item: Any) -> Mapping[str, Any]:
    if isinstance(item, JobItem):
        return vars(item)  # a plain dataclass: its fields, without copying
    if isinstance(item, Mapping):
        return {name: item.get(name) for name in JOB_FIELDS}
    return {name: getattr(item, name, None) for name in JOB_FIELDS}


def coverage_counts(stats: Mapping[str, Any]) -> tuple[int, dict[str, int]]:
    """(items stored, {field: items with it non-empty}) from the coverage stats."""
    items = int(stats.get(f"{COVERAGE_PREFIX}items", 0) or 0)
    return items, {name: int(stats.get(f"{COVERAGE_PREFIX}{name}", 0) or 0)
                   for name in JOB_FIELDS}


def is_crawl(spider: Any) -> bool:
    """False for the stand-in spider of `scrapy fetch`, `shell` and `view`: not a crawl run."""
    return not isinstance(spider, DefaultSpider)


def run_source(spider: Any, sources: Mapping[str, int]) -> str | None:
    """The spider's `source` attribute, else the sources of the items it stored.

    API spiders name their one source up front (`greenhouse:acme`). The
    jobposting spider's source is per site (`jobposting:<host>`), so it is read
    from the stored items: several are joined by commas, in order. A crawl that
    stored nothing, of a spider kept to one domain, is `<spider>:<domain>` (how
    the jobposting spider names its sources); otherwise None.
    """
    declared = getattr(spider, "source", None)
    if isinstance(declared, str) and declared:
        return declared[:SOURCE_LENGTH]
    if not sources:
        domains = getattr(spider, "allowed_domains", None) or []
        if len(domains) == 1 and domains[0]:
            return f"{spider.name}:{domains[0]}"[:SOURCE_LENGTH]
        return None
    joined = ",".join(sorted(sources))
    if len(joined) > SOURCE_LENGTH:
        joined = joined[:SOURCE_LENGTH - 1] + "…"
    return joined


# --- secrets ------------------------------------------------------------------

def is_secret_name(name: str) -> bool:
    """True for names like api_key, apiKey, app_key, token, client_secret, password, auth."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
    for word in re.split(r"[^a-z0-9]+", spaced):
        if word.endswith(_SECRET_SUFFIXES):
            return True
        if word.startswith("auth") and word not in ("author", "authors"):
            return True
    return False


def mask_url(url: str) -> str:
    """`url` with the password of its user info and secret query values masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user, has_password, _ = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{host}" if has_password else netloc
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(is_secret_name(name) for name, _ in pairs):
        query = urlencode([(name, MASK if is_secret_name(name) else value)
                           for name, value in pairs], safe="*")
    if (netloc, query) == (parts.netloc, parts.query):
        # Rebuilt only when something is masked: urlunsplit would turn sqlite:////abs
        # into sqlite://abs, and other URLs must stay byte for byte.
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def mask_text(text: str) -> str:
    """Every URL inside `text` (e.g. a comma-separated list) passed through mask_url."""
    return _URL.sub(lambda match: mask_url(match.group()), text)


def mask_value(name: str, value: Any) -> Any:
    """A JSON-safe value for the run record: secrets by name masked, URLs' credentials too."""
    if is_secret_name(name):
        return MASK
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {str(key): mask_value(str(key), item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(name, item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return mask_text(str(value))


def masked(values: Mapping[str, Any]) -> dict[str, Any]:
    """A mapping of arguments or settings with every secret masked."""
    return {str(name): mask_value(str(name), value) for name, value in values.items()}


def command_line_settings(settings: BaseSettings) -> dict[str, Any]:
    """The settings given on the command line (`-s NAME=VALUE`), masked."""
    cmdline = SETTINGS_PRIORITIES["cmdline"]
    given = {name: settings[name] for name in settings
             if settings.getpriority(name) == cmdline}
    return masked(dict(sorted(given.items())))


# --- figures ------------------------------------------------------------------

@dataclass(frozen=True)
class RunFigures:
    """The numbers of a crawl, read from its Scrapy stats.

    errors counts ERROR log lines (Scrapy logs every spider exception, every
    download that failed after its retries and every HTTP error an API spider
    meets at ERROR), minus the monitors' own alerts.
    """

    items_new: int = 0
    items_updated: int = 0
    items_unchanged: int = 0
    items_touched: int = 0
    items_dropped: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    responses: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    peak_memory: int | None = None
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def items_stored(self) -> int:
        """Ads in the database after this crawl: new + updated + unchanged."""
        return self.items_new + self.items_updated + self.items_unchanged

    @property
    def items_seen(self) -> int:
        """Ads this crawl saw: stored, or touched (listed within the recrawl TTL, not refetched)."""
        return self.items_stored + self.items_touched

    @classmethod
    def from_stats(cls, stats: Mapping[str, Any]) -> RunFigures:
        def number(key: str) -> int:
            return int(stats.get(key, 0) or 0)

        return cls(
            items_new=number("jobcrawl/store/new"),
            items_updated=number("jobcrawl/store/updated"),
            items_unchanged=number("jobcrawl/store/unchanged"),
            items_touched=number("jobcrawl/store/touched"),
            items_dropped=number("item_dropped_count"),
            dropped=_by_suffix(stats, "item_dropped_reasons_count/"),
            requests=number("downloader/request_count"),
            responses=_by_suffix(stats, "downloader/response_status_count/"),
            errors=max(0, number("log_count/ERROR") - number("jobcrawl/monitor/failed")),
            peak_memory=_peak_memory(stats),
            failures=failures(stats),
        )


def _by_suffix(stats: Mapping[str, Any], prefix: str) -> dict[str, int]:
    return {key.removeprefix(prefix): int(value) for key, value in sorted(stats.items())
            if key.startswith(prefix)}


def _peak_memory(stats: Mapping[str, Any]) -> int | None:
    """memusage/max, or the process's peak resident size now if that is higher (bytes)."""
    # Scrapy's MemoryUsage samples once a minute: a short crawl's peak comes after it.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    recorded = stats.get("memusage/max")
    return max(peak, int(recorded)) if recorded is not None else peak


def json_safe(value: Any) -> Any:
    """`value` as plain JSON types: dates and datetimes as ISO 8601 strings, the rest str().

    NaN and infinities become None: PostgreSQL's JSON types refuse them.
    """
    return _finite(json.loads(json.dumps(value, default=_json_default, sort_keys=True)))


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def _json_default(value: object) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)
