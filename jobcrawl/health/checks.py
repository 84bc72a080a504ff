"""Health checks of a finished crawl: pure functions of its figures and its source's history.

Each check returns a CheckResult; `evaluate` runs the ones the settings switch on.
The extension that runs them when a crawl closes is jobcrawl.health.extension.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from jobcrawl.config.types import SettingsModel
from jobcrawl.items import JOB_FIELDS

# The history check compares with the median of at least this many earlier ok runs:
# fewer say too little about what is normal for the source.
MIN_HISTORY_RUNS = 3
DEFAULT_COVERAGE: Mapping[str, float] = {"description": 0.99}


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict: skipped checks (not enough data) count as ok."""

    name: str
    ok: bool
    message: str
    figures: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _whole(raw: Any) -> int:
    # bool is an int, and int(2.5) would silently truncate: accept ints and digit strings.
    text = str(raw).strip()
    if isinstance(raw, bool) or not text.isdigit():
        raise ValueError(f"must be a whole number >= 0, got {raw!r}")
    return int(text)


def _history_runs(raw: Any) -> int:
    runs = _whole(raw)
    if 0 < runs < MIN_HISTORY_RUNS:
        raise ValueError(f"must be 0 (off) or at least {MIN_HISTORY_RUNS}, got {runs}")
    return runs


def _number(raw: Any, maximum: float | None = None) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(raw, bool) or not math.isfinite(value) or value < 0 or (
            maximum is not None and value > maximum):
        upper = f" and <= {maximum:g}" if maximum is not None else ""
        raise ValueError(f"must be a number >= 0{upper}, got {raw!r}")
    return value


def _share(raw: Any) -> float:
    return _number(raw, maximum=1.0)


def _optional_ratio(raw: Any) -> float | None:
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in ("", "none", "off")):
        return None
    return _number(raw)


def _coverage(raw: Any) -> dict[str, float]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise ValueError('must be a JSON object such as {"description": 0.99, '
                             f'"company": 0.5}}, got {raw!r}') from None
    if not isinstance(raw, Mapping):
        raise ValueError(f"must map JobItem fields to minimum shares, got {raw!r}")
    unknown = sorted(str(key) for key in raw if key not in JOB_FIELDS)
    if unknown:
        raise ValueError(f": unknown JobItem field(s) {', '.join(unknown)}; "
                         f"fields: {', '.join(JOB_FIELDS)}")
    shares = {}
    for key, value in raw.items():
        try:
            shares[key] = _share(value)
        except ValueError as exc:
            raise ValueError(f"[{key!r}] {exc}") from None
    return shares


class MonitorConfig(SettingsModel):
    """The JOBCRAWL_MONITOR_* settings, validated once; a check is off as noted per field."""

    min_items: Annotated[int, BeforeValidator(_whole)] = Field(
        1, alias="JOBCRAWL_MONITOR_MIN_ITEMS")  # 0: off
    max_error_ratio: Annotated[float | None, BeforeValidator(_optional_ratio)] = Field(
        0.05, alias="JOBCRAWL_MONITOR_MAX_ERROR_RATIO")  # None: off
    min_coverage: Annotated[dict[str, float], BeforeValidator(_coverage)] = Field(
        DEFAULT_COVERAGE, alias="JOBCRAWL_MONITOR_MIN_COVERAGE")  # {}: off
    history_runs: Annotated[int, BeforeValidator(_history_runs)] = Field(
        5, alias="JOBCRAWL_MONITOR_HISTORY_RUNS")  # 0: off
    min_history_ratio: Annotated[float, BeforeValidator(_share)] = Field(
        0.5, alias="JOBCRAWL_MONITOR_MIN_HISTORY_RATIO")  # 0: off

    @property
    def uses_history(self) -> bool:
        return self.history_runs > 0 and self.min_history_ratio > 0


# --- the checks ---------------------------------------------------------------

def _seen(items: int, touched: int) -> str:
    """ "N items stored"; with touched ads, "N items stored or touched (T touched)"."""
    if touched:
        return f"{items} items stored or touched ({touched} touched)"
    return f"{items} items stored"


