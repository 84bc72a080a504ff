"""Option values shared by several commands, checked the same way (UsageError names them)."""

from __future__ import annotations

import difflib
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.exceptions import UsageError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Collection


def date_option(value: str | None, option: str) -> date | None:
    """An ISO date option (`--since 2026-03-01`); None when it was not given."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def did_you_mean(value: str, choices: Collection[str]) -> str:
    """", did you mean 'x'?" for the choice closest to a mistyped `value`, else ""."""
    close = difflib.get_close_matches(value, list(choices), n=1)
    return f", did you mean {close[0]!r}?" if close else ""


def refuse_yaml_cprofile(opts: argparse.Namespace) -> None:
    """UsageError for ``--profile X.yaml``: Scrapy's --profile would overwrite that file.

    Scrapy's global --profile FILE runs the command under cProfile and writes its
    stats to FILE; a user who means a site profile would lose the YAML file.
    """
    path = getattr(opts, "profile", None)
    if path and Path(path).suffix.lower() in (".yaml", ".yml"):
        raise UsageError(
            f"--profile {path}: Scrapy's --profile option writes cProfile stats to FILE and "
            f"would overwrite this YAML file; give a site profile as -a profile={path} "
            f"(scrapy crawl site) or as an argument (scrapy siteprofile try {path})",
            print_help=False)
