"""`scrapy profile`: the old name of `scrapy siteprofile`, kept working with a note."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from jobcrawl.commands.siteprofile import Command as SiteProfileCommand

if TYPE_CHECKING:
    import argparse

DEPRECATION = ("scrapy profile is deprecated: use scrapy siteprofile (the same actions); "
               "the old name is easily mixed up with Scrapy's --profile option, which "
               "writes cProfile stats\n")


class Command(SiteProfileCommand):
    """`scrapy siteprofile` under its old name; a deprecation note goes to stderr first."""

    def short_desc(self) -> str:
        return "Deprecated name of siteprofile (clashes with Scrapy's --profile option)"

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        sys.stderr.write(DEPRECATION)
        super().process_options(args, opts)
