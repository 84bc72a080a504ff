"""The User-Agent names who runs the crawl: JOBCRAWL_CONTACT goes into the default one.

A site owner who sees an unfamiliar crawler in their logs should be able to reach
whoever runs it; Scrapy's convention (and most crawlers') is a `+URL` or an email
inside the User-Agent's comment. An add-on (Scrapy's ADDONS) is the one hook that
runs after every `-s` option and spider setting is known and before the settings
freeze, so `-s JOBCRAWL_CONTACT=...` works like the environment variable.

Settings: JOBCRAWL_CONTACT (read), USER_AGENT (set at project priority, and only while
it is still jobcrawl's default: a USER_AGENT set anywhere else wins). No stats.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

NAME, VERSION = "jobcrawl", "0.1"
PRODUCT = f"{NAME}/{VERSION}"
COMMENT = "research job-advert corpus crawler"
DEFAULT_USER_AGENT = f"{PRODUCT} ({COMMENT}; set JOBCRAWL_CONTACT to add your contact)"
# Printable ASCII without the characters that would end the comment or the header:
# a contact read from the environment must never inject a header line.
_CONTACT = re.compile(r"[!-~](?:[ -~]*[!-~])?")


def contact_value(raw: object) -> str:
    """JOBCRAWL_CONTACT stripped; ValueError naming the setting when it cannot go in a header."""
    contact = "" if raw is None else str(raw).strip()
    if contact and (not _CONTACT.fullmatch(contact) or any(c in contact for c in "()\\")):
        raise ValueError(
            f"JOBCRAWL_CONTACT must be printable ASCII without parentheses or backslashes "
            f"(an email or URL), got {contact!r}")
    return contact


def user_agent(contact: str) -> str:
    """The default User-Agent, with `+contact` when one is given."""
    return f"{PRODUCT} (+{contact}; {COMMENT})" if contact else DEFAULT_USER_AGENT


class ContactUserAgent:
    """Add-on: puts JOBCRAWL_CONTACT into the default USER_AGENT (see the module docstring)."""

    def update_settings(self, settings: BaseSettings) -> None:
        contact = contact_value(settings.get("JOBCRAWL_CONTACT"))
        if contact and settings.get("USER_AGENT") == DEFAULT_USER_AGENT:
            settings.set("USER_AGENT", user_agent(contact), priority="project")
