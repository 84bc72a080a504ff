"""Scrapy settings and JOBCRAWL_* settings; the only place that reads the environment."""

from __future__ import annotations

import os

BOT_NAME = "jobcrawl"
SPIDER_MODULES = ["jobcrawl.spiders"]
NEWSPIDER_MODULE = "jobcrawl.spiders"
COMMANDS_MODULE = "jobcrawl.commands"

# Politeness: obey robots.txt, identify ourselves, and let AutoThrottle adapt the
# pace to each site. Users running against their own/local boards can turn these
# down with -s (the demo and the tests do).
ROBOTSTXT_OBEY = True
USER_AGENT = "jobcrawl/0.1 (research job-advert corpus crawler; set USER_AGENT to add your contact)"
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
# An ad page yields one item: Scrapy's default of 100 parallel output workers per
# response costs more to start than it ever runs in parallel.
CONCURRENT_ITEMS = 16
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

ITEM_PIPELINES = {
    "jobcrawl.pipelines.normalize.NormalizePipeline": 100,
    "jobcrawl.pipelines.validate.ValidatePipeline": 200,
    "jobcrawl.pipelines.dedupe.DedupePipeline": 300,
    "jobcrawl.pipelines.store.StorePipeline": 400,
}

FEED_EXPORTERS = {
    "jobcsv": "jobcrawl.exporters.JobCsvItemExporter",
    "jobjsonl": "jobcrawl.exporters.JobJsonLinesItemExporter",
}

# --- jobcrawl settings -------------------------------------------------------
JOBCRAWL_DATABASE_URL = os.environ.get("JOBCRAWL_DATABASE_URL", "sqlite:///jobcrawl.db")
# Upsert this many items per transaction.
JOBCRAWL_STORE_BATCH_SIZE = 500
# Read ambiguous numeric dates (03/04/2024) day first, as UK/EU boards write them.
JOBCRAWL_DATES_DAYFIRST = True

EXTENSIONS = {
    "jobcrawl.extensions.statsfile.StatsFile": 900,
}
# Write the final crawl stats as JSON to this path (off when empty).
JOBCRAWL_STATSFILE_PATH = ""

# API keys of the keyed job-board APIs (the reed and adzuna spiders fail at start-up
# without them). Kept out of logs and run records.
JOBCRAWL_REED_API_KEY = os.environ.get("JOBCRAWL_REED_API_KEY", "")
JOBCRAWL_ADZUNA_APP_ID = os.environ.get("JOBCRAWL_ADZUNA_APP_ID", "")
JOBCRAWL_ADZUNA_APP_KEY = os.environ.get("JOBCRAWL_ADZUNA_APP_KEY", "")
