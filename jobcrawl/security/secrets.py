"""Secret masking: the one place that decides what a credential looks like and hides it.

Used by the run record (arguments and `-s` settings), every database error and
log line (URLs with passwords), the adzuna spider (keys in query strings), export
manifests and crawlall's dry run (command lines).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy.engine import make_url

MASK = "***"
# Words of an argument or setting name that mark its value as a secret. Whole words,
# so that `keywords` (reed) stays readable while `api_key`, `apiKey` and `app_key` do not.
_SECRET_SUFFIXES = ("key", "keys", "token", "tokens", "secret", "secrets", "password",
                    "passwd", "pwd", "auth", "credential", "credentials")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s,]+")


def is_secret_name(name: str) -> bool:
    """True for names like api_key, apiKey, app_key, token, client_secret, password, auth,
    and app_id (JOBCRAWL_ADZUNA_APP_ID: half of Adzuna's credential pair)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
    words = re.split(r"[^a-z0-9]+", spaced)
    if "appid" in words or ("app", "id") in pairwise(words):
        return True
    for word in words:
        if word.endswith(_SECRET_SUFFIXES):
            return True
        if word.startswith("auth") and word not in ("author", "authors"):
            return True
    return False


def mask_url(url: str) -> str:
    """`url` with the password of its user info and secret query values masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user, has_password, _ = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{host}" if has_password else netloc
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(is_secret_name(name) for name, _ in pairs):
        query = urlencode([(name, MASK if is_secret_name(name) else value)
                           for name, value in pairs], safe="*")
    if (netloc, query) == (parts.netloc, parts.query):
        # Rebuilt only when something is masked: urlunsplit would turn sqlite:////abs
        # into sqlite://abs, and other URLs must stay byte for byte.
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def mask_text(text: str) -> str:
    """Every URL inside `text` (e.g. a comma-separated list) passed through mask_url."""
    return _URL.sub(lambda match: mask_url(match.group()), text)


def mask_value(name: str, value: Any) -> Any:
    """A JSON-safe value for the run record: secrets by name masked, URLs' credentials too."""
    if is_secret_name(name):
        return MASK
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {str(key): mask_value(str(key), item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(name, item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return mask_text(str(value))


def masked(values: Mapping[str, Any]) -> dict[str, Any]:
    """A mapping of arguments or settings with every secret masked."""
    return {str(name): mask_value(str(name), value) for name, value in values.items()}


def mask_argument(part: str) -> str:
    """One command-line word as it may be shown or recorded (export manifests, crawlall's
    dry run): `NAME=value` with a secret name becomes `NAME=***`; URLs lose their
    passwords and secret query values either way."""
    name, sep, value = part.partition("=")
    if sep and value and is_secret_name(name):
        return f"{name}={MASK}"
    return mask_text(part)


def mask_command(argv: Iterable[str]) -> list[str]:
    """A whole command line through mask_argument."""
    return [mask_argument(part) for part in argv]


def redact_url(url: str) -> str:
    """A database URL with any password masked, safe for logs, errors and reports."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable database URL>"


def query_masker(names: Iterable[str]) -> Callable[[str], str]:
    """A function that masks the values of the named query parameters wherever they appear.

    For credentials an API takes in its query string under names that do not look
    secret (Adzuna's `app_id`): `query_masker(["app_id", "app_key"])(text)`.
    """
    pattern = re.compile(r"(?<=[?&])(" + "|".join(map(re.escape, names)) + r")=[^&#\s>]*")

    def mask(text: str) -> str:
        return pattern.sub(rf"\1={MASK}", text)

    return mask


class MaskingLogFilter(logging.Filter):
    """Passes every log record's message through `mask` before a handler emits it.

    Scrapy's own lines print request URLs too ("Crawled (200) <GET ...>" at DEBUG,
    "Gave up retrying <GET ...>" at ERROR), so masking our own messages is not enough.
    """

    def __init__(self, mask: Callable[[str], str]) -> None:
        super().__init__()
        self.mask = mask

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: logging reports it itself
            return True
        masked_message = self.mask(message)
        if masked_message != message:
            record.msg, record.args = masked_message, None
        return True
