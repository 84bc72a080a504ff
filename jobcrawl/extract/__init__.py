"""Pure extraction: responses or parsed JSON in, JobItem fields out."""

from jobcrawl.extract.jobposting import source_for, to_item
from jobcrawl.extract.jsonld import Postings, extract_postings
from jobcrawl.extract.normalize import normalize_item

__all__ = ["Postings", "extract_postings", "normalize_item", "source_for", "to_item"]
