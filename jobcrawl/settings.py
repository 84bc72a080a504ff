"""Scrapy settings and JOBCRAWL_* settings; the only place that reads the environment."""

from __future__ import annotations

import os

from jobcrawl.security.useragent import DEFAULT_USER_AGENT

BOT_NAME = "jobcrawl"
SPIDER_MODULES = ["jobcrawl.spiders"]
NEWSPIDER_MODULE = "jobcrawl.spiders"
COMMANDS_MODULE = "jobcrawl.commands"

# Politeness: obey robots.txt, identify ourselves, and let AutoThrottle adapt the
# pace to each site. Users running against their own/local boards can turn these
# down with -s (the demo and the tests do).
ROBOTSTXT_OBEY = True
# An email or URL for site owners to reach whoever runs the crawl: it goes into the
# default User-Agent, "jobcrawl/0.1 (+CONTACT; research job-advert corpus crawler)"
# (jobcrawl/security/useragent.py). A USER_AGENT you set yourself wins.
JOBCRAWL_CONTACT = os.environ.get("JOBCRAWL_CONTACT", "")
USER_AGENT = DEFAULT_USER_AGENT
ADDONS = {"jobcrawl.security.useragent.ContactUserAgent": 0}
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
# A server on this machine (localhost, 127.0.0.0/8, ::1) is the user's own: AutoThrottle
# leaves it alone unless this is True (see jobcrawl/downloader/throttle.py).
JOBCRAWL_THROTTLE_LOOPBACK = False
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
# An ad page yields one item: Scrapy's default of 100 parallel output workers per
# response costs more to start than it ever runs in parallel.
CONCURRENT_ITEMS = 16
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
# The per-page and per-item DEBUG lines are not even built above LOG_LEVEL DEBUG.
LOG_FORMATTER = "jobcrawl.tuning.logformatter.LevelAwareLogFormatter"
# Scrapy's in-memory stats without a hook on every attribute read (see jobcrawl/tuning/stats.py).
STATS_CLASS = "jobcrawl.tuning.stats.MemoryStats"
# Scrapy reads a generator callback's source with ast before each call to warn about a
# `return value`, caching the answer by the bound method, which dies with each request;
# jobcrawl's callbacks return none. With the check on, a crawl used 4.6% more CPU per page
# (2.075 against 1.961 ms, median of 6 rounds; with it off 1.927, as with callbacks bound
# once): `benchmarks/ab.py --ads 5000 --rounds 6 --nginx -v ours -v on
# WARN_ON_GENERATOR_RETURN_VALUE=True`.
WARN_ON_GENERATOR_RETURN_VALUE = False

ITEM_PIPELINES = {
    "jobcrawl.pipelines.normalize.NormalizePipeline": 100,
    "jobcrawl.pipelines.validate.ValidatePipeline": 200,
    "jobcrawl.pipelines.dedupe.DedupePipeline": 300,
    "jobcrawl.pipelines.store.StorePipeline": 400,
}

# Links to ads fetched within JOBCRAWL_RECRAWL_TTL are touched, not requested again.
SPIDER_MIDDLEWARES = {
    "jobcrawl.recrawl.middleware.RecrawlMiddleware": 550,
}

# Server faults (docs/reliability.md, "Server faults"). Retries wait (exponential
# backoff, or Retry-After) in the scheduler, not in the downloader; a Retry-After pauses
# the host's whole download slot; redirects offsite or to non-HTTP schemes are refused;
# oversized pages are refused by name.
SCHEDULER = "jobcrawl.downloader.delay.DelayingScheduler"
DOWNLOADER = "jobcrawl.downloader.pause.PausingDownloader"
# Requests that failed after their retries are missed: the run is incomplete. Outside
# RetryMiddleware (550) and RedirectMiddleware (600), so it sees final outcomes only.
DOWNLOADER_MIDDLEWARES = {
    "jobcrawl.runs.missed.MissedRequests": 540,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "jobcrawl.downloader.retry.BackoffRetryMiddleware": 550,
    "jobcrawl.downloader.sizelimit.SizeLimitMiddleware": 560,
    "jobcrawl.downloader.charset.FallbackEncodingMiddleware": 580,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "jobcrawl.downloader.redirect.SafeRedirectMiddleware": 600,
}
# Scrapy retries twice; backoff makes more attempts cheap for the server: 6 requests in
# all, spread over about 30 s with the default backoff.
RETRY_TIMES = 5
# Pages are kept in memory whole: 32 MiB is far above any job page (Scrapy's 1 GiB default
# is a memory risk). Feeds stream to disk and have their own limit, JOBCRAWL_FEED_MAXSIZE.
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024

