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

Selectors are described in jobcrawl.config.selectors. The file is checked by one
pydantic model (ProfileFile), which reports every error with its key path
(``fields.title.css: invalid CSS selector ...``), never only the first; the result is
a frozen Profile dataclass, what the site spider and extraction read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping  # at run time: pydantic reads the annotations
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import BaseModel, PlainValidator, ValidationError, ValidationInfo

from jobcrawl.config.selectors import SelectorSpec, collect, selector_spec
from jobcrawl.config.types import (
    FileModel,
    count,
    error_message,
    http_url,
    key_path,
    problem,
    raise_problems,
    yaml_bool,
)
from jobcrawl.config.yamlfile import read_yaml

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pydantic_core import InitErrorDetails

__all__ = ["Profile", "ProfileError", "SelectorSpec", "check_profile", "load_profile",
           "parse_profile"]

FIELDS = ("webindex", "title", "company", "location", "category", "description", "salary",
          "closing_date", "date_posted", "contract_type", "contract_time")
REQUIRED_FIELDS = ("title", "description")
PAGE_KINDS = ("listing", "ad")
DEFAULT_WAIT_TIMEOUT = 15.0
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_SCRIPTS_CREATE = "the selector of an element that the page's scripts create"


M = TypeVar("M", bound=BaseModel)


class ProfileError(ValueError):
    """A profile that cannot be used; ``errors`` lists every problem as "key: message"."""

    def __init__(self, path: str, errors: list[str]) -> None:
        self.path = path
        self.errors = list(errors)
        listed = "\n".join(f"  {error}" for error in self.errors)
        super().__init__(f"argument profile: {path} has {len(self.errors)} error(s):\n{listed}")


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
    data, problems = read_yaml(Path(path))
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
    return checked_file(ProfileFile, data, origin, problems).profile()


def checked_file(model: type[M], data: Any, origin: str, problems: Sequence[str] = ()) -> M:
    """`data` validated as `model` (a profile file's pydantic model); ProfileError listing
    `problems` and every validation error, each named by its key path, otherwise."""
    errors = list(problems)
    try:
        checked = model.model_validate(data)
    except ValidationError as exc:
        errors += [f"{key_path(error['loc']) or '(profile)'}: {error_message(error)}"
                   for error in exc.errors()]
    if errors:
        raise ProfileError(origin, errors)
    return checked


# --- the file's model ----------------------------------------------------------

def _name(value: Any) -> str:
    if value is None:
        raise ValueError("required: a short name such as acme-careers")
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise ValueError(f"must be letters, digits, '.', '_' or '-', got {value!r}")
    return value


def _source(value: Any) -> str | None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ValueError(f"must be a non-empty string, got {value!r}")
    return value.strip() if value is not None else None


