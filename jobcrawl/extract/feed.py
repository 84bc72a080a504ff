"""One feed entry (RSS <item>, Atom <entry>, a <job>, <ad> or <item> record) -> one JobItem."""

# Child elements are matched by local name, lower-cased, without "-", "_" and ".", so that
# <referencenumber>, <reference-number>, <Expiry_date> and <job_listing:job_type> all
# match. Each field has a list of the names real feeds give it, in order of preference
# (docs/feeds.md lists them with the feeds they come from). The job fields that RSS and
# Atom lack (company, location, salary, job type, closing date) come from extension
# elements such as WP Job Manager's <job_listing:company>, NEOGOV's <joblisting:...> or
# EngageATS's <engAts:...>, in any namespace; dc:creator names whoever posted the
# item, not the employer, and is never read as the company.

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from lxml import etree
from w3lib.html import replace_entities

from jobcrawl.extract import feedfields as fields
from jobcrawl.extract.builder import build_item
from jobcrawl.extract.feedreader import RDF_NS
from jobcrawl.extract.ids import webindex_from_url
from jobcrawl.extract.normalize import employment_terms
from jobcrawl.extract.salary import Salary, currency_code, normalize_period, salary_from_parts
from jobcrawl.extract.text import clean_line, html_to_text, tidy_paragraphs
from jobcrawl.items import JobItem

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

COMPANY = ("company", "companyname", "employer", "hiringorganization", "organization",
           "organisation")
LOCATION = ("location", "joblocation")
CITY = ("city", "town")
REGION = ("state", "region", "province", "county")
COUNTRY = ("country", "countryname")
POSTCODE = ("postalcode", "postcode", "zip", "zipcode")
SALARY = ("salary", "salaryrange", "wages")
SALARY_MIN = ("salarymin", "minsalary", "minimumsalary", "salaryfrom", "salaryrangefrom")
SALARY_MAX = ("salarymax", "maxsalary", "maximumsalary", "salaryto", "salaryrangeto")
SALARY_CURRENCY = ("salarycurrency", "currency")
SALARY_PERIOD = ("salaryinterval", "salaryperiod", "salaryunit")
# Attributes of <salary> (Jobijoba: <salary periodicity="year" currency="€">).
SALARY_CURRENCY_ATTRS = ("currency",)
SALARY_PERIOD_ATTRS = ("periodicity", "period", "unit", "interval")
JOB_TYPE = ("jobtype", "employmenttype", "employmenttypes", "contracttype", "vcontracttype",
            "fullpart", "workinghours", "workingpatterns", "jobstatus", "contract",
            "contractlength", "type")
CATEGORY = ("jobcategory", "category", "categories", "industry")
DEPARTMENT = ("department",)
# Local times before UTC ones: a timestamp keeps its own calendar date, and NEOGOV's
# advertiseToDateTimeUTC of 07:59 on the 22nd is 23:59 on the 21st where the job is.
CLOSING = ("expirationdate", "expirydate", "expiredate", "expire", "expires", "expiresat",
           "closingdate", "closedate", "deadline", "applicationdeadline", "validthrough",
           "validuntil", "advertisetodatetime", "advertisetodatetimeutc")
# In RSS items only: EngageATS's <engAts:endDate> closes the advert; in a <job> record an
# end date more often ends the contract.
RSS_CLOSING = (*CLOSING, "enddate")
# Record elements (<job>, <ad>, Broadbean's <item>): Indeed, ZipRecruiter, Jooble,
# Careerjet, Jobrapido, Jobatus/Trovit, Broadbean and other aggregators' variants.
JOB_ID = ("referencenumber", "reference", "referenceid", "jobreference", "jobid",
          "vacancyid", "id", "guid")
JOB_URL = ("url", "link", "joburl", "adverturl", "rssfeedvacancyurl")
JOB_TITLE = ("title", "jobtitle", "vacancytitle", "name")
JOB_DESCRIPTION = ("description", "jobdescription", "jobadvert", "adverttext", "body",
                   "content", "desc")
JOB_POSTED = ("date", "dateposted", "posteddate", "pubdate", "publishdate", "publisheddate",
              "publicationdate", "publishon", "datesinceonline", "advertisefromdate",
              "advertisefromdateutc", "updated")
