"""`scrapy siteprofile check|try`: check site profiles, or try one on a page before a crawl."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES

from jobcrawl.commands.options import refuse_yaml_cprofile

if TYPE_CHECKING:
    import argparse

    from jobcrawl.config.profiles import Profile
    from jobcrawl.extract.site import PageFound
    from jobcrawl.items import JobItem
    from jobcrawl.sitetry import FetchFailed, PageRead

ACTIONS = ("check", "try")
# The longest field name (contract_type): values start in one column.
_NAME_WIDTH = 13
# What a crawl does when the field's selector finds nothing.
_FALLBACKS = {"webindex": "the crawl hashes the canonical URL instead",
              "closing_date": "the crawl looks for a closing date in the description"}


class Command(ScrapyCommand):
    """Site profiles before a crawl: ``check`` them, or ``try`` one on one page.

    ``check PATH.yaml ...`` checks profiles exactly as ``scrapy crawl site`` does at
    start-up: "PATH: OK" or every error as "PATH: key: message"; exit 1 when a
    profile has errors. ``try PATH.yaml [URL | FILE]`` fetches one page through the
    crawler (robots.txt, User-Agent, downloader middlewares, Chromium when the
    profile renders it; nothing is stored) and prints what each selector found:
    the ad links and next page of a listing page, every field of an ad page, and a
    warning for each field that came out empty. Without a URL it tries the first
    start URL. A URL among the start URLs (or another page of one: the same
    path, another query) is read as a listing, any other as an ad page (--listing /
    --ad decide). Exit 1 with one line on stderr when the page
    cannot be fetched or read (or the profile has errors); 2 on a usage error.
    ``--json`` prints the result for scripts.
    """

    requires_project = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "check PATH.yaml [PATH.yaml ...] | try PATH.yaml [URL | FILE] [--listing | --ad]"

    def short_desc(self) -> str:
        return "Check site profiles, or try one on a page (fields, links, empty selectors)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--json", action="store_true", help="print JSON for scripts")
        kinds = parser.add_mutually_exclusive_group()
        kinds.add_argument("--listing", dest="kind", action="store_const", const="listing",
                           help="try: read the page as a listing page")
        kinds.add_argument("--ad", dest="kind", action="store_const", const="ad",
                           help="try: read the page as an ad page")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        refuse_yaml_cprofile(opts)
        if not args or args[0] not in ACTIONS or len(args) < 2:
            raise UsageError("give an action and at least one profile: check PATH.yaml ... "
                             "or try PATH.yaml [URL]")
        if args[0] == "try" and len(args) > 3:
            raise UsageError("try takes one profile and at most one URL or file")
        if args[0] == "check" and opts.kind:
            raise UsageError("--listing and --ad are options of try")
        assert self.settings is not None
        if args[0] == "try":
            # What went wrong is the one line the command prints; the crawler's own
            # log (robots.txt and retry tracebacks) only with -L or -s LOG_LEVEL.
            self.settings.set("LOG_ENABLED", True, priority="command")
            if self.settings.getpriority("LOG_LEVEL") < SETTINGS_PRIORITIES["cmdline"]:
                self.settings.set("LOG_LEVEL", "CRITICAL", priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args[0] == "check":
            self._check(args[1:], as_json=opts.json)
        else:
            self._try(args[1], args[2] if len(args) > 2 else None, opts)

    def _check(self, paths: list[str], *, as_json: bool) -> None:
        # Imported here: Scrapy imports every command module for every command.
        from jobcrawl.config.profiles import check_profile

        results = {path: check_profile(path) for path in paths}
        if as_json:
            print(json.dumps(results, indent=2))
        else:
            for path, errors in results.items():
                if not errors:
                    print(f"{path}: OK")
                for error in errors:
                    print(f"{path}: {error}")
        if any(results.values()):
            self.exitcode = 1

    def _try(self, path: str, target: str | None, opts: argparse.Namespace) -> None:
        from jobcrawl.config.profiles import ProfileError, load_profile
        from jobcrawl.sitetry import PageRead, TrySpider

        try:
            profile = load_profile(path)
        except ProfileError as exc:
            self._fail("\n".join(f"{path}: {error}" for error in exc.errors))
            return
        url = _target_url(target, profile.start_urls[0])
        kind = opts.kind or ("listing" if target is None or _is_listing(url, profile)
                             else "ad")
        if profile.renders(kind) and not url.startswith("file:") and not self._chromium():
            return
        assert self.crawler_process is not None
        crawler = self.crawler_process.create_crawler(TrySpider)
        self.crawler_process.crawl(crawler, profile=path, url=url, kind=kind)
        self.crawler_process.start()
        outcome = getattr(crawler.spider, "outcome", None)
        if self.crawler_process.bootstrap_failed or outcome is None:
            self._fail(f"{url}: the crawler did not start (-L INFO shows its log)")
        elif not isinstance(outcome, PageRead):
            self._fail(_fetch_error(outcome))
        elif opts.json:
            print(json.dumps(_as_json(outcome, profile), indent=2, ensure_ascii=False))
        else:
            print("\n".join(report_lines(outcome, profile)))

    def _chromium(self) -> bool:
        """False (after one line) when the profile renders the page and there is no Chromium."""
        from jobcrawl.spiders.site import use_browser

        assert self.settings is not None
        try:
            use_browser(self.settings.copy())
        except ValueError as exc:
            self._fail(str(exc))
            return False
        return True

    def _fail(self, message: str) -> None:
        print(f"scrapy siteprofile try: {message}", file=sys.stderr)
        self.exitcode = 1


def _target_url(target: str | None, default: str) -> str:
    """An http(s) or file URL; a path without a scheme is a saved page (file://)."""
    if target is None:
        return default
    if "://" not in target:
        return Path(target).resolve().as_uri()
    if urlsplit(target).scheme.lower() not in ("http", "https", "file"):
        raise UsageError(f"not an http(s) URL or a file: {target!r}", print_help=False)
    return target


def _is_listing(url: str, profile: Profile) -> bool:
    """A start URL, or another page of one (the same path with another query)."""
    page = urlsplit(url)[:3]
    return any(urlsplit(start)[:3] == page for start in profile.start_urls)


def _fetch_error(failed: FetchFailed) -> str:
    return f"cannot read {failed.url}: {failed.reason}"


def report_lines(read: PageRead, profile: Profile) -> list[str]:
    """What `siteprofile try` prints for a page that was read."""
    found = read.found
    how = "a saved page" if read.url.startswith("file:") else f"HTTP {read.status}"
    lines = [f"{found.kind} page {read.url} ({how})"]
    if found.kind == "listing":
        return lines + _listing_lines(found, profile)
    for field in found.fields:
        value = field.value if field.value is not None else "(empty)"
        first, *rest = value.split("\n")
        lines.append(f"  {field.name:<{_NAME_WIDTH}}  {first}")
        lines += [f"  {'':<{_NAME_WIDTH}}  {line}" if line else "" for line in rest]
    if read.item is not None:
        lines += ["as stored:", *_stored_lines(read.item)]
    for field in found.empty:
        fallback = f" ({_FALLBACKS[field.name]})" if field.name in _FALLBACKS else ""
        lines.append(f"warning: {field.name} is empty: {profile.fields[field.name]} "
                     f"{field.why_empty}{fallback}")
    if found.links and found.empty:
        lines.append(f"hint: listing.links finds {len(found.links)} ad link(s) here: "
                     "a listing page? (try it with --listing)")
    return lines


def _stored_lines(item: JobItem) -> list[str]:
    """The values a crawl derives from the fields: ids, dates, salary, terms."""
    closing = "none found"
    if item.closing_date is not None or item.closing_date_raw:
        day = item.closing_date.isoformat() if item.closing_date else "not a date"
        closing = f"{day} ({item.closing_date_source}: {item.closing_date_raw!r})"
    salary = "none"
    if item.salary_min is not None or item.salary_max is not None:
        # "24000-32000", or one figure when there is one (or both are the same).
        amounts = "-".join(dict.fromkeys(
            _amount(value) for value in (item.salary_min, item.salary_max) if value is not None))
        salary = " ".join(part for part in (amounts, item.salary_currency,
                                            f"per {item.salary_period}" if item.salary_period
                                            else None) if part)
    elif item.salary_raw:
        salary = f"not read from {item.salary_raw!r}"
    terms = ", ".join(term for term in (item.contract_type, item.contract_time) if term)
    values = {"webindex": item.webindex,
              "date_posted": item.date_posted.isoformat() if item.date_posted else "none",
              "closing_date": closing, "salary": salary, "contract": terms or "none"}
    return [f"  {name:<{_NAME_WIDTH}}  {value}" for name, value in values.items()]


def _amount(value: float) -> str:
    return f"{int(value)}" if value == int(value) else f"{value:.2f}"


def _listing_lines(found: PageFound, profile: Profile) -> list[str]:
    lines = [f"ad links (listing.links {profile.links}): {len(found.links)}"]
    lines += [f"  {link}" for link in found.links]
    if profile.next_page is None:
        lines.append("next page: none (the profile has no listing.next)")
    else:
        pages = ", ".join(found.next_pages) or "none (the last page?)"
        lines.append(f"next page (listing.next {profile.next_page}): {pages}")
    if not found.links:
        lines.append(f"warning: listing.links {profile.links} finds no ad links: a crawl "
                     "counts this page as listing_without_links (and expires nothing)")
    return lines


def _as_json(read: PageRead, profile: Profile) -> dict[str, Any]:
    found = read.found
    result: dict[str, Any] = {"url": read.url, "status": read.status, "kind": found.kind,
                              "links": list(found.links), "next_pages": list(found.next_pages)}
    if found.kind == "ad":
        result["fields"] = {field.name: field.value for field in found.fields}
        result["empty"] = {field.name: f"{profile.fields[field.name]} {field.why_empty}"
                           for field in found.empty}
    if read.item is not None:
        result["item"] = json.loads(json.dumps(dataclasses.asdict(read.item),
                                            default=lambda value: value.isoformat()))
    return result
