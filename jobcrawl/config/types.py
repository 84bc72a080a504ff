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
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from pydantic import ModelWrapValidatorHandler, ValidationInfo
    from pydantic_core import ErrorDetails
    from scrapy.settings import BaseSettings

Loc = tuple[str | int, ...]

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


def timeout_seconds(raw: Any) -> float:
    """Seconds > 0 and finite (a timeout): a number, or any duration duration_seconds reads."""
    wrong = f"must be seconds or a duration like 30m or 2h, got {raw!r}"
    if isinstance(raw, bool) or raw is None:
        raise ValueError(wrong)
    if isinstance(raw, int | float):
        seconds = float(raw)
    else:
        try:
            seconds = duration_seconds(raw)
        except ValueError:
            raise ValueError(wrong) from None
    if not seconds > 0 or not math.isfinite(seconds):
        raise ValueError(f"must be more than 0 seconds and finite, got {raw!r}")
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


def http_url(raw: Any) -> str:
    """An http(s) URL with a host, stripped; ValueError "not an http(s) URL: ..." otherwise."""
    text = raw.strip() if isinstance(raw, str) else None
    try:
        parts = urlsplit(text) if text else None
    except ValueError:  # "http://[::1" and other malformed hosts
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {raw!r}")
    return text


def count(raw: Any) -> int:
    """A whole number >= 1 as YAML gives it: 2.5, "2" and true are refused, not converted."""
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise ValueError(f"must be a whole number of 1 or more, got {raw!r}")
    return raw


def yaml_bool(raw: Any) -> bool:
    """true or false as YAML gives it (quote-free); "yes" in quotes is refused."""
    if not isinstance(raw, bool):
        raise ValueError(f"must be true or false, got {raw!r}")
    return raw


def error_message(error: ErrorDetails) -> str:
    """A pydantic error's message: the text of the ValueError a validator raised, as it was."""
    cause = (error.get("ctx") or {}).get("error")
    return str(cause) if isinstance(cause, ValueError) else error["msg"]


def key_path(loc: Sequence[str | int]) -> str:
    """The YAML key path of an error location: ("sources", 2, "timeout") -> sources[2].timeout."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def first_error(exc: ValidationError, prefix: str = "") -> str:
    """The first error of a pydantic ValidationError as "<where> <message>"."""
    error = exc.errors()[0]
    where = prefix + ".".join(str(part) for part in error["loc"])
    message = error_message(error)
    # "X: unknown ..." and "X['key'] must be ..." read without a space after the name.
    return f"{where}{'' if message[:1] in ':[' else ' '}{message}".strip()


def problem(loc: Loc, message: str) -> InitErrorDetails:
    """One error at `loc` (relative to the value being validated) saying `message`."""
    # The message goes in as context, so braces in a selector or a regex stay as written.
    error = PydanticCustomError("jobcrawl", "{message}", {"message": message})
    return InitErrorDetails(type=error, loc=loc, input=None)


def relocated(exc: ValidationError, prefix: Loc = ()) -> list[InitErrorDetails]:
    """The errors of `exc` as problems, their locations put under `prefix`."""
    return [problem((*prefix, *error["loc"]), error_message(error)) for error in exc.errors()]


def raise_problems(title: str, problems: Iterable[InitErrorDetails]) -> None:
    """Raise every problem at once (pydantic puts them under the caller's location)."""
    problems = list(problems)
    if problems:
        raise ValidationError.from_exception_data(title, problems)


class FileModel(BaseModel):
    """A mapping a user writes (a profile, a sources file): every problem is reported at once.

    Keys the model does not know are reported first, in the file's order, then the
    fields' own errors; a value that is not a mapping gets ``not_a_mapping``.
    """

    model_config: ClassVar[ConfigDict] = ConfigDict(frozen=True, validate_default=True,
                                                    arbitrary_types_allowed=True)

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return tuple(info.alias or name for name, info in cls.model_fields.items())

    @classmethod
    def unknown_key(cls, key: Any) -> str:
        return f"unknown key; known: {', '.join(cls.keys())}"

    @classmethod
    def not_a_mapping(cls, value: Any) -> str:
        return f"must be a mapping, got {value!r}"

    @classmethod
    def shape_problems(cls, data: Mapping[Any, Any], info: ValidationInfo
                       ) -> tuple[list[InitErrorDetails], bool]:
        """Problems of the mapping as a whole (after unknown keys), and whether to go on."""
        return [], True

    @model_validator(mode="wrap")
    @classmethod
    def _every_problem(cls, data: Any, handler: ModelWrapValidatorHandler[Self],
                       info: ValidationInfo) -> Self:
        if isinstance(data, cls):
            return data
        if not isinstance(data, Mapping):
            raise ValueError(cls.not_a_mapping(data))
        known = cls.keys()
        problems = [problem((str(key),), cls.unknown_key(key)) for key in data
                    if key not in known]
        shape, go_on = cls.shape_problems(data, info)
        problems += shape
        if not go_on:
            raise_problems(cls.__name__, problems)
        try:
            model = handler({key: value for key, value in data.items() if key in known})
        except ValidationError as exc:
            problems += relocated(exc)
        raise_problems(cls.__name__, problems)
        return model


class SettingsModel(BaseModel):
    """A component's JOBCRAWL_* settings as one frozen model: fields are aliased to setting names.

    ``from_settings`` reads every aliased setting that is present (the field's
    default otherwise) and raises ValueError naming the first bad setting.
    """

    model_config: ClassVar[ConfigDict] = ConfigDict(frozen=True, populate_by_name=True,
                                                    validate_default=True,
                                                    extra="forbid")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Fields by name or, as a dataclass takes them, by position in their order."""
        names = list(type(self).model_fields)
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__} takes at most {len(names)} positional "
                            f"arguments, got {len(args)}")
        super().__init__(**dict(zip(names, args, strict=False)), **kwargs)

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