# The whole ad where an RSS item's <description> is often an excerpt.
FULL_TEXT = ("jobdescription", "jobadvert", "adverttext")
# RSS <category domain="..."> (EngageATS): the domain says which field the term fills.
DOMAIN_FIELDS = {
    "location": "location",
    "contracttype": "terms", "workingpattern": "terms", "jobtype": "terms",
    "employmenttype": "terms",
    "jobcategory": "category", "category": "category", "department": "category",
    "industry": "category",
}  # fmt: skip
# We Work Remotely writes "Company: Title" and names the company nowhere else.
COMPANY_IN_TITLE_HOSTS = ("weworkremotely.com",)
# Boards that list remote jobs only (their region says where applicants may live).
REMOTE_ONLY_HOSTS = ("weworkremotely.com",)

_NAME_NOISE = re.compile(r"[-_.]")
# "at_one_school" (a school feed's Job_location): a code for where the job sits, no place.
_CODE = re.compile(r"[a-z]+(?:_[a-z]+)+")
_RDF_ABOUT = f"{{{RDF_NS}}}about"


@dataclass(frozen=True)
class FeedContext:
    """What every entry of one feed shares: where it came from and when it was read."""

    feed_url: str  # the feed's own URL: relative links resolve against it
    source: str
    scraped_at: datetime


def source_for(feed_url: str) -> str:
    """The source name of a feed's ads: "feed:<host of the feed URL>"."""
    return f"feed:{(urlsplit(feed_url).hostname or '').rstrip('.')}"


def to_item(entry: etree._Element, dialect: str, context: FeedContext) -> JobItem:
    """The JobItem of one entry of a feed of `dialect` (a name of feedreader.DIALECTS).

    Never raises on missing or odd fields: what cannot be read stays None / "".
    closing_date_raw holds the structured expiry as written (the normalize pipeline
    parses it, day-first or not); a posting date that reads the same day-first and
    month-first becomes a date, any other stays a string for the normalize pipeline.
    """
    return _MAPPERS[dialect](entry, context)


def normalised_name(name: str) -> str:
    """How an element's local name is matched: "Expiry_date" -> "expirydate"."""
    return _NAME_NOISE.sub("", name.lower())


class _Children:
    """An entry's child elements by normalised local name: its own namespace, and others."""

    def __init__(self, entry: etree._Element) -> None:
        self._own_namespace = etree.QName(entry).namespace
        self.own: dict[str, list[etree._Element]] = {}
        self.extension: dict[str, list[etree._Element]] = {}
        self.add(entry)

    def add(self, parent: etree._Element, *, extension: bool = False) -> None:
        """`parent`'s children; as extensions whatever their namespace with `extension`."""
        for child in parent:
            if not isinstance(child.tag, str):  # an unexpanded entity reference
                continue
            name = etree.QName(child)
            own = not extension and name.namespace == self._own_namespace
            table = self.own if own else self.extension
            table.setdefault(normalised_name(name.localname), []).append(child)

    def elements(self, names: tuple[str, ...], *, own: bool = True,
                 extension: bool = True) -> list[etree._Element]:
        found: list[etree._Element] = []
        for name in names:
            found += self.own.get(name, []) if own else []
            found += self.extension.get(name, []) if extension else []
        return found

    def line(self, names: tuple[str, ...], **where: bool) -> str | None:
        """The first non-empty one-line text among `names`, HTML and entities decoded."""
        return next(filter(None, map(fields.parts_line, self.elements(names, **where))), None)

    def value(self, names: tuple[str, ...], **where: bool) -> str | None:
        """The first non-empty value (id, URL, date) among `names`, exactly as the XML says."""
        return next(filter(None, map(fields.value, self.elements(names, **where))), None)

    def lines(self, names: tuple[str, ...], **where: bool) -> list[str]:
        """Every distinct non-empty one-line text among `names`, in order."""
        texts = map(fields.parts_line, self.elements(names, **where))
        return list(dict.fromkeys(filter(None, texts)))


