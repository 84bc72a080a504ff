"""jobcrawl: research-grade corpora of job adverts, built with Scrapy."""

__version__ = "0.1.0"
