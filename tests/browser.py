"""Headless Chromium for browser tests: skipped where it is missing, failed where CI needs it.

    from tests.browser import chromium  # noqa: F401  (a pytest fixture)

    def test_js_board(chromium: str) -> None: ...
"""

from __future__ import annotations

import importlib.util
import os

import pytest

from tests.conftest import REQUIRE_SERVICES

CHROMIUM_PATH = os.environ.get("JOBCRAWL_CHROMIUM_PATH", "/usr/bin/chromium")


def chromium_problem(path: str = CHROMIUM_PATH) -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return f"Chromium is not installed at {path} (apt-get install chromium)"
    if importlib.util.find_spec("scrapy_playwright") is None:
        return "scrapy-playwright is not installed (pip install -r requirements.txt)"
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of Debian's Chromium, as JOBCRAWL_CHROMIUM_PATH (default /usr/bin/chromium)."""
    problem = chromium_problem()
    if problem is not None:
        if REQUIRE_SERVICES:
            pytest.fail(f"{problem} and JOBCRAWL_REQUIRE_SERVICES=1")
        pytest.skip(problem)
    return CHROMIUM_PATH