def _location(children: _Children) -> str | None:
    """"City, Region, Country"; a plain <location> or the postcode stands in for the city."""
    parts: list[str] = []
    located = (text for text in children.lines(LOCATION) if not _CODE.fullmatch(text))
    place = children.line(CITY) or next(located, None) or children.line(POSTCODE)
    for part in (place, children.line(REGION), children.line(COUNTRY)):
        if part and part not in parts:
            parts.append(part)
    return ", ".join(parts) or None


def _salary(children: _Children) -> Salary:
    """The salary text, and the separate amounts, currency and period when the feed has them."""
    element = next((e for e in children.elements(SALARY) if fields.line(e)), None)
    raw = fields.line(element) if element is not None else None
    currency = children.line(SALARY_CURRENCY) or _attribute(element, SALARY_CURRENCY_ATTRS)
    unit = children.line(SALARY_PERIOD) or _attribute(element, SALARY_PERIOD_ATTRS)
    low, high = children.value(SALARY_MIN), children.value(SALARY_MAX)
    if low or high:
        return salary_from_parts(low, high, currency, unit, raw)
    return Salary(raw=raw, currency=currency_code(currency) if raw else None,
                  period=normalize_period(unit) if raw else None)


def _category(children: _Children) -> str | None:
    """Every category named (a <category domain="..."> is read by its domain instead),
    else the department."""
    plain = (e for e in children.elements(CATEGORY) if e.get("domain") is None)
    names = dict.fromkeys(filter(None, map(fields.parts_line, plain)))
    return ", ".join(names) or children.line(DEPARTMENT)


def _attribute(element: etree._Element | None, names: tuple[str, ...]) -> str | None:
    if element is None:
        return None
    return next(filter(None, (clean_line(element.get(name)) for name in names)), None)


def _item(children: _Children, context: FeedContext, **given: Any) -> JobItem:
    """A JobItem with `given` fields plus the job fields that every dialect reads alike."""
    found: dict[str, Any] = {
        "company": children.line(COMPANY),
        "location": _location(children),
        "category": _category(children),
        "terms": employment_terms(children.lines(JOB_TYPE)),
        "salary": _salary(children),
        "closing_date_raw": fields.stamp(children.value(CLOSING)),
    }
    for name, value in given.items():  # a dialect's own reading, where it found one
        if value or name not in found:
            found[name] = value
    return build_item(source=context.source, scraped_at=context.scraped_at, **found)


def _webindex(webindex: str | None, url: str | None) -> str:
    return webindex or (webindex_from_url(url) if url else "")


def job_item(entry: etree._Element, context: FeedContext) -> JobItem:
    """A record element: Indeed-style <job>, Jobatus's <ad>, Broadbean's <item> ..."""
    children = _Children(entry)
    url = fields.absolute_url(children.value(JOB_URL), context.feed_url)
    return _item(
        children, context,
        webindex=_webindex(children.value(JOB_ID) or clean_line(entry.get("id")), url),
        url=url or "",
        title=children.line(JOB_TITLE) or "",
        description=fields.description(children.elements(JOB_DESCRIPTION)),
        date_posted=fields.posted_date(children.value(JOB_POSTED)),
    )


def rss_item(entry: etree._Element, context: FeedContext) -> JobItem:
    """An RSS 2.0 (or 1.0) <item>; job fields from extension elements."""
    children = _Children(entry)
    _add_embedded_records(children)
    url = fields.absolute_url(children.value(("link",), extension=False), context.feed_url)
    guid = children.value(("guid",), extension=False)
    if url is None and _is_permalink(children):
        url = fields.absolute_url(guid, context.feed_url)
    url = url or fields.absolute_url(children.value(JOB_URL), context.feed_url)
    webindex = guid or clean_line(entry.get(_RDF_ABOUT)) or children.value(JOB_ID)
    title = children.line(("title",), extension=False) or children.line(JOB_TITLE) or ""
    by_domain = _domain_categories(children)
    item = _item(
        children, context,
        webindex=_webindex(webindex, url),
        url=url or "",
        title=title,
        description=fields.description(_rss_bodies(children)),
        date_posted=fields.posted_date(
            children.value(("pubdate",), extension=False)
            or children.value(("date",), own=False) or children.value(JOB_POSTED)),
        closing_date_raw=fields.stamp(children.value(RSS_CLOSING)),
        **by_domain,
    )
    return _remote_board(_company_from_title(item))


