"""`scrapy profile check PATH.yaml ...`: validate site profiles and list every error."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

if TYPE_CHECKING:
    import argparse

ACTIONS = ("check",)


class Command(ScrapyCommand):
    """Checks profiles exactly as ``scrapy crawl site`` does at start-up, without crawling.

    Prints "OK" or every error as "PATH: key: message"; exit code 1 when a profile has
    errors, 2 on a usage error. ``--json`` prints {path: [errors]} for scripts.
    """

    requires_project = False
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "check PATH.yaml [PATH.yaml ...] [--json]"

    def short_desc(self) -> str:
        return "Check site profiles for the site spider and list every error"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--json", action="store_true", help="print JSON for scripts")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) < 2 or args[0] not in ACTIONS:
            raise UsageError("give an action and at least one profile: check PATH.yaml ...")
        # Imported here: Scrapy imports every command module for every command.
        from jobcrawl.config.profiles import check_profile

        results = {path: check_profile(path) for path in args[1:]}
        if opts.json:
            print(json.dumps(results, indent=2))
        else:
            for path, errors in results.items():
                if not errors:
                    print(f"{path}: OK")
                for error in errors:
                    print(f"{path}: {error}")
        if any(results.values()):
            self.exitcode = 1
