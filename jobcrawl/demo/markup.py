"""HTML of the demo board: the page frame, and ad pages in every markup variant.

An ad page carries its JobPosting as JSON-LD (one object, an array, an @graph, or
a second script block), as microdata, or not at all. ``DemoAd.style`` picks
cosmetic variants seen on real boards (http/https @context, a list where one value
would do, an entity-escaped description, numbers as strings); none changes the
truth recorded in the ad.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

from jobcrawl.demo.ads import long_date

if TYPE_CHECKING:
    from collections.abc import Callable

    from jobcrawl.demo.ads import DemoAd

# What a closed ad's page says above the ad (Board.change(closed=...)).
CLOSED_NOTICE = "This vacancy has now closed"

SITE_NAME = "Demo Jobs"
SCHEMA = "https://schema.org/"
EMPLOYMENT_WORDS = {"FULL_TIME": "Full time", "PART_TIME": "Part time",
                    "CONTRACTOR": "Contract", "TEMPORARY": "Temporary", "INTERN": "Internship"}

_HEADER = (f'<header><a class="brand" href="/">{SITE_NAME}</a> '
           '<nav><a href="/jobs">Jobs</a> <a href="/about">About</a></nav></header>')
_FOOTER = f"<footer><p>© 2026 {SITE_NAME} – generated adverts for testing jobcrawl.</p></footer>"


def page(title: str, body: str, head: str = "") -> str:
    """A whole HTML document with the board's header and footer."""
    return (f'<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)} – {SITE_NAME}</title>\n{head}</head>\n<body>\n"
            f"{_HEADER}\n<main>\n{body}</main>\n{_FOOTER}\n</body>\n</html>\n")


def ad_page(ad: DemoAd, url: str, origin: str, notice: str | None = None) -> str:
    """The page of ``ad`` whose canonical URL (and JSON-LD ``url``) is ``url``.

    ``notice`` (e.g. "This vacancy has now closed") is shown above the ad.
    """
    head = f'<link rel="canonical" href="{html.escape(url)}">\n'
    head += "".join(_script(ad, block) for block in _jsonld_blocks(ad, url, origin))
    title = f"{ad.title} – {ad.company}" if ad.company else ad.title
    body = _article(ad, url)
    if notice:
        body = f'<p class="notice">{html.escape(notice)}</p>\n{body}'
    return page(title, body, head)


# --- JSON-LD -----------------------------------------------------------------

def _script(ad: DemoAd, data: Any) -> str:
    text = json.dumps(data, ensure_ascii=ad.style % 2 == 0, indent=2 if ad.style % 3 == 2 else None)
    # "</" would end the script element early; JSON allows "\/" for "/".
    text = text.replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>\n'


def _jsonld_blocks(ad: DemoAd, url: str, origin: str) -> list[Any]:
    context = "http://schema.org" if ad.style % 6 == 5 else "https://schema.org"
    website = {"@context": context, "@type": "WebSite", "name": SITE_NAME, "url": f"{origin}/"}
    if ad.markup == "jsonld":
        return [{"@context": context, **jobposting(ad, url)}]
    if ad.markup == "jsonld-array":
        return [[_breadcrumbs(ad, origin, context), {"@context": context, **jobposting(ad, url)}]]
    if ad.markup == "jsonld-graph":
        webpage = {"@type": "WebPage", "@id": url, "name": ad.title}
        return [{"@context": context, "@graph": [webpage, jobposting(ad, url)]}]
    if ad.markup == "jsonld-two-blocks":
        blocks: list[Any] = [website, {"@context": context, **jobposting(ad, url)}]
        return blocks[::-1] if ad.style % 2 else blocks
    if ad.markup == "none":
        return [website]  # JSON-LD, but no JobPosting: the page must give no item
    return []  # microdata lives in the body


def _breadcrumbs(ad: DemoAd, origin: str, context: str) -> dict[str, Any]:
    items = [{"@type": "ListItem", "position": 1, "name": "Jobs", "item": f"{origin}/jobs"},
             {"@type": "ListItem", "position": 2, "name": ad.title}]
    return {"@context": context, "@type": "BreadcrumbList", "itemListElement": items}


def jobposting(ad: DemoAd, url: str) -> dict[str, Any]:
    """The JobPosting object of ``ad`` (without @context)."""
    data: dict[str, Any] = {"@type": "JobPosting", "title": ad.title}
    if ad.identifier_value is not None:
        data["identifier"] = _identifier(ad)
    data["description"] = _description_value(ad)
    posted = ad.date_posted.isoformat()
    data["datePosted"] = f"{posted}T09:00:00Z" if ad.style % 4 == 3 else posted
    if ad.closing_mode == "structured":
        data["validThrough"] = ad.closing_raw
    if ad.employment_type:
        data["employmentType"] = [ad.employment_type] if ad.style % 3 == 0 else ad.employment_type
    if ad.company:
        organization = {"@type": "Organization", "name": ad.company}
        data["hiringOrganization"] = ad.company if ad.style % 10 == 1 else organization
    address = {"@type": "PostalAddress", "addressLocality": ad.location, "addressCountry": "GB"}
    place = {"@type": "Place", "address": address}
    data["jobLocation"] = [place] if ad.style % 4 == 1 else place
    if ad.salary_in_markup:
        data["baseSalary"] = _base_salary(ad)
    data["occupationalCategory"] = ad.category
    data["url"] = url
    return data


