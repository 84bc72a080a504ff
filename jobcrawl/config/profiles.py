"""Site profiles: a job board described in YAML, loaded and checked into a frozen Profile.

A profile says where a board's listings start, which links on a listing page lead to
ads and to the next page, and where each JobItem field sits on an ad page::

    name: demo-html                   # the source is "site:demo-html" unless `source` is given
    start_urls: [http://127.0.0.1:8765/html/jobs]
    dayfirst: true                    # 03/04/2026 is 3 April (default: JOBCRAWL_DATES_DAYFIRST)
    max_pages: 100                    # listing pages at most (optional)
    listing:
      links: "css:a.job-link"         # an element's href, or a string (::attr(), @href)
      next: "css:a.next"
    fields:
      title: "css:h1"
      description: "css:.description"            # every match, as paragraphs of text
      closing_date: {css: ".closing", regex: 'Closing date:\\s*(.+)'}
      date_posted: {css: ".posted time", attr: datetime}
    render: {listing: true, ad: false}            # or true / false for every page
    wait_for: "css:#job-list a.job-link"          # or {listing: ..., ad: ...}
    wait_timeout: 15                              # seconds

A selector is a string ("css:..." / "xpath:..."; no prefix means CSS) or a mapping with
exactly one of ``css`` / ``xpath`` plus ``regex`` (keep its first group, else the whole
match), ``attr`` (an attribute instead of the text) and ``join`` (join every match with
this string instead of taking the first). Checking reports every error with its key
path (``fields.title.css: invalid CSS selector ...``), never only the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import yaml
from cssselect import SelectorError
from parsel import Selector

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

FIELDS = ("webindex", "title", "company", "location", "category", "description", "salary",
          "closing_date", "date_posted", "contract_type", "contract_time")
REQUIRED_FIELDS = ("title", "description")
PAGE_KINDS = ("listing", "ad")
TOP_KEYS = ("name", "source", "start_urls", "listing", "fields", "dayfirst", "render",
            "wait_for", "wait_timeout", "max_pages")
LISTING_KEYS = ("links", "next")
SELECTOR_KEYS = ("css", "xpath", "regex", "attr", "join")
DEFAULT_WAIT_TIMEOUT = 15.0
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_PREFIXES = {"css:": "css", "xpath:": "xpath"}
# Selectors are checked by running them once on an empty page: parsel raises on what
# cssselect or lxml cannot compile, including unknown pseudo-elements and functions.
_PROBE = Selector(text="<html><body></body></html>")


class ProfileError(ValueError):
    """A profile that cannot be used; ``errors`` lists every problem as "key: message"."""

    def __init__(self, path: str, errors: list[str]) -> None:
        self.path = path
        self.errors = list(errors)
        listed = "\n".join(f"  {error}" for error in self.errors)
        super().__init__(f"argument profile: {path} has {len(self.errors)} error(s):\n{listed}")


@dataclass(frozen=True)
class SelectorSpec:
    """Where a value sits on a page, and how to clean it."""

    kind: Literal["css", "xpath"]
    query: str
    regex: re.Pattern[str] | None = None
    attr: str | None = None
    join: str | None = None

    @property
    def browser_selector(self) -> str:
        """The selector in Playwright's syntax ("css=..." / "xpath=...")."""
        return f"{self.kind}={self.query}"


@dataclass(frozen=True)
class Profile:
    """A checked site profile (see the module docstring for the YAML)."""

    name: str
    source: str
    start_urls: tuple[str, ...]
    links: SelectorSpec
    next_page: SelectorSpec | None
    fields: Mapping[str, SelectorSpec]
    dayfirst: bool | None = None
    render: frozenset[str] = frozenset()
    wait_for: Mapping[str, SelectorSpec] = field(default_factory=lambda: MappingProxyType({}))
    wait_timeout: float = DEFAULT_WAIT_TIMEOUT
    max_pages: int | None = None

    def renders(self, kind: str) -> bool:
        """True when pages of this kind ("listing" or "ad") are loaded in a browser."""
        return kind in self.render


def load_profile(path: str | Path) -> Profile:
    """The profile in a YAML file; ProfileError listing every problem otherwise."""
    data, problems = _read(Path(path))
    if data is None and problems:  # unreadable, or not YAML at all: nothing to check
        raise ProfileError(str(path), problems)
    return parse_profile(data, str(path), problems)


def check_profile(path: str | Path) -> list[str]:
    """Every problem of a profile file as "key: message" ([] when it is usable)."""
    try:
        load_profile(path)
    except ProfileError as exc:
        return exc.errors
    return []


def parse_profile(data: Any, origin: str = "<profile>", problems: Sequence[str] = ()) -> Profile:
    """A Profile from already-parsed YAML; ProfileError listing every problem otherwise.

    `problems` found while reading (duplicate keys) come first in the list.
    """
    checker = _Checker()
    checker.errors.extend(problems)
    profile = checker.profile(data)
    if checker.errors or profile is None:
        raise ProfileError(origin, checker.errors)
    return profile


