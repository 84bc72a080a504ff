"""Read and validate a SOURCES.yaml file: which spiders `scrapy crawlall` runs, and how.

    parallel: 2                    # sources at once (default 1)
    defaults:
      timeout: 2h                  # per source: seconds, or 90s / 30m / 2h / 1d (default 4h)
      settings: {AUTOTHROTTLE_TARGET_CONCURRENCY: 1}
    sources:
      - name: acme                 # unique; names the log and stats files
        spider: greenhouse         # a spider of this project
        args: {board: acme}        # -a board=acme
        settings: {CLOSESPIDER_ITEMCOUNT: 500}   # merged over defaults.settings
        timeout: 30m
        enabled: true

Parsing is pure (no crawl, no settings): one pydantic model (SourcesFile) collects every
problem with its key path (``sources[2].spider: unknown spider 'greenhose'``), raised
together as one SourcesError, so a broken file is fixed in one go before any crawl starts.
A timeout reads like every duration of the project (jobcrawl.config.types).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, PlainValidator, ValidationError, ValidationInfo

from jobcrawl.config.types import (
    FileModel,
    count,
    error_message,
    key_path,
    problem,
    raise_problems,
    relocated,
    timeout_seconds,
    yaml_bool,
)

if TYPE_CHECKING:
    from pydantic_core import InitErrorDetails

DEFAULT_TIMEOUT = 4 * 3600.0
# Crawlall gives every source its own stats file; a source must not redirect it, or
# the summary could not count the source's items.
RESERVED_SETTINGS = frozenset({"JOBCRAWL_STATSFILE_PATH"})

_TOP_KEYS = ("sources", "defaults", "parallel")
# A name becomes a file name (<name>.log): letters (any script), digits, "._-"; no
# slashes, no leading dot.
_NAME = re.compile(r"[^\W_][\w.-]{0,99}")
_ARG = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SETTING = re.compile(r"[A-Z][A-Z0-9_]*")
# YAML reads 2024-01-31 as a date; it goes to the command line as written.
Scalar = str | int | float | bool | date
# The timeout of a source: the project's one duration syntax (1d included), above 0.
parse_duration = timeout_seconds


class SourcesError(ValueError):
    """A SOURCES file that cannot be run; ``errors`` lists every problem with its key path."""

    def __init__(self, errors: list[str], path: Path | None = None) -> None:
        self.errors = errors
        self.path = path
        where = f"{path}: " if path else ""
        count = f"{len(errors)} problem{'s' if len(errors) != 1 else ''}"
        super().__init__(f"{where}{count}:\n" + "\n".join(f"  {e}" for e in errors))


@dataclass(frozen=True)
class Source:
    """One crawl of a schedule: `scrapy crawl <spider> -a k=v ... -s K=V ...`.

    ``args`` and ``settings`` hold the command-line strings, in file order;
    ``settings`` already includes ``defaults.settings`` (the source's own win).
    """

    name: str
    spider: str
    args: tuple[tuple[str, str], ...] = ()
    settings: tuple[tuple[str, str], ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    enabled: bool = True

    def crawl_args(self) -> list[str]:
        """The arguments after `scrapy`: crawl, the spider, its -a and -s options."""
        argv = ["crawl", self.spider]
        for key, value in self.args:
            argv += ["-a", f"{key}={value}"]
        for key, value in self.settings:
            argv += ["-s", f"{key}={value}"]
        return argv


@dataclass(frozen=True)
class Schedule:
    """Every source of a SOURCES file (enabled or not) and how many run at once."""

    sources: tuple[Source, ...]
    parallel: int = 1

    def select(self, names: Iterable[str] = ()) -> tuple[Source, ...]:
        """The sources to run: the enabled ones, or exactly `names` (disabled included).

        Raises SourcesError for a name the file does not define.
        """
        wanted = list(dict.fromkeys(names))
        if not wanted:
            return tuple(source for source in self.sources if source.enabled)
        known = {source.name: source for source in self.sources}
        unknown = [name for name in wanted if name not in known]
        if unknown:
            raise SourcesError([f"--only: no source named {name!r}{_hint(name, known)}"
                                for name in unknown])
        return tuple(source for source in self.sources if source.name in wanted)


def load_sources(path: Path, spiders: Collection[str]) -> Schedule:
    """Read `path` (YAML) into a Schedule; SourcesError lists every problem found."""
    import yaml  # here: Scrapy imports every command module, and so this one, for any command

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourcesError([f"cannot read the file: {exc.strerror or exc}"], path) from exc
    except yaml.YAMLError as exc:
        raise SourcesError([f"not valid YAML: {' '.join(str(exc).split())}"], path) from exc
    try:
        return parse_sources(data, spiders)
    except SourcesError as exc:
        raise SourcesError(exc.errors, path) from None


def parse_sources(data: Any, spiders: Collection[str]) -> Schedule:
    """Validate the parsed YAML `data` against the project's spider names."""
    try:
        checked = SourcesFile.model_validate(data, context={"spiders": spiders})
    except ValidationError as exc:
        raise SourcesError([_line(error["loc"], error_message(error))
                            for error in exc.errors()]) from None
    return Schedule(checked.sources, checked.parallel)


def _line(loc: tuple[str | int, ...], message: str) -> str:
    path = key_path(loc)
    return f"{path}: {message}" if path else message


# --- the file's model ----------------------------------------------------------

def _name(value: Any) -> str:
    if value is None:
        raise ValueError("missing")
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        quote = ("; quote it: YAML reads yes/no/on/off as true/false"
                 if isinstance(value, bool) else "")
        raise ValueError(f"{value!r} is not a usable name (letters, digits, '.', '_', "
                         f"'-'; it names the source's log file){quote}")
    return value


def _spider(value: Any, info: ValidationInfo) -> str:
    spiders: Collection[str] = (info.context or {}).get("spiders", ())
    if value is None:
        raise ValueError("missing")
    if not isinstance(value, str) or value not in spiders:
        known = ", ".join(sorted(spiders)) or "none"
        raise ValueError(f"unknown spider {value!r}{_hint(str(value), spiders)} "
                         f"(this project has: {known})")
    return value


def _args(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"must be a mapping of argument: value, got {_kind(value)}")
    args: dict[str, str] = {}
    problems: list[InitErrorDetails] = []
    for key, arg in value.items():
        if not isinstance(key, str) or not _ARG.fullmatch(key):
            problems.append(problem((str(key),), "not a spider argument name"))
        elif isinstance(arg, Scalar):
            args[key] = _scalar(arg)
        else:
            problems.append(problem((key,), f"must be a single value (string, number or "
                                    f"true/false), got {_kind(arg)}; join several values "
                                    "with commas"))
    raise_problems("args", problems)
    return args


def _settings(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"must be a mapping of SETTING: value, got {_kind(value)}")
    settings: dict[str, str] = {}
    problems: list[InitErrorDetails] = []
    for key, setting in value.items():
        if not isinstance(key, str) or not _SETTING.fullmatch(key):
            problems.append(problem((str(key),),
                                    "setting names are upper case, like DOWNLOAD_TIMEOUT"))
        elif key in RESERVED_SETTINGS:
            problems.append(problem((key,), "set by crawlall for every source "
                                    "(its summary reads it)"))
        elif (text := _setting_value(setting)) is None:
            problems.append(problem((key,), f"must be a string, number, true/false, list or "
                                    f"mapping, got {_kind(setting)}"))
        else:
            settings[key] = text
    raise_problems("settings", problems)
    return settings


# A source without a timeout takes the defaults' one; `timeout: null` is an error.
_INHERIT: Any = object()


def _optional_timeout(value: Any) -> float | None:
    return None if value is _INHERIT else timeout_seconds(value)


Settings = Annotated[dict[str, str], PlainValidator(_settings)]
Timeout = Annotated[float | None, PlainValidator(_optional_timeout)]


class _Keys(FileModel):
    """Unknown keys are named with the closest known one."""

    @classmethod
    def unknown_key(cls, key: Any) -> str:
        return f"unknown key{_hint(str(key), cls.keys())} (expected {', '.join(cls.keys())})"


class _Defaults(_Keys):
    settings: Settings = None  # type: ignore[assignment]
    timeout: Annotated[float, PlainValidator(timeout_seconds)] = DEFAULT_TIMEOUT

    @classmethod
    def not_a_mapping(cls, value: Any) -> str:
        return f"must be a mapping, got {_kind(value)}"


class _Entry(_Keys):
    name: Annotated[str, PlainValidator(_name)] = None  # type: ignore[assignment]
    spider: Annotated[str, PlainValidator(_spider)] = None  # type: ignore[assignment]
    args: Annotated[dict[str, str], PlainValidator(_args)] = None  # type: ignore[assignment]
    settings: Settings = None  # type: ignore[assignment]
    timeout: Timeout = _INHERIT
    enabled: Annotated[bool, PlainValidator(yaml_bool)] = True

    @classmethod
    def not_a_mapping(cls, value: Any) -> str:
        return f"must be a mapping with name and spider, got {_kind(value)}"

    def source(self, defaults: _Defaults) -> Source:
        settings = {**defaults.settings, **self.settings}
        timeout = defaults.timeout if self.timeout is None else self.timeout
        return Source(self.name, self.spider, tuple(self.args.items()),
                      tuple(settings.items()), timeout, self.enabled)


def _sources(value: Any, info: ValidationInfo) -> tuple[Source, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError("must be a non-empty list of sources")
    # Wrong defaults are reported under defaults; the entries are checked without them.
    defaults = info.data.get("defaults") or _Defaults()
    sources: list[Source] = []
    problems: list[InitErrorDetails] = []
    first_use: dict[str, str] = {}
    for index, entry in enumerate(value):
        try:
            sources.append(_Entry.model_validate(entry, context=info.context).source(defaults))
        except ValidationError as exc:
            problems += relocated(exc, (index,))
        # Checked even when the entry has other errors, so one pass finds them all.
        name = entry.get("name") if isinstance(entry, Mapping) else None
        if isinstance(name, str) and name in first_use:
            problems.append(problem((index, "name"),
                                    f"{name!r} is already used by {first_use[name]}"))
        elif isinstance(name, str):
            first_use[name] = f"sources[{index}]"
    raise_problems("sources", problems)
    return tuple(sources)


class SourcesFile(_Keys):
    """A SOURCES file as written (validation context: ``spiders``, the project's names)."""

    # Checked in this order, so that parallel and defaults come before the sources.
    parallel: Annotated[int, PlainValidator(count)] = 1
    defaults: Annotated[_Defaults, BeforeValidator(lambda value: value or {})] = None  # type: ignore[assignment]
    sources: Annotated[tuple[Source, ...], PlainValidator(_sources)] = None  # type: ignore[assignment]

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return _TOP_KEYS

    @classmethod
    def not_a_mapping(cls, value: Any) -> str:
        return f"the file must be a mapping with a 'sources:' list, got {_kind(value)}"


def _setting_value(value: Any) -> str | None:
    """The -s string Scrapy reads back: lists comma-joined (getlist), mappings as JSON (getdict)."""
    if isinstance(value, Scalar):
        return _scalar(value)
    if isinstance(value, list) and all(isinstance(item, Scalar) for item in value):
        return ",".join(_scalar(item) for item in value)
    if isinstance(value, Mapping):
        return json.dumps(value, default=str)
    return None


def _scalar(value: Scalar) -> str:
    # YAML's true/false become Python bools; spiders and Scrapy's getbool read "true"/"false".
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _hint(value: str, choices: Collection[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1)
    return f", did you mean {close[0]!r}?" if close else ""


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "a string"}.get(type(value), repr(value))