def check_min_items(items_stored: int, minimum: int, touched: int = 0) -> CheckResult:
    """A source that stores fewer than `minimum` ads (by default: none) is not a success.

    items_stored counts the ads the recrawl touched without refetching them
    (`touched` of them): a nightly recrawl of an unchanged board sees every ad.
    """
    ok = items_stored >= minimum
    figures = {"items": items_stored, "minimum": minimum}
    if touched:
        figures["touched"] = touched
    return CheckResult("min_items", ok, f"{_seen(items_stored, touched)}, minimum {minimum}",
                       figures)


def check_error_ratio(errors: int, requests: int, maximum: float) -> CheckResult:
    """ERROR log lines per request sent (with no request, any error fails)."""
    ratio = errors / max(requests, 1)
    message = (f"{errors} errors in {requests} requests ({ratio:.1%}), "
               f"maximum {maximum:.1%}")
    return CheckResult("error_ratio", ratio <= maximum, message,
                       {"errors": errors, "requests": requests, "ratio": round(ratio, 6),
                        "maximum": maximum})


def check_coverage(items: int, counts: Mapping[str, int],
                   minimums: Mapping[str, float]) -> CheckResult:
    """Each field must be non-empty on at least its minimum share of the stored ads."""
    if items == 0:
        return CheckResult("coverage", True, "skipped: no items stored", {"items": 0},
                           skipped=True)
    fields: dict[str, dict[str, Any]] = {}
    failing: list[str] = []
    passing: list[str] = []
    for name, minimum in minimums.items():
        count = counts.get(name, 0)
        share = count / items
        fields[name] = {"count": count, "share": round(share, 6), "minimum": minimum}
        text = f"{name} on {count} of {items} items ({share:.1%}), minimum {minimum:.1%}"
        (passing if share >= minimum else failing).append(text)
    message = "; ".join(failing or passing)
    return CheckResult("coverage", not failing, message, {"items": items, "fields": fields})


def check_history(items_stored: int, previous: Sequence[int], min_ratio: float,
                  label: str, touched: int = 0) -> CheckResult:
    """Fewer items than min_ratio x the median of the source's earlier ok runs fails.

    Items are stored or touched ads, now and in the earlier runs (see check_min_items).
    """
    figures: dict[str, Any] = {"items": items_stored, "previous": list(previous),
                               "minimum_ratio": min_ratio}
    if touched:
        figures["touched"] = touched
    if len(previous) < MIN_HISTORY_RUNS:
        return CheckResult(
            "history", True,
            f"skipped: {len(previous)} earlier ok runs of {label}, {MIN_HISTORY_RUNS} needed",
            figures, skipped=True)
    median = statistics.median(previous)
    figures["median"] = median
    if median == 0:
        return CheckResult("history", True, f"skipped: the median of {label}'s earlier "
                           "runs is 0 items", figures, skipped=True)
    ratio = items_stored / median
    figures["ratio"] = round(ratio, 6)
    message = (f"{_seen(items_stored, touched)}, {ratio:.0%} of the median {median:g} of the "
               f"last {len(previous)} ok runs of {label}, minimum {min_ratio:.0%}")
    return CheckResult("history", ratio >= min_ratio, message, figures)


@dataclass(frozen=True)
class CrawlFacts:
    """What the checks read about one crawl."""

    items_stored: int  # stored or touched
    errors: int
    requests: int
    coverage_items: int
    coverage: Mapping[str, int]
    label: str  # "<spider> / <source>", for messages
    # Items stored by the source's earlier ok runs, newest first; None: not available.
    history: Sequence[int] | None = None
    history_note: str = ""  # why history is None
    items_touched: int = 0  # of items_stored, ads touched without a refetch


def evaluate(config: MonitorConfig, facts: CrawlFacts) -> list[CheckResult]:
    """Run every check the config switches on, in a fixed order."""
    results = []
    if config.min_items > 0:
        results.append(check_min_items(facts.items_stored, config.min_items,
                                       facts.items_touched))
    if config.max_error_ratio is not None:
        results.append(check_error_ratio(facts.errors, facts.requests, config.max_error_ratio))
    if config.min_coverage:
        results.append(check_coverage(facts.coverage_items, facts.coverage,
                                      config.min_coverage))
    if config.uses_history:
        if facts.history is None:
            results.append(CheckResult("history", True, f"skipped: {facts.history_note}",
                                       {"items": facts.items_stored}, skipped=True))
        else:
            results.append(check_history(facts.items_stored, facts.history,
                                         config.min_history_ratio, facts.label,
                                         facts.items_touched))
    return results