FEED_EXPORTERS = {
    "jobcsv": "jobcrawl.export.feeds.JobCsvItemExporter",
    "jobjsonl": "jobcrawl.export.feeds.JobJsonLinesItemExporter",
}

# --- jobcrawl settings -------------------------------------------------------
JOBCRAWL_DATABASE_URL = os.environ.get("JOBCRAWL_DATABASE_URL", "sqlite:///jobcrawl.db")
# Upsert this many items per transaction.
JOBCRAWL_STORE_BATCH_SIZE = 500
# A batch write that fails because the database is locked or away is tried again this
# many times, waiting 1 s, 2 s, 4 s ... (at most 60 s) in between: about a minute in all.
JOBCRAWL_DATABASE_RETRIES = 6
JOBCRAWL_DATABASE_RETRY_DELAY = "1s"
# How long one SQLite attempt waits for another writer's lock.
JOBCRAWL_DATABASE_BUSY_TIMEOUT = "30s"
# Batches that still fail are kept here as <run id>.jsonl, for `scrapy import FILE`.
JOBCRAWL_DEADLETTER_DIR = "deadletter"
# Read ambiguous numeric dates (03/04/2024) day first, as UK/EU boards write them.
JOBCRAWL_DATES_DAYFIRST = True
# An ad page fetched within this time is not fetched again when a listing links it;
# its last_seen still moves. "7d", "12h", "30m", "3600" (seconds); 0: always refetch.
JOBCRAWL_RECRAWL_TTL = "7d"
# After a complete crawl of a source, mark the ads it no longer lists expired (unlisted).
JOBCRAWL_EXPIRE_UNLISTED = True

