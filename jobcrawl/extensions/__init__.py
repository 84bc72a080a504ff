"""Scrapy extensions: run recording and health monitors."""