def _start_urls(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError("required: a list of at least one listing page URL")
    problems: list[InitErrorDetails] = []
    for index, url in enumerate(value):
        try:
            http_url(url)
        except ValueError as exc:
            problems.append(problem((index,), str(exc)))
    raise_problems("start_urls", problems)
    return tuple(url.strip() for url in value)


def _optional_selector(value: Any) -> SelectorSpec | None:
    return None if value is None else selector_spec(value)


def _links(value: Any) -> SelectorSpec:
    if value is None:
        raise ValueError("required: the selector of ad links on a listing page")
    return selector_spec(value)


def _fields(value: Any) -> Mapping[str, SelectorSpec]:
    if not isinstance(value, dict):
        raise ValueError(f"required: a mapping of field name to selector; "
                         f"{' and '.join(REQUIRED_FIELDS)} are required")
    specs: dict[str, SelectorSpec] = {}
    problems: list[InitErrorDetails] = []
    for name, spec in value.items():
        if name not in FIELDS:
            problems.append(problem((str(name),), f"unknown field; known: {', '.join(FIELDS)}"))
        elif spec is None:
            problems.append(problem((name,), "needs a selector"))
        elif (found := collect(problems, (name,), spec)) is not None:
            specs[name] = found
    problems += [problem((name,), "required") for name in REQUIRED_FIELDS if name not in value]
    raise_problems("fields", problems)
    return MappingProxyType(specs)


def _optional_bool(value: Any) -> bool | None:
    return None if value is None else yaml_bool(value)


def _render(value: Any) -> frozenset[str]:
    if value is None or isinstance(value, bool):
        return frozenset(PAGE_KINDS) if value else frozenset()
    if not isinstance(value, dict):
        raise ValueError(f"must be true, false or a mapping of listing/ad to true/false, "
                         f"got {value!r}")
    kinds = _Render.model_validate(value)
    return frozenset(kind for kind in PAGE_KINDS if getattr(kinds, kind))


def _wait_for(value: Any, info: ValidationInfo) -> Mapping[str, SelectorSpec]:
    # None when render itself is wrong: the selectors are still checked.
    render: frozenset[str] | None = info.data.get("render")
    if value is not None and render is not None and not render:
        raise ValueError("no page is rendered: set render, or remove wait_for")
    if not (isinstance(value, dict) and value and set(value) <= set(PAGE_KINDS)):
        if value is None:
            if render:
                raise ValueError(f"required when pages are rendered: {_SCRIPTS_CREATE}")
            return MappingProxyType({})
        spec = selector_spec(value, browser=True)
        return MappingProxyType({kind: spec for kind in PAGE_KINDS if kind in (render or ())})
    specs: dict[str, SelectorSpec] = {}
    problems: list[InitErrorDetails] = []
    for kind in PAGE_KINDS:
        if render is not None and kind not in render:
            if kind in value:
                problems.append(problem((kind,), f"{kind} pages are not rendered "
                                        f"(render.{kind} is false)"))
        elif kind not in value:
            if render is not None:
                problems.append(problem((kind,), f"required because {kind} pages are "
                                        f"rendered: {_SCRIPTS_CREATE}"))
        elif (found := collect(problems, (kind,), value[kind], browser=True)) is not None:
            specs[kind] = found
    raise_problems("wait_for", problems)
    return MappingProxyType(specs)


def _wait_timeout(value: Any) -> float:
    if value is None:
        return DEFAULT_WAIT_TIMEOUT
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"must be a number of seconds above 0, got {value!r}")
    return float(value)


def _max_pages(value: Any) -> int | None:
    return None if value is None else count(value)


class _Listing(FileModel):
    links: Annotated[SelectorSpec, PlainValidator(_links)] = None  # type: ignore[assignment]
    next: Annotated[SelectorSpec | None, PlainValidator(_optional_selector)] = None

    @classmethod
    def not_a_mapping(cls, value: Any) -> str:
        return "required: a mapping with links (and next)"


class _Render(FileModel):
    listing: Annotated[bool | None, PlainValidator(_optional_bool)] = None
    ad: Annotated[bool | None, PlainValidator(_optional_bool)] = None


class ProfileFile(FileModel):
    """A site profile file as written; `profile()` gives the Profile the spider reads.

    Defaults are None, as a missing key reads: each validator says what None means.
    """

    name: Annotated[str, PlainValidator(_name)] = None  # type: ignore[assignment]
    source: Annotated[str | None, PlainValidator(_source)] = None
    start_urls: Annotated[tuple[str, ...], PlainValidator(_start_urls)] = None  # type: ignore[assignment]
    listing: _Listing = None  # type: ignore[assignment]
    fields: Annotated[Mapping[str, SelectorSpec], PlainValidator(_fields)] = None  # type: ignore[assignment]
    dayfirst: Annotated[bool | None, PlainValidator(_optional_bool)] = None
    render: Annotated[frozenset[str], PlainValidator(_render)] = None  # type: ignore[assignment]
    wait_for: Annotated[Mapping[str, SelectorSpec], PlainValidator(_wait_for)] = None  # type: ignore[assignment]
    wait_timeout: Annotated[float, PlainValidator(_wait_timeout)] = None  # type: ignore[assignment]
    max_pages: Annotated[int | None, PlainValidator(_max_pages)] = None

    @classmethod
    def not_a_mapping(cls, value: Any) -> str:
        return "must be a YAML mapping of keys such as name, start_urls, listing, fields"

    def profile(self) -> Profile:
        return Profile(
            name=self.name, source=self.source or f"site:{self.name}",
            start_urls=self.start_urls, links=self.listing.links,
            next_page=self.listing.next, fields=self.fields, dayfirst=self.dayfirst,
            render=self.render, wait_for=self.wait_for, wait_timeout=self.wait_timeout,
            max_pages=self.max_pages,
        )
