"""Selectors of a site profile: a string or a mapping, checked by compiling it once.

A selector is a string ("css:..." / "xpath:..."; no prefix means CSS) or a mapping with
exactly one of ``css`` / ``xpath`` plus ``regex`` (keep its first group, else the whole
match), ``attr`` (an attribute instead of the text) and ``join`` (join every match with
this string instead of taking the first). Checked selectors are plain SelectorSpec
dataclasses: extraction reads them on every page and never goes through pydantic.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from cssselect import SelectorError
from parsel import Selector
from pydantic import PlainValidator, ValidationError, ValidationInfo

from jobcrawl.config.types import FileModel, problem, raise_problems, relocated

if TYPE_CHECKING:
    from pydantic_core import InitErrorDetails

SELECTOR_KEYS = ("css", "xpath", "regex", "attr", "join")
_PREFIXES = {"css:": "css", "xpath:": "xpath"}
_NOT_A_SELECTOR = ("must be a selector string ('css:...' or 'xpath:...') or a mapping with "
                   "css or xpath")
# Selectors are checked by running them once on an empty page: parsel raises on what
# cssselect or lxml cannot compile, including unknown pseudo-elements and functions.
_PROBE = Selector(text="<html><body></body></html>")


@dataclass(frozen=True)
class SelectorSpec:
    """Where a value sits on a page, and how to clean it."""

    kind: Literal["css", "xpath"]
    query: str
    regex: re.Pattern[str] | None = None
    attr: str | None = None
    join: str | None = None

    def __str__(self) -> str:
        """As a profile writes it: "css:.closing" plus any regex, attr and join."""
        # The regex as written in YAML's single quotes (no doubled backslashes).
        extras = [f"{name} '{value}'" for name, value in (
            ("regex", self.regex.pattern if self.regex else None), ("attr", self.attr))
            if value is not None]
        if self.join is not None:
            extras.append(f"join {self.join!r}")
        return f"{self.kind}:{self.query}" + (f" ({', '.join(extras)})" if extras else "")

    @property
    def browser_selector(self) -> str:
        """The selector in Playwright's syntax ("css=..." / "xpath=...")."""
        return f"{self.kind}={self.query}"


def selector_spec(value: Any, *, browser: bool = False) -> SelectorSpec:
    """A SelectorSpec from a string or a mapping; ValidationError listing every problem.

    `browser`: the selector is one the browser waits for (wait_for), not a field's.
    """
    if isinstance(value, str):
        kind, query = _split_prefix(value)
        try:
            return SelectorSpec(kind, _compiled(kind, query, browser=browser))
        except ValueError as exc:
            raise_problems("selector", [problem((), str(exc))])
    if not isinstance(value, Mapping):
        raise_problems("selector", [problem((), _NOT_A_SELECTOR)])
    mapping = _SelectorMapping.model_validate(value, context={"browser": browser})
    kind = "css" if mapping.css is not None else "xpath"
    query = mapping.css if mapping.css is not None else mapping.xpath
    assert query is not None  # shape_problems: exactly one of css or xpath
    return SelectorSpec(kind, query, regex=mapping.regex, attr=mapping.attr, join=mapping.join)


def collect(problems: list[InitErrorDetails], loc: tuple[str | int, ...], value: Any,
            *, browser: bool = False) -> SelectorSpec | None:
    """selector_spec(value), its problems appended to `problems` under `loc` (None then)."""
    try:
        return selector_spec(value, browser=browser)
    except ValidationError as exc:
        problems += relocated(exc, loc)
        return None


def _query(value: Any, info: ValidationInfo) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string")
    browser = bool((info.context or {}).get("browser"))
    return _compiled(info.field_name or "css", value, browser=browser)


def _regex(value: Any) -> re.Pattern[str] | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"must be a string, got {value!r}")
    try:
        return re.compile(value)
    except re.error as exc:
        raise ValueError(f"does not compile: {exc}") from None


def _attr(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a non-empty string, got {value!r}")
    return value.strip()


def _join(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"must be a string, got {value!r}")
    return value


class _SelectorMapping(FileModel):
    """The mapping form of a selector (validation context: browser=True for wait_for)."""

    css: Annotated[str | None, PlainValidator(_query)] = None
    xpath: Annotated[str | None, PlainValidator(_query)] = None
    regex: Annotated[re.Pattern[str] | None, PlainValidator(_regex)] = None
    attr: Annotated[str | None, PlainValidator(_attr)] = None
    join: Annotated[str | None, PlainValidator(_join)] = None

    _extras: ClassVar[tuple[str, ...]] = ("regex", "attr", "join")

    @classmethod
    def shape_problems(cls, data: Mapping[Any, Any], info: ValidationInfo
                       ) -> tuple[list[InitErrorDetails], bool]:
        if sum(kind in data for kind in ("css", "xpath")) != 1:
            return [problem((), "give exactly one of css or xpath")], False
        kind = "css" if "css" in data else "xpath"
        if not isinstance(data[kind], str) or not data[kind].strip():
            # Nothing else is worth checking without a selector.
            return [problem((kind,), "must be a non-empty string")], False
        extras = [name for name in cls._extras if name in data]
        if (info.context or {}).get("browser") and extras:
            return [problem((), f"{', '.join(extras)}: not used when waiting for an element")], True
        return [], True


def _compiled(kind: str, query: str, *, browser: bool) -> str:
    """The stripped query; ValueError "invalid CSS selector ..." when it does not compile."""
    query = query.strip()
    reason = _selector_problem(kind, query)
    if reason is None and browser and "::" in query:
        reason = "::text and ::attr() read fields; the browser waits for elements"
    if reason is not None:
        label = "CSS selector" if kind == "css" else "XPath"
        raise ValueError(f"invalid {label} {query!r}: {reason}")
    return query


def _split_prefix(value: str) -> tuple[Literal["css", "xpath"], str]:
    """("css" | "xpath", query) of "css:...", "xpath:..." or a bare CSS selector."""
    stripped = value.strip()
    for prefix, kind in _PREFIXES.items():
        if stripped.startswith(prefix):
            return "css" if kind == "css" else "xpath", stripped[len(prefix):]
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
