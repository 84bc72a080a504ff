"""The components a crawl's other components share, looked up on the crawler by class."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

T = TypeVar("T")


def shared_component(crawler: Crawler, cls: type[T], needed_by: str) -> T:
    """The crawl's instance of the extension `cls`; RuntimeError naming it if it is not enabled.

    Call it when the component is used, not in an extension's from_crawler: Scrapy
    builds the extensions before any of them can be looked up.
    """
    component = crawler.get_extension(cls)
    if component is None:
        raise RuntimeError(f"{cls.__module__}.{cls.__qualname__} is not in EXTENSIONS: "
                           f"{needed_by} need it")
    return component
