"""GC tuning extension: frozen start-up heap, optional threshold, restored afterwards."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from jobcrawl.tuning.gctuning import DEFAULT_THRESHOLD, GcTuning


@pytest.fixture(autouse=True)
def untouched_collector() -> Iterator[None]:
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def _tuning(**settings: Any) -> tuple[GcTuning, Any]:
    crawler = get_crawler(settings_dict=settings)
    return GcTuning.from_crawler(crawler), crawler


def test_engine_start_freezes_the_heap_and_stop_releases_it() -> None:
    before = gc.get_threshold()
    _, crawler = _tuning()
    crawler.signals.send_catch_log(signals.engine_started)
    assert gc.get_freeze_count() > 1000
    assert gc.get_threshold() == (DEFAULT_THRESHOLD, before[1], before[2])
    crawler.signals.send_catch_log(signals.engine_stopped)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_threshold_setting_sets_the_first_generation_and_is_restored() -> None:
    before = gc.get_threshold()
    _, crawler = _tuning(JOBCRAWL_GC_THRESHOLD="5000", JOBCRAWL_GC_FREEZE=False)
    crawler.signals.send_catch_log(signals.engine_started)
    assert gc.get_threshold() == (5000, before[1], before[2])
    assert gc.get_freeze_count() == 0
    crawler.signals.send_catch_log(signals.engine_stopped)
    assert gc.get_threshold() == before


def test_crawlers_sharing_a_process_restore_after_the_last_one() -> None:
    before = gc.get_threshold()
    _, first = _tuning(JOBCRAWL_GC_THRESHOLD=3000)
    _, second = _tuning(JOBCRAWL_GC_THRESHOLD=3000)
    first.signals.send_catch_log(signals.engine_started)
    second.signals.send_catch_log(signals.engine_started)
    first.signals.send_catch_log(signals.engine_stopped)
    assert gc.get_threshold()[0] == 3000
    assert gc.get_freeze_count() > 0
    second.signals.send_catch_log(signals.engine_stopped)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_both_off_is_not_configured() -> None:
    with pytest.raises(NotConfigured, match="JOBCRAWL_GC_FREEZE"):
        _tuning(JOBCRAWL_GC_FREEZE="false", JOBCRAWL_GC_THRESHOLD=0)


@pytest.mark.parametrize(("name", "value"), [
    ("JOBCRAWL_GC_THRESHOLD", "-1"),
    ("JOBCRAWL_GC_THRESHOLD", "fast"),
    ("JOBCRAWL_GC_THRESHOLD", True),
    ("JOBCRAWL_GC_FREEZE", "sometimes"),
])
def test_bad_settings_fail_naming_the_setting(name: str, value: Any) -> None:
    with pytest.raises(ValueError, match=name):
        _tuning(**{name: value})


def test_threshold_zero_keeps_pythons_own() -> None:
    before = gc.get_threshold()
    _, crawler = _tuning(JOBCRAWL_GC_THRESHOLD=0)
    crawler.signals.send_catch_log(signals.engine_started)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() > 1000
    crawler.signals.send_catch_log(signals.engine_stopped)


def test_project_default_is_the_measured_threshold() -> None:
    assert get_project_settings().getint("JOBCRAWL_GC_THRESHOLD") == DEFAULT_THRESHOLD == 10_000