# --- reading -----------------------------------------------------------------

class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that remembers duplicate keys instead of keeping the last one silently."""

    duplicates: list[str]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if isinstance(key, str) and key in seen:
                line = key_node.start_mark.line + 1
                self.duplicates.append(f"line {line}: duplicate key {key!r}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read(path: Path) -> tuple[Any, list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"(file): cannot read {path}: {exc}"]
    loader = _StrictLoader(text)
    loader.duplicates = []
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [f"(yaml): {where}{problem}"]
    finally:
        loader.dispose()
    return data, [f"(yaml): {duplicate}" for duplicate in loader.duplicates]


# --- checking ----------------------------------------------------------------

class _Checker:
    """Builds a Profile while collecting every error; returns None for unusable parts."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, key: str, message: str) -> None:
        self.errors.append(f"{key}: {message}")

    def profile(self, data: Any) -> Profile | None:
        if not isinstance(data, dict):
            self.error("(profile)", "must be a YAML mapping of keys such as name, start_urls, "
                       "listing, fields")
            return None
        self._unknown(data, TOP_KEYS, "")
        name = self._name(data.get("name"))
        source = self._source(data.get("source"))
        start_urls = self._start_urls(data.get("start_urls"))
        links, next_page = self._listing(data.get("listing"))
        fields = self._fields(data.get("fields"))
        dayfirst = self._bool(data.get("dayfirst"), "dayfirst")
        render = self._render(data.get("render"))
        wait_for = self._wait_for(data.get("wait_for"), render)
        wait_timeout = self._number(data.get("wait_timeout"), "wait_timeout")
        max_pages = self._count(data.get("max_pages"), "max_pages")
        if self.errors or name is None or links is None or fields is None:
            return None
        return Profile(
            name=name, source=source or f"site:{name}", start_urls=start_urls, links=links,
            next_page=next_page, fields=MappingProxyType(fields), dayfirst=dayfirst,
            render=render, wait_for=MappingProxyType(wait_for),
            wait_timeout=wait_timeout or DEFAULT_WAIT_TIMEOUT, max_pages=max_pages,
        )

    def _unknown(self, data: dict[Any, Any], known: tuple[str, ...], prefix: str) -> None:
        for key in data:
            if key not in known:
                self.error(f"{prefix}{key}", f"unknown key; known: {', '.join(known)}")

    def _name(self, value: Any) -> str | None:
        if value is None:
            self.error("name", "required: a short name such as acme-careers")
        elif not isinstance(value, str) or not _NAME.fullmatch(value):
            self.error("name", f"must be letters, digits, '.', '_' or '-', got {value!r}")
        else:
            return value
        return None

    def _source(self, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.error("source", f"must be a non-empty string, got {value!r}")
            return None
        return value.strip()

    def _start_urls(self, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            self.error("start_urls", "required: a list of at least one listing page URL")
            return ()
        urls: list[str] = []
        for index, url in enumerate(value):
            if isinstance(url, str) and _is_http_url(url.strip()):
                urls.append(url.strip())
            else:
                self.error(f"start_urls[{index}]", f"not an http(s) URL: {url!r}")
        return tuple(urls)

    def _listing(self, value: Any) -> tuple[SelectorSpec | None, SelectorSpec | None]:
        if not isinstance(value, dict):
            self.error("listing", "required: a mapping with links (and next)")
            return None, None
        self._unknown(value, LISTING_KEYS, "listing.")
        if value.get("links") is None:
            self.error("listing.links", "required: the selector of ad links on a listing page")
            links = None
        else:
            links = self.selector(value["links"], "listing.links")
        next_page = None
        if value.get("next") is not None:
            next_page = self.selector(value["next"], "listing.next")
        return links, next_page

    def _fields(self, value: Any) -> dict[str, SelectorSpec] | None:
        if not isinstance(value, dict):
            self.error("fields", f"required: a mapping of field name to selector; "
                       f"{' and '.join(REQUIRED_FIELDS)} are required")
            return None
        specs: dict[str, SelectorSpec] = {}
        for name, spec in value.items():
            if name not in FIELDS:
                self.error(f"fields.{name}", f"unknown field; known: {', '.join(FIELDS)}")
            elif spec is None:
                self.error(f"fields.{name}", "needs a selector")
            elif (found := self.selector(spec, f"fields.{name}")) is not None:
                specs[name] = found
        for name in REQUIRED_FIELDS:
            if name not in value:
                self.error(f"fields.{name}", "required")
        return specs

    def _bool(self, value: Any, key: str) -> bool | None:
        if value is None or isinstance(value, bool):
            return value
        self.error(key, f"must be true or false, got {value!r}")
        return None

    def _number(self, value: Any, key: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            self.error(key, f"must be a number of seconds above 0, got {value!r}")
            return None
        return float(value)

    def _count(self, value: Any, key: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.error(key, f"must be a whole number of 1 or more, got {value!r}")
            return None
        return value

    def _render(self, value: Any) -> frozenset[str]:
        if value is None or isinstance(value, bool):
            return frozenset(PAGE_KINDS) if value else frozenset()
        if not isinstance(value, dict):
            self.error("render", f"must be true, false or a mapping of listing/ad to true/false, "
                       f"got {value!r}")
            return frozenset()
        self._unknown(value, PAGE_KINDS, "render.")
        return frozenset(kind for kind in PAGE_KINDS
                         if self._bool(value.get(kind), f"render.{kind}"))

    def _wait_for(self, value: Any, render: frozenset[str]) -> dict[str, SelectorSpec]:
        if value is not None and not render:
            self.error("wait_for", "no page is rendered: set render, or remove wait_for")
            return {}
        per_kind = isinstance(value, dict) and bool(value) and set(value) <= set(PAGE_KINDS)
        if not per_kind:
            if value is None:
                if render:
                    self.error("wait_for", "required when pages are rendered: the selector of "
                               "an element that the page's scripts create")
                return {}
            spec = self.selector(value, "wait_for", browser=True)
            return dict.fromkeys(render, spec) if spec is not None else {}
        specs: dict[str, SelectorSpec] = {}
        for kind in PAGE_KINDS:
            key = f"wait_for.{kind}"
            if kind not in render:
                if kind in value:
                    self.error(key, f"{kind} pages are not rendered (render.{kind} is false)")
            elif kind not in value:
                self.error(key, f"required because {kind} pages are rendered: the selector of "
                           "an element that the page's scripts create")
            elif (found := self.selector(value[kind], key, browser=True)) is not None:
                specs[kind] = found
        return specs

    def selector(self, value: Any, key: str, *, browser: bool = False) -> SelectorSpec | None:
        """A SelectorSpec from a string or a mapping; None (with errors) when unusable."""
        if isinstance(value, str):
            kind, query = _split_prefix(value)
            return self._compiled(kind, query, key, browser=browser)
        if not isinstance(value, dict):
            self.error(key, "must be a selector string ('css:...' or 'xpath:...') or a mapping "
                       "with css or xpath")
            return None
        self._unknown(value, SELECTOR_KEYS, f"{key}.")
        kinds = [kind for kind in ("css", "xpath") if kind in value]
        if len(kinds) != 1:
            self.error(key, "give exactly one of css or xpath")
            return None
        kind = kinds[0]
        if not isinstance(value[kind], str) or not value[kind].strip():
            self.error(f"{key}.{kind}", "must be a non-empty string")
            return None
        extras = {name: value[name] for name in ("regex", "attr", "join") if name in value}
        if browser and extras:
            self.error(key, f"{', '.join(extras)}: not used when waiting for an element")
        spec = self._compiled(kind, value[kind], f"{key}.{kind}", browser=browser)
        regex = self._regex(extras.get("regex"), f"{key}.regex")
        attr = self._text(extras.get("attr"), f"{key}.attr", allow_empty=False)
        join = self._text(extras.get("join"), f"{key}.join", allow_empty=True)
        if spec is None:
            return None
        return SelectorSpec(spec.kind, spec.query, regex=regex, attr=attr, join=join)

    def _compiled(self, kind: str, query: str, key: str, *, browser: bool) -> SelectorSpec | None:
        query = query.strip()
        problem = _selector_problem(kind, query)
        if problem is None and browser and "::" in query:
            problem = "::text and ::attr() read fields; the browser waits for elements"
        if problem is not None:
            label = "CSS selector" if kind == "css" else "XPath"
            self.error(key, f"invalid {label} {query!r}: {problem}")
            return None
        return SelectorSpec("css" if kind == "css" else "xpath", query)

    def _regex(self, value: Any, key: str) -> re.Pattern[str] | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.error(key, f"must be a string, got {value!r}")
            return None
        try:
            return re.compile(value)
        except re.error as exc:
            self.error(key, f"does not compile: {exc}")
            return None

    def _text(self, value: Any, key: str, *, allow_empty: bool) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or (not allow_empty and not value.strip()):
            self.error(key, f"must be a {'' if allow_empty else 'non-empty '}string, "
                       f"got {value!r}")
            return None
        return value if allow_empty else value.strip()


def _is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # "http://[::1" and other malformed hosts
        return False


def _split_prefix(value: str) -> tuple[str, str]:
    """("css" | "xpath", query) of "css:...", "xpath:..." or a bare CSS selector."""
    stripped = value.strip()
    for prefix, kind in _PREFIXES.items():
        if stripped.startswith(prefix):
            return kind, stripped[len(prefix):]
    return "css", stripped


def _selector_problem(kind: str, query: str) -> str | None:
    if not query:
        return "empty"
    try:
        if kind == "css":
            _PROBE.css(query)
        else:
            _PROBE.xpath(query)
    except (SelectorError, ValueError) as exc:
        hint = " (an XPath needs the prefix xpath:)" if kind == "css" and query[0] in "/(" else ""
        return f"{exc}{hint}"
    return None
