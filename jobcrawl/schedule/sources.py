"""Read and validate a SOURCES.yaml file: which spiders `scrapy crawlall` runs, and how.

    parallel: 2                    # sources at once (default 1)
    defaults:
      timeout: 2h                  # per source: seconds, or 90s / 30m / 2h (default 4h)
      settings: {AUTOTHROTTLE_TARGET_CONCURRENCY: 1}
    sources:
      - name: acme                 # unique; names the log and stats files
        spider: greenhouse         # a spider of this project
        args: {board: acme}        # -a board=acme
        settings: {CLOSESPIDER_ITEMCOUNT: 500}   # merged over defaults.settings
        timeout: 30m
        enabled: true

Parsing is pure (no crawl, no settings): every problem is collected with its key path
(``sources[2].spider: unknown spider 'greenhose'``) and raised together as one
SourcesError, so a broken file is fixed in one go before any crawl starts.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

DEFAULT_TIMEOUT = 4 * 3600.0
# Crawlall gives every source its own stats file; a source must not redirect it, or
# the summary could not count the source's items.
RESERVED_SETTINGS = frozenset({"JOBCRAWL_STATSFILE_PATH"})

_TOP_KEYS = ("sources", "defaults", "parallel")
_DEFAULT_KEYS = ("settings", "timeout")
_SOURCE_KEYS = ("name", "spider", "args", "settings", "timeout", "enabled")
# A name becomes a file name (<name>.log): letters (any script), digits, "._-"; no
# slashes, no leading dot.
_NAME = re.compile(r"[^\W_][\w.-]{0,99}")
_ARG = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SETTING = re.compile(r"[A-Z][A-Z0-9_]*")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|h)?")
_UNITS = {"s": 1, "m": 60, "h": 3600, None: 1}
# YAML reads 2024-01-31 as a date; it goes to the command line as written.
Scalar = str | int | float | bool | date


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
    errors: list[str] = []
    if not isinstance(data, Mapping):
        raise SourcesError([f"the file must be a mapping with a 'sources:' list, got "
                            f"{_kind(data)}"])
    _unknown_keys(data, _TOP_KEYS, "", errors)
    parallel = _parallel(data.get("parallel", 1), errors)
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        errors.append(f"defaults: must be a mapping, got {_kind(defaults)}")
        defaults = {}
    _unknown_keys(defaults, _DEFAULT_KEYS, "defaults.", errors)
    base_settings = _settings(defaults.get("settings"), "defaults.settings", errors)
    base_timeout = _timeout(defaults.get("timeout", DEFAULT_TIMEOUT), "defaults.timeout", errors)

    entries = data.get("sources")
    if not isinstance(entries, list) or not entries:
        errors.append("sources: must be a non-empty list of sources")
        entries = []
    sources = _sources(entries, spiders, base_settings, base_timeout, errors)
    if errors:
        raise SourcesError(errors)
    return Schedule(tuple(sources), parallel)


def _sources(entries: list[Any], spiders: Collection[str], base_settings: dict[str, str],
             base_timeout: float, errors: list[str]) -> list[Source]:
    sources: list[Source] = []
    first_use: dict[str, str] = {}
    for index, entry in enumerate(entries):
        where = f"sources[{index}]"
        source = _source(entry, where, spiders, base_settings, base_timeout, errors)
        if source is not None:
            sources.append(source)
        # Checked even when the entry has other errors, so one pass finds them all.
        name = entry.get("name") if isinstance(entry, Mapping) else None
        if isinstance(name, str) and name in first_use:
            errors.append(f"{where}.name: {name!r} is already used by {first_use[name]}")
        elif isinstance(name, str):
            first_use[name] = where
    return sources


def parse_duration(value: Any) -> float:
    """Seconds from a number or a string such as ``90``, ``90s``, ``30m``, ``1.5h``."""
    if isinstance(value, bool):
        raise ValueError(f"must be seconds or a duration like 30m or 2h, got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.fullmatch(str(value).strip())
        if match is None:
            raise ValueError(f"must be seconds or a duration like 30m or 2h, got {value!r}")
        seconds = float(match[1]) * _UNITS[match[2]]
    if not seconds > 0 or not math.isfinite(seconds):
        raise ValueError(f"must be more than 0 seconds and finite, got {value!r}")
    return seconds


def _source(entry: Any, where: str, spiders: Collection[str],
            base_settings: dict[str, str], base_timeout: float,
            errors: list[str]) -> Source | None:
    if not isinstance(entry, Mapping):
        errors.append(f"{where}: must be a mapping with name and spider, got {_kind(entry)}")
        return None
    _unknown_keys(entry, _SOURCE_KEYS, f"{where}.", errors)
    name = _name(entry.get("name"), f"{where}.name", errors)
    spider = _spider(entry.get("spider"), f"{where}.spider", spiders, errors)
    args = _args(entry.get("args"), f"{where}.args", errors)
    own = _settings(entry.get("settings"), f"{where}.settings", errors)
    timeout = _timeout(entry.get("timeout", base_timeout), f"{where}.timeout", errors)
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        errors.append(f"{where}.enabled: must be true or false, got {enabled!r}")
    if name is None or spider is None:
        return None
    settings = {**base_settings, **own}
    return Source(name, spider, tuple(args.items()), tuple(settings.items()), timeout,
                  enabled is not False)


def _name(value: Any, where: str, errors: list[str]) -> str | None:
    if value is None:
        errors.append(f"{where}: missing")
    elif not isinstance(value, str) or not _NAME.fullmatch(value):
        quote = ("; quote it: YAML reads yes/no/on/off as true/false"
                 if isinstance(value, bool) else "")
        errors.append(f"{where}: {value!r} is not a usable name (letters, digits, '.', '_', "
                      f"'-'; it names the source's log file){quote}")
    else:
        return value
    return None


def _spider(value: Any, where: str, spiders: Collection[str], errors: list[str]) -> str | None:
    if value is None:
        errors.append(f"{where}: missing")
    elif not isinstance(value, str) or value not in spiders:
        known = ", ".join(sorted(spiders)) or "none"
        errors.append(f"{where}: unknown spider {value!r}{_hint(str(value), spiders)} "
                      f"(this project has: {known})")
    else:
        return value
    return None


def _args(value: Any, where: str, errors: list[str]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        errors.append(f"{where}: must be a mapping of argument: value, got {_kind(value)}")
        return {}
    args: dict[str, str] = {}
    for key, arg in value.items():
        if not isinstance(key, str) or not _ARG.fullmatch(key):
            errors.append(f"{where}.{key}: not a spider argument name")
        elif isinstance(arg, Scalar):
            args[key] = _scalar(arg)
        else:
            errors.append(f"{where}.{key}: must be a single value (string, number or "
                          f"true/false), got {_kind(arg)}; join several values with commas")
    return args


def _settings(value: Any, where: str, errors: list[str]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        errors.append(f"{where}: must be a mapping of SETTING: value, got {_kind(value)}")
        return {}
    settings: dict[str, str] = {}
    for key, setting in value.items():
        path = f"{where}.{key}"
        if not isinstance(key, str) or not _SETTING.fullmatch(key):
            errors.append(f"{path}: setting names are upper case, like DOWNLOAD_TIMEOUT")
        elif key in RESERVED_SETTINGS:
            errors.append(f"{path}: set by crawlall for every source (its summary reads it)")
        elif (text := _setting_value(setting)) is None:
            errors.append(f"{path}: must be a string, number, true/false, list or mapping, "
                          f"got {_kind(setting)}")
        else:
            settings[key] = text
    return settings


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


def _timeout(value: Any, where: str, errors: list[str]) -> float:
    try:
        return parse_duration(value)
    except ValueError as exc:
        errors.append(f"{where}: {exc}")
        return DEFAULT_TIMEOUT


def _parallel(value: Any, errors: list[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        errors.append(f"parallel: must be a whole number of 1 or more, got {value!r}")
        return 1
    return value


def _unknown_keys(data: Mapping[Any, Any], allowed: tuple[str, ...], prefix: str,
                  errors: list[str]) -> None:
    for key in data:
        if key not in allowed:
            errors.append(f"{prefix}{key}: unknown key{_hint(str(key), allowed)} "
                          f"(expected {', '.join(allowed)})")


def _hint(value: str, choices: Collection[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1)
    return f", did you mean {close[0]!r}?" if close else ""


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "a string"}.get(type(value), repr(value))
