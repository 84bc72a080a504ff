"""Personio's public XML feed (``GET {company}.jobs.personio.de/xml``) -> JobItems."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from lxml import etree

from jobcrawl.extract.builder import LOCATION_SEPARATOR, build_item
from jobcrawl.extract.normalize import employment_terms
from jobcrawl.extract.records import date_or_text
from jobcrawl.extract.text import clean_line, html_to_text
from jobcrawl.items import JobItem

if TYPE_CHECKING:
    from datetime import date, datetime

ROOT_TAG = "workzag-jobs"
# A feed is data from the web: never fetch or expand external entities (XXE).
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
# Personio's schedule value for ads open to both: it names no single contract time.
_EITHER_SCHEDULE = "full-or-part-time"


def positions(xml: bytes) -> list[dict[str, Any]]:
    """Every <position> of a feed as a dict of its child elements.

    Plain children become strings; <additionalOffices> a list of office names;
    <jobDescriptions> a list of {"name", "value"} dicts (value: the CDATA HTML).
    Raises ValueError when `xml` is not a Personio feed (unreadable, other root).
    """
    try:
        root = etree.fromstring(xml, _PARSER)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"unreadable XML: {error}") from None
    if root is None or root.tag != ROOT_TAG:
        tag = None if root is None else root.tag
        raise ValueError(f"root element is <{tag}>, not <{ROOT_TAG}>")
    return [_position(element) for element in root.iterchildren("position")]


def _position(element: etree._Element) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for child in element.iterchildren(tag=etree.Element):
        if child.tag == "additionalOffices":
            found[child.tag] = [text for office in child.iterchildren("office")
                                if (text := _element_text(office))]
        elif child.tag == "jobDescriptions":
            found[child.tag] = [
                {"name": _element_text(block.find("name")),
                 "value": _element_text(block.find("value"))}
                for block in child.iterchildren("jobDescription")
            ]
        else:
            found[child.tag] = _element_text(child)
    return found


def _element_text(element: etree._Element | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def _line(position: dict[str, Any], key: str) -> str | None:
    value = position.get(key)
    return clean_line(value) if isinstance(value, str) else None


def position_url(position: dict[str, Any], company: str) -> str:
    """The ad's public page on the company's Personio job site."""
    return f"https://{company}.jobs.personio.de/job/{_line(position, 'id') or ''}"


def location(position: dict[str, Any]) -> str | None:
    """The office, then any additional offices, joined "; "."""
    offices = [_line(position, "office")]
    extra = position.get("additionalOffices")
    if isinstance(extra, list):
        offices += [clean_line(office) for office in extra if isinstance(office, str)]
    unique = list(dict.fromkeys(office for office in offices if office))
    return LOCATION_SEPARATOR.join(unique) or None


def contract_terms(position: dict[str, Any]) -> tuple[str | None, str | None]:
    """(contract_type, contract_time) from employmentType and schedule."""
    schedule = _line(position, "schedule")
    if schedule is not None and schedule.lower() == _EITHER_SCHEDULE:
        schedule = None
    return employment_terms([_line(position, "employmentType"), schedule])


def description(position: dict[str, Any]) -> str:
    """Every description block: its name as a heading, then its HTML, as plain text."""
    blocks = position.get("jobDescriptions")
    if not isinstance(blocks, list):
        return ""
    html = []
    for block in blocks:
        if not isinstance(block, dict):
            continue
        name, value = block.get("name"), block.get("value")
        if isinstance(name, str) and name.strip():
            html.append(f"<h3>{escape(name.strip())}</h3>")
        if isinstance(value, str):
            html.append(f"<div>{value}</div>")
    return html_to_text("".join(html))


def date_posted(position: dict[str, Any]) -> date | str | None:
    """createdAt ("2024-03-05T09:12:44+01:00") keeps its own calendar date."""
    raw = _line(position, "createdAt")
    return date_or_text(raw)


def to_item(position: dict[str, Any], *, source: str, scraped_at: datetime,
            company: str) -> JobItem:
    """A JobItem from one position; `company` is the job-site name (for the public URL).

    The feed has no closing date or salary fields: the normalize pipeline looks for
    both in the description text. Never raises on a missing field.
    """
    return build_item(
        source=source,
        scraped_at=scraped_at,
        webindex=_line(position, "id") or "",
        url=position_url(position, company),
        title=_line(position, "name") or "",
        company=_line(position, "subcompany"),
        location=location(position),
        category=_line(position, "department") or _line(position, "recruitingCategory"),
        terms=contract_terms(position),
        description=description(position),
        date_posted=date_posted(position),
    )
