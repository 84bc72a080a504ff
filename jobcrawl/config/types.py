"""Types every validated configuration shares, and component settings read as one model.

One duration syntax (``90``, ``90s``, ``30m``, ``12h``, ``7d``, ``2w``), one
positive integer, one on/off flag: a recrawl TTL, a source's timeout and a
batch size are read the same way wherever they appear. Each parser raises
ValueError with a message that reads after the name of what it checked
("JOBCRAWL_STORE_BATCH_SIZE must be an integer >= 1, got 'x'").
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def duration_seconds(raw: Any) -> float:
    """Seconds (>= 0) from a number or a string: ``90``, ``90s``, ``30m``, ``1.5h``, ``7d``."""
    if isinstance(raw, timedelta):
        return raw.total_seconds()
    text = str(raw).strip().lower()
    match = _DURATION.fullmatch(text)
    if isinstance(raw, bool) or match is None:
        raise ValueError(f"must be a duration such as 7d, 12h, 30m or 3600 (seconds), got {raw!r}")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if not math.isfinite(seconds):
        raise ValueError(f"must be a finite duration, got {raw!r}")
    return seconds


def positive_int(raw: Any) -> int:
    """An int >= 1 from an int or a string of digits; bools and 2.5 are refused, not truncated."""
    text = str(raw).strip()
    if isinstance(raw, bool) or not text.isdigit() or int(text) < 1:
        raise ValueError(f"must be an integer >= 1, got {raw!r}")
    return int(text)


def flag(raw: Any) -> bool:
    """True/False from a bool or 1/0, true/false, yes/no, on/off (as `-s NAME=...` gives them)."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"must be True or False, got {raw!r}")


def duration(raw: Any) -> timedelta:
    """A timedelta from anything duration_seconds reads."""
    return timedelta(seconds=duration_seconds(raw))


Duration = Annotated[timedelta, BeforeValidator(duration)]
PositiveInt = Annotated[int, BeforeValidator(positive_int)]
Flag = Annotated[bool, BeforeValidator(flag)]


def first_error(exc: ValidationError, prefix: str = "") -> str:
    """The first error of a pydantic ValidationError as "<where> <message>"."""
    error = exc.errors()[0]
    where = prefix + ".".join(str(part) for part in error["loc"])
    cause = (error.get("ctx") or {}).get("error")
    message = str(cause) if isinstance(cause, ValueError) else error["msg"]
    return f"{where} {message}".strip()


class SettingsModel(BaseModel):
    """A component's JOBCRAWL_* settings as one frozen model: fields are aliased to setting names.

    ``from_settings`` reads every aliased setting that is present (the field's
    default otherwise) and raises ValueError naming the first bad setting.
    """

    model_config: ClassVar[ConfigDict] = ConfigDict(frozen=True, populate_by_name=True,
                                                    validate_default=True,
                                                    extra="forbid")

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        values = {}
        for name, info in cls.model_fields.items():
            setting = info.alias or name
            if setting in settings:
                values[setting] = settings.get(setting)
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise ValueError(first_error(exc)) from None