def _add_embedded_records(children: _Children) -> None:
    """United Learning's and Ventrus's <a10:content type="text/xml"><Vacancy>...: the
    record's fields count as the item's own extension elements."""
    for content in children.elements(("content",), own=False):
        for record in content:
            if isinstance(record.tag, str) and len(record):
                children.add(record, extension=True)


def _rss_bodies(children: _Children) -> list[etree._Element]:
    return (children.elements(("encoded",), own=False)
            + children.elements(FULL_TEXT, own=False)
            + children.elements(("description",), extension=False)
            + children.elements(FULL_TEXT, extension=False))


def _domain_categories(children: _Children) -> dict[str, Any]:
    """location, terms and category from <category domain="...">s (EngageATS)."""
    by_field: dict[str, list[str]] = {}
    for category in children.elements(("category",), extension=False):
        target = DOMAIN_FIELDS.get(normalised_name("".join((category.get("domain") or "").split())))
        text = fields.line(category)
        if target and text:
            by_field.setdefault(target, []).append(text)
    found: dict[str, Any] = {}
    if "location" in by_field:
        found["location"] = "; ".join(dict.fromkeys(by_field["location"]))
    if "terms" in by_field:
        found["terms"] = employment_terms(by_field["terms"])
    if "category" in by_field:
        found["category"] = ", ".join(dict.fromkeys(by_field["category"]))
    return found


def _company_from_title(item: JobItem) -> JobItem:
    host = (urlsplit(item.url).hostname or "").removeprefix("www.")
    if item.company or host not in COMPANY_IN_TITLE_HOSTS or ": " not in item.title:
        return item
    company, title = (part.strip() for part in item.title.split(": ", 1))
    if company and title:
        item.company, item.title = company, title
    return item


def _remote_board(item: JobItem) -> JobItem:
    if item.remote is None and (urlsplit(item.url).hostname or "").removeprefix(
            "www.") in REMOTE_ONLY_HOSTS:
        item.remote = True
    return item


def _is_permalink(children: _Children) -> bool:
    guid = children.elements(("guid",), extension=False)
    return bool(guid) and guid[0].get("isPermaLink", "true").strip().lower() != "false"


def atom_entry(entry: etree._Element, context: FeedContext) -> JobItem:
    """An Atom <entry>; job fields from extension elements."""
    children = _Children(entry)
    url = _atom_link(children, context)
    item = _item(
        children, context,
        webindex=_webindex(children.value(("id",), extension=False), url),
        url=url or "",
        title=clean_line(_atom_text(children, "title")) or "",
        description=_atom_text(children, "content") or _atom_text(children, "summary"),
        date_posted=fields.posted_date(children.value(("published",), extension=False)
                                       or children.value(("updated",), extension=False)),
    )
    terms = [clean_line(c.get("term") or c.get("label")) for c in children.elements(
        ("category",), extension=False)]
    item.category = item.category or ", ".join(dict.fromkeys(filter(None, terms))) or None
    return item


def _atom_link(children: _Children, context: FeedContext) -> str | None:
    for link in children.elements(("link",), extension=False):
        if link.get("rel", "alternate") == "alternate":
            return fields.absolute_url(link.get("href"), context.feed_url)
    return None


def _atom_text(children: _Children, name: str) -> str:
    """An Atom text construct as plain text: type "text" (default), "html" or "xhtml"."""
    for element in children.elements((name,), extension=False):
        if element.get("src"):  # out-of-line content: nothing to read here
            continue
        if element.get("type", "text") == "text":
            text = tidy_paragraphs(replace_entities("".join(element.itertext())))
        else:
            text = html_to_text(fields.markup(element))
        if text:
            return text
    return ""


_MAPPERS: dict[str, Callable[[etree._Element, FeedContext], JobItem]] = {
    "jobs": job_item,
    "ads": job_item,
    "items": job_item,
    "vacancies": job_item,
    "rss": rss_item,
    "atom": atom_entry,
}