def _identifier(ad: DemoAd) -> Any:
    if ad.identifier_shape == "property-value":
        return {"@type": "PropertyValue", "name": SITE_NAME, "value": ad.identifier_value}
    return ad.identifier_value


def _description_value(ad: DemoAd) -> str:
    markup = description_html(ad)
    # Many boards escape the HTML once more; a crawler has to unescape it first.
    return html.escape(markup, quote=False) if ad.style % 5 == 0 else markup


def description_html(ad: DemoAd) -> str:
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in ad.description_paragraphs)


def _number(ad: DemoAd, value: float) -> Any:
    number = int(value) if value == int(value) else value
    return str(number) if ad.style % 7 == 0 else number


def _base_salary(ad: DemoAd) -> dict[str, Any]:
    assert ad.salary_min is not None and ad.salary_max is not None
    value: dict[str, Any] = {"@type": "QuantitativeValue"}
    if ad.salary_min == ad.salary_max:
        value["value"] = _number(ad, ad.salary_min)
    else:
        value["minValue"] = _number(ad, ad.salary_min)
        value["maxValue"] = _number(ad, ad.salary_max)
    value["unitText"] = ad.salary_period
    return {"@type": "MonetaryAmount", "currency": ad.salary_currency, "value": value}


# --- visible HTML, with microdata when the ad asks for it ----------------------

def _escaper(ad: DemoAd) -> Callable[[str], str]:
    if ad.style % 3 == 1:  # non-ASCII as character references: "Caf&#233;"
        return lambda text: html.escape(text).encode("ascii", "xmlcharrefreplace").decode()
    return html.escape


def _scope(md: bool, prop: str, kind: str) -> str:
    return f' itemprop="{prop}" itemscope itemtype="{SCHEMA}{kind}"' if md else ""


def _prop(md: bool, prop: str) -> str:
    return f' itemprop="{prop}"' if md else ""


def _meta(md: bool, prop: str, value: object) -> str:
    return f'<meta itemprop="{prop}" content="{html.escape(str(value))}">' if md else ""


def _article(ad: DemoAd, url: str) -> str:
    md, esc = ad.markup == "microdata", _escaper(ad)
    scope = f' itemscope itemtype="{SCHEMA}JobPosting"' if md else ""
    parts = [f'<article class="job"{scope}>', f'<h1 class="job-title"{_prop(md, "title")}>'
             f"{esc(ad.title)}</h1>", _identifier_html(ad, md)]
    if ad.company:
        parts.append(f'<p class="job-company"{_scope(md, "hiringOrganization", "Organization")}>'
                     f'<span{_prop(md, "name")}>{esc(ad.company)}</span></p>')
    parts.append(f'<p class="job-location"{_scope(md, "jobLocation", "Place")}>'
                 f'<span{_scope(md, "address", "PostalAddress")}>'
                 f'<span{_prop(md, "addressLocality")}>{esc(ad.location)}</span>'
                 f'{_meta(md, "addressCountry", "GB")}</span></p>')
    if ad.salary_in_markup:
        parts.append(_salary_html(ad, md, esc))
    if ad.employment_type:
        parts.append(f'<p class="job-type">{EMPLOYMENT_WORDS[ad.employment_type]}'
                     f'{_meta(md, "employmentType", ad.employment_type)}</p>')
    parts.append(f'<p class="job-category">Category: '
                 f'<span{_prop(md, "occupationalCategory")}>{esc(ad.category)}</span></p>')
    parts.append(f'<p class="job-posted">Posted <time{_prop(md, "datePosted")} datetime="'
                 f'{ad.date_posted.isoformat()}">{long_date(ad.date_posted)}</time></p>')
    if md and ad.closing_mode == "structured":
        parts.append(_meta(md, "validThrough", ad.closing_raw))
    if md:
        parts.append(f'<link itemprop="url" href="{html.escape(url)}">')
    paragraphs = "\n".join(f"<p>{esc(p)}</p>" for p in ad.description_paragraphs)
    parts.append(f'<div class="job-description"{_prop(md, "description")}>{paragraphs}</div>')
    parts.append("</article>\n")
    return "\n".join(part for part in parts if part)


def _identifier_html(ad: DemoAd, md: bool) -> str:
    if ad.identifier_value is None:
        return ""
    value = str(ad.identifier_value)
    if md and ad.identifier_shape == "property-value":
        return (f'<p class="job-ref"{_scope(md, "identifier", "PropertyValue")}>Reference: '
                f'<span itemprop="value">{value}</span>{_meta(md, "name", SITE_NAME)}</p>')
    return f'<p class="job-ref">Reference: <span{_prop(md, "identifier")}>{value}</span></p>'


def _salary_html(ad: DemoAd, md: bool, esc: Callable[[str], str]) -> str:
    low, high, label = ad.salary_min, ad.salary_max, ad.salary_label
    assert low is not None and high is not None and label is not None
    if not md:
        return f'<p class="job-salary">{esc(label)}</p>'
    bounds = [("value", low)] if low == high else [("minValue", low), ("maxValue", high)]
    metas = "".join(_meta(md, name, _number(ad, value)) for name, value in bounds)
    return (f'<div class="job-salary"{_scope(md, "baseSalary", "MonetaryAmount")}>'
            f'{_meta(md, "currency", ad.salary_currency)}'
            f'<span{_scope(md, "value", "QuantitativeValue")}>{metas}'
            f'{_meta(md, "unitText", ad.salary_period)}{esc(label)}</span></div>')