# Order matters. The crawl's database, its run, its recrawl marks and its miss log come
# first: the pipelines, the middlewares and the later extensions get them from the crawler.
# When a crawl closes, the recrawl marks are written (after the store pipeline has
# written everything), unlisted ads are expired, the monitors judge the crawl, the run
# record stores their verdict, then StatsFile writes the final stats.
EXTENSIONS = {
    # AutoThrottle, except for loopback hosts (jobcrawl/downloader/throttle.py).
    "scrapy.extensions.throttle.AutoThrottle": None,
    "jobcrawl.downloader.throttle.PoliteThrottle": 110,
    "jobcrawl.db.component.CrawlDatabase": 10,
    "jobcrawl.runs.state.CurrentRun": 20,
    "jobcrawl.recrawl.marks.RecrawlMarks": 30,
    "jobcrawl.runs.misslog.MissLog": 40,
    "jobcrawl.tuning.gctuning.GcTuning": 100,
    # Before the expiry, monitors and run record: their closing work is measured too.
    "jobcrawl.tuning.stalls.ReactorStalls": 105,
    "jobcrawl.recrawl.expiry.UnlistedExpiry": 750,
    "jobcrawl.health.extension.HealthMonitors": 800,
    "jobcrawl.runs.record.RunRecord": 850,
    "jobcrawl.runs.statsfile.StatsFile": 900,
}
# Take the heap built at start-up out of every garbage collection (gc.freeze): faster
# full collections at no memory cost.
JOBCRAWL_GC_FREEZE = True
# Allocations between young-generation collections; 0 keeps Python's 700. 10,000 cut
# the collector's time from 8% of a crawl to under 1% (jobcrawl/tuning/gctuning.py).
JOBCRAWL_GC_THRESHOLD = 10_000
# Missed requests and items of a run, one JSON line each, go to <this>/<run id>.jsonl
# (relative to the working folder; written only when something was missed).
JOBCRAWL_MISSED_DIR = "missed"
# Write the final crawl stats as JSON to this path (off when empty).
JOBCRAWL_STATSFILE_PATH = ""
# Record every crawl in the crawl_runs table (`scrapy runs` lists them).
JOBCRAWL_RUNS_ENABLED = True
# Health checks when a crawl closes; a failing one makes `scrapy crawl` exit 1.
JOBCRAWL_MONITORS_ENABLED = True
# Fewer ads stored (new + updated + unchanged) than this fails; 0: off.
JOBCRAWL_MONITOR_MIN_ITEMS = 1
# More ERROR log lines per request sent than this fails; None: off.
JOBCRAWL_MONITOR_MAX_ERROR_RATIO = 0.05
# JobItem field -> least share of the stored ads with it non-empty; {}: off.
JOBCRAWL_MONITOR_MIN_COVERAGE = {"description": 0.99}
# Fewer ads than MIN_HISTORY_RATIO x the median of the source's last HISTORY_RUNS
# ok runs fails (needs 3 earlier runs); 0: off.
JOBCRAWL_MONITOR_HISTORY_RUNS = 5
JOBCRAWL_MONITOR_MIN_HISTORY_RATIO = 0.5

# API keys of the keyed job-board APIs (the reed and adzuna spiders fail at start-up
# without them). Kept out of logs and run records.
JOBCRAWL_REED_API_KEY = os.environ.get("JOBCRAWL_REED_API_KEY", "")
JOBCRAWL_ADZUNA_APP_ID = os.environ.get("JOBCRAWL_ADZUNA_APP_ID", "")
JOBCRAWL_ADZUNA_APP_KEY = os.environ.get("JOBCRAWL_ADZUNA_APP_KEY", "")

# --- site spider: JavaScript boards through headless Chromium -----------------
# Only the site spider, and only for a profile with `render`, installs scrapy-playwright's
# download handler; even then only requests with meta playwright=True open the browser.
# Debian's Chromium (`apt-get install chromium`): `playwright install` cannot download
# browsers here. The spider adds JOBCRAWL_CHROMIUM_PATH as the launch executable_path.
JOBCRAWL_CHROMIUM_PATH = os.environ.get("JOBCRAWL_CHROMIUM_PATH", "/usr/bin/chromium")
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "headless": True,
    # No sandbox: Chromium refuses to start its sandbox as root (CI, containers).
    "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync"],
}
# Browser tabs at once; each one is a whole renderer process.
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000

# Folder for feed bodies streamed to disk (empty: the system temp folder).
JOBCRAWL_STREAM_TEMP_DIR = ""
# Pages that declare no charset (header, BOM, <meta>) and are not UTF-8 are read in this
# encoding, the web's fallback for English pages, rather than guessed; "": Scrapy's guess.
JOBCRAWL_FALLBACK_ENCODING = "cp1252"
# Largest feed body (bytes, after decoding) streamed to disk; pages use DOWNLOAD_MAXSIZE.
JOBCRAWL_FEED_MAXSIZE = 1024 * 1024 * 1024

# Retry n (1, 2, ...) of a transient failure waits BACKOFF_BASE x 2^(n-1), at most
# BACKOFF_MAX, jittered into the upper half of that step (durations: "1s", "0.5", "2m").
JOBCRAWL_RETRY_BACKOFF_BASE = "1s"
JOBCRAWL_RETRY_BACKOFF_MAX = "60s"
# A 429/503 whose Retry-After asks for longer than this is not waited for: it fails.
JOBCRAWL_RETRY_AFTER_MAX = "10m"
