"""Feed profiles: an XML job feed of any other dialect, described in YAML for the feed spider.

A profile names the element that holds one ad and, for each JobItem field, where its
value sits inside that element, as an XPath relative to it::

    item: vacature                     # the element of one ad: a name, or prefix:name
    namespaces:                        # the prefixes that item and paths use (optional)
      v: https://schemas.example.nl/vacatures/2
    dayfirst: true                     # 03/04/2026 is 3 April (default: the spider's)
    fields:
      webindex: "@id"                  # an attribute of the item
      url: "links/link[@rel='detail']/@href"
      title: functie
      description: omschrijving        # HTML allowed: read as paragraphs of text
      company: werkgever/naam
      location: [plaats, provincie]    # several paths: their texts joined with ", "
      salary: salaris                  # salary text; or salary_min / salary_max /
      salary_currency: salaris/@valuta #   salary_currency / salary_period
      closing_date: sluitingsdatum
      date_posted: geplaatst

A bare item name matches the element in no namespace and in any default namespace; in
paths, as XPath has it, a bare name is in no namespace (give default-namespace
elements a prefix in `namespaces`). title, url and description are required. The file
is checked by one pydantic model that reports every error with its key
(``fields.title: invalid XPath ...``); the result is a frozen FeedProfile.
"""

from __future__ import annotations

import re
from collections.abc import Mapping  # at run time: pydantic reads the annotations
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any

from lxml import etree
from pydantic import PlainValidator, ValidationInfo

from jobcrawl.config.profiles import ProfileError, checked_file
from jobcrawl.config.types import (
    FileModel,
    problem,
    raise_problems,
    yaml_bool,
)
from jobcrawl.config.yamlfile import read_yaml

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pydantic_core import InitErrorDetails

__all__ = ["FEED_FIELDS", "FeedProfile", "ProfileError", "load_feed_profile",
           "parse_feed_profile"]

FEED_FIELDS = ("webindex", "url", "title", "description", "company", "location", "category",
               "contract_type", "contract_time", "salary", "salary_min", "salary_max",
               "salary_currency", "salary_period", "date_posted", "closing_date")
REQUIRED_FIELDS = ("title", "url", "description")
_NCNAME = re.compile(r"[A-Za-z_][\w.\-]*")
# Paths are checked once on an empty element: an undefined prefix fails there too.
_PROBE = etree.Element("probe")


@dataclass(frozen=True)
class FeedProfile:
    """A checked feed profile (see the module docstring for the YAML)."""

    item: str  # "{namespace}name", or a bare name matched in any namespace
    fields: Mapping[str, tuple[etree.XPath, ...]]
    namespaces: Mapping[str, str]
    dayfirst: bool | None = None


def load_feed_profile(path: str | Path) -> FeedProfile:
    """The feed profile in a YAML file; ProfileError listing every problem otherwise."""
    data, problems = read_yaml(Path(path))
    if data is None and problems:
        raise ProfileError(str(path), problems)
    return parse_feed_profile(data, str(path), problems)


def parse_feed_profile(data: Any, origin: str = "<feed profile>",
                       problems: Sequence[str] = ()) -> FeedProfile:
    """A FeedProfile from already-parsed YAML; ProfileError listing every problem otherwise."""
    return checked_file(FeedProfileFile, data, origin, problems).profile()


def _namespaces(value: Any) -> Mapping[str, str]:
    if value is None:
        return MappingProxyType({})
    if not isinstance(value, dict):
        raise ValueError(f"must be a mapping of prefix to namespace URI, got {value!r}")
    problems: list[InitErrorDetails] = []
    for prefix, uri in value.items():
        if not isinstance(prefix, str) or not _NCNAME.fullmatch(prefix):
            problems.append(problem((str(prefix),), "is not a namespace prefix"))
        elif not isinstance(uri, str) or not uri.strip():
            problems.append(problem((prefix,), f"must be a namespace URI, got {uri!r}"))
    raise_problems("namespaces", problems)
    return MappingProxyType({prefix: uri.strip() for prefix, uri in value.items()})


def _known_namespaces(info: ValidationInfo) -> Mapping[str, str]:
    # Empty when namespaces itself is wrong: its own error is reported already.
    return info.data.get("namespaces") or {}


def _item(value: Any, info: ValidationInfo) -> str:
    if value is None:
        raise ValueError("required: the name of the element that holds one ad")
    if not isinstance(value, str):
        raise ValueError(f"must be an element name, got {value!r}")
    prefix, _, local = value.strip().rpartition(":")
    if not _NCNAME.fullmatch(local) or (prefix and not _NCNAME.fullmatch(prefix)):
        raise ValueError(f"{value!r} is not an element name (name or prefix:name)")
    if not prefix:
        return local
    namespaces = _known_namespaces(info)
    if prefix not in namespaces:
        raise ValueError(f"prefix {prefix!r} is not defined in namespaces")
    return f"{{{namespaces[prefix]}}}{local}"


def _fields(value: Any, info: ValidationInfo) -> Mapping[str, tuple[etree.XPath, ...]]:
    if not isinstance(value, dict):
        raise ValueError("required: a mapping of field name to XPath; "
                         f"{', '.join(REQUIRED_FIELDS)} are required")
    namespaces = dict(_known_namespaces(info))
    compiled: dict[str, tuple[etree.XPath, ...]] = {}
    problems: list[InitErrorDetails] = []
    for name, paths in value.items():
        if name not in FEED_FIELDS:
            problems.append(problem((str(name),),
                                    f"unknown field; known: {', '.join(FEED_FIELDS)}"))
            continue
        listed = paths if isinstance(paths, list) else [paths]
        if not listed:
            problems.append(problem((name,), "needs an XPath"))
        found = []
        for index, path in enumerate(listed):
            where = (name, index) if isinstance(paths, list) else (name,)
            try:
                found.append(_xpath(path, namespaces))
            except ValueError as exc:
                problems.append(problem(where, str(exc)))
        compiled[name] = tuple(found)
    problems += [problem((name,), "required") for name in REQUIRED_FIELDS if name not in value]
    raise_problems("fields", problems)
    return MappingProxyType(compiled)


def _xpath(path: Any, namespaces: dict[str, str]) -> etree.XPath:
    if not isinstance(path, str) or not path.strip():
        raise ValueError(f"must be an XPath (a non-empty string), got {path!r}")
    try:
        compiled = etree.XPath(path.strip(), namespaces=namespaces)
        compiled(_PROBE)
    except etree.XPathError as exc:
        raise ValueError(f"invalid XPath {path.strip()!r}: {exc}") from None
    return compiled


def _optional_bool(value: Any) -> bool | None:
    return None if value is None else yaml_bool(value)


class FeedProfileFile(FileModel):
    """A feed profile file as written; `profile()` gives the FeedProfile the spider reads.

    namespaces comes first: item and fields are checked with its prefixes.
    """

    namespaces: Annotated[Mapping[str, str], PlainValidator(_namespaces)] = None  # type: ignore[assignment]
    item: Annotated[str, PlainValidator(_item)] = None  # type: ignore[assignment]
    fields: Annotated[Mapping[str, tuple[etree.XPath, ...]], PlainValidator(_fields)] = None  # type: ignore[assignment]
    dayfirst: Annotated[bool | None, PlainValidator(_optional_bool)] = None

    @classmethod
    def not_a_mapping(cls, value: Any) -> str:
        return "must be a YAML mapping of keys such as item, namespaces, fields"

    def profile(self) -> FeedProfile:
        return FeedProfile(item=self.item, fields=self.fields, namespaces=self.namespaces,
                           dayfirst=self.dayfirst)
