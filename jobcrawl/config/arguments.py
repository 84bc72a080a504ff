"""Spider arguments: one pydantic model per spider, checked once in its __init__.

``-a name=value`` arguments arrive as strings. A spider declares them as fields of a
SpiderArguments model (next to the spider, as zyte-spider-templates do), typed with the
shared types below; ``SpiderArguments.split`` validates them into typed attributes and
raises ValueError naming the first bad one, always in the same words:
``argument max_pages must be a whole number, got 'many'``,
``argument base_url: 'ftp://x' is not an http(s) URL``,
``spider greenhouse needs -a board=...``. An empty value (``-a max_items=``, or None
from Python) counts as not given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, create_model

from jobcrawl.config.types import error_message, http_url

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")
# One DNS label: what a provider accepts as the {company} in {company}.provider.com.
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.IGNORECASE)


class MissingArgument(ValueError):
    """A required argument given blank: reported as "spider <name> needs -a <argument>=..."."""


def required(raw: Any) -> str:
    """The stripped value of an argument that must be given (a field without a default)."""
    if raw is None or not str(raw).strip():
        raise MissingArgument("needs a value")
    return str(raw).strip()


def count(raw: Any) -> int | None:
    """A whole number >= 1 ("5"); None when not given."""
    if raw is None:
        return None
    try:
        number = int(raw)
    except ValueError:
        raise ValueError(f"must be a whole number, got {raw!r}") from None
    if number < 1:
        raise ValueError(f"must be 1 or more, got {number}")
    return number


def flag(raw: Any) -> bool | None:
    """true/false, 1/0, yes/no; None when not given."""
    if raw is None or isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text not in _TRUE + _FALSE:
        raise ValueError(f"must be true or false, got {raw!r}")
    return text in _TRUE


def text(raw: Any) -> str | None:
    """A free text argument, stripped; None when not given or blank."""
    if raw is None:
        return None
    return str(raw).strip() or None


# jobs.source and crawl_runs.source are VARCHAR(255).
SOURCE_LENGTH = 255
_NOT_IN_A_SOURCE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def source_name(raw: Any) -> str | None:
    """A source name (-a source=NAME): at most 255 characters, no whitespace or control
    characters; None when not given or blank."""
    name = text(raw)
    if name is None:
        return None
    if len(name) > SOURCE_LENGTH:
        raise ValueError(f"must be at most {SOURCE_LENGTH} characters, got {len(name)}")
    bad = _NOT_IN_A_SOURCE.search(name)
    if bad is not None:
        raise ValueError(f"must not contain whitespace or control characters, got {raw!r}")
    return name


def url(raw: Any) -> str:
    """One http(s) URL."""
    try:
        return http_url(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not an http(s) URL") from None


def url_list(raw: Any) -> tuple[str, ...]:
    """Comma-separated http(s) URLs (none when not given)."""
    return tuple(url(part.strip()) for part in str(raw or "").split(",") if part.strip())


def origin(raw: Any) -> tuple[str, str] | None:
    """(scheme, netloc) of a base_url argument: an origin only; None when not given."""
    if raw is None or not str(raw).strip():
        return None
    parts = urlsplit(url(raw))
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"{raw!r} must be an origin only (scheme://host[:port]); "
                         "the spider keeps the provider's paths")
    return parts.scheme, parts.netloc


def subdomain(raw: Any, site: str) -> str:
    """A required argument naming a company's subdomain of `site`, lower-cased."""
    label = required(raw).lower()
    if not _LABEL.fullmatch(label):
        raise ValueError(f"{raw!r} is not a {site} name "
                         f"(letters, digits and hyphens, as in acme.{site})")
    return label


def subdomain_of(site: str) -> Any:
    """The type of an argument naming a company's subdomain of `site`."""
    return Annotated[str, BeforeValidator(partial(subdomain, site=site))]


Required = Annotated[str, BeforeValidator(required)]
Count = Annotated[int | None, BeforeValidator(count)]
ArgFlag = Annotated[bool | None, BeforeValidator(flag)]
Text = Annotated[str | None, BeforeValidator(text)]
UrlList = Annotated[tuple[str, ...], BeforeValidator(url_list)]
Origin = Annotated[tuple[str, str] | None, BeforeValidator(origin)]
SourceName = Annotated[str | None, BeforeValidator(source_name)]


class SpiderArguments(BaseModel):
    """A spider's -a arguments; a field is an argument, its default what an absent one means."""

    model_config: ClassVar[ConfigDict] = ConfigDict(frozen=True, extra="ignore",
                                                    validate_default=True)

    @classmethod
    def split(cls, spider: str, kwargs: Mapping[str, Any]) -> tuple[Self, dict[str, Any]]:
        """The checked arguments, and the keyword arguments this model does not declare.

        Raises ValueError naming the first bad argument (in field order).
        """
        given = {key: value for key, value in kwargs.items()
                 if key in cls.model_fields and value is not None and value != ""}
        try:
            arguments = cls.model_validate(given)
        except ValidationError as exc:
            raise ValueError(cls.error_text(exc.errors()[0], spider)) from None
        return arguments, {key: value for key, value in kwargs.items()
                           if key not in cls.model_fields}

    @classmethod
    def error_text(cls, error: ErrorDetails, spider: str) -> str:
        """One pydantic error as the spider reports it, naming the argument."""
        name = str(error["loc"][0]) if error["loc"] else ""
        cause = (error.get("ctx") or {}).get("error")
        if error["type"] == "missing" or isinstance(cause, MissingArgument):
            # A field's first example is what the user is asked for: -a profile=PATH.yaml.
            examples = cls.model_fields[name].examples if name in cls.model_fields else None
            placeholder = examples[0] if examples else "..."
            return f"spider {spider} needs -a {name}={placeholder}"
        message = error_message(error)
        if not name:  # a check of the arguments together
            return message
        # "argument page_size must be ...", but "argument url: 'ftp://x' is not ...".
        return f"argument {name}{' ' if message.startswith('must') else ': '}{message}"


def check_argument(spider: str, name: str, kind: Any, raw: Any) -> Any:
    """One argument `name` of type `kind` checked as a spider's model would check it."""
    model = create_model("Argument", __base__=SpiderArguments, **{name: (kind, None)})
    return getattr(model.split(spider, {name: raw})[0], name)
