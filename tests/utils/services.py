"""The machine's services (PostgreSQL, Redis, Chromium): skipped if missing, failed if required.

A test that needs a service it cannot reach is skipped with the reason, unless
JOBCRAWL_REQUIRE_SERVICES=1 (as CI sets it): then it fails, so a missing service
never passes unnoticed.
"""

from __future__ import annotations

import os
import socket

import pytest

POSTGRES_URL = os.environ.get(
    "JOBCRAWL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_SERVICES = os.environ.get("JOBCRAWL_REQUIRE_SERVICES") == "1"


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def unavailable(reason: str) -> None:
    """Skip the test for `reason`, or fail it when JOBCRAWL_REQUIRE_SERVICES=1."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} and JOBCRAWL_REQUIRE_SERVICES=1")
    pytest.skip(reason)


def require_port(name: str, host: str, port: int) -> None:
    """Skip (or fail, see `unavailable`) unless `name` listens on host:port."""
    if not port_open(host, port):
        unavailable(f"{name} is not reachable on {host}:{port}")
