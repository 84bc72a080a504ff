"""Crawl-process tuning that earns its place: GC, the stats collector, the log formatter."""
