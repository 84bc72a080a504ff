"""Spiders: navigation only; fields come from jobcrawl.extract."""
