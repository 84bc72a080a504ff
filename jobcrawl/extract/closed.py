"""Closed-job notices: "This vacancy has now closed", "No longer accepting applications".

A page says a job is closed only in what a reader sees of its content: the words
are looked for in the visible main text, never in scripts, styles, templates,
noscript, hidden elements (``hidden``, ``aria-hidden="true"``, ``display:none``,
``visibility:hidden``, the hidden/d-none/sr-only classes), JSON shown as text,
navigation, the page's own header, footer and asides (those of an article or
``<main>`` are content), cookie and consent banners, forms' controls.
Boards ship such words everywhere else: Indeed's pages carry "This job has expired
on Indeed" in a script's translation table on every live ad.

A notice is *strong* when it stands alone: a heading, an alert (role alert or
status), or a block whose text is the notice and little more ("Sorry, this job has
expired."). Within running text it is *weak* ("... we are no longer accepting
applications from agencies, and ..."). How a notice and a structured closing date
(validThrough, a profile's closing date) decide (closed_verdict):

- no closing date, an unreadable one, or one before today: the notice wins;
- a closing date today or later: a strong notice still wins (boards close ads
  early and leave validThrough as it was), a weak one is overruled and the ad
  stays live.

Pure functions: no settings, no stats (the spiders count what they are told).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import lxml.etree

from jobcrawl.extract.dates import parse_date
from jobcrawl.extract.page import page_tree

if TYPE_CHECKING:
    from datetime import date

    from lxml.html import HtmlElement
    from scrapy.http import TextResponse

_WS = r"\s+"
_THING = r"(?:vacancy|job|position|role|post|advert|listing|opportunity|job\s+posting|job\s+advert)"
# Stated as a fact about this job, in the past or present tense. "Closing date: ..."
# and "this vacancy will close early" are not notices.
_PATTERNS = (
    rf"this{_WS}{_THING}{_WS}(?:has|is){_WS}(?:now{_WS})?(?:closed|expired|been{_WS}filled"
    rf"|no{_WS}longer{_WS}(?:available|open|active|accepting{_WS}applications))",
    rf"no{_WS}longer{_WS}accepting{_WS}applications",
    rf"applications{_WS}(?:for{_WS}this{_WS}{_THING}{_WS})?(?:are|have){_WS}(?:now{_WS})?closed",
    rf"the{_WS}closing{_WS}date{_WS}for{_WS}this{_WS}{_THING}{_WS}has{_WS}passed",
)
_NOTICE = re.compile("|".join(f"(?:{pattern})" for pattern in _PATTERNS), re.IGNORECASE)
# Every notice holds one of these (in lower or upper case): plain substring tests
# skip the case-insensitive search on the ~all pages that say nothing of the kind.
_HINTS = ("losed", "LOSED", "xpired", "XPIRED", "filled", "FILLED", "longer", "LONGER",
          "passed", "PASSED")

# Never content: their subtrees are not read at all.
_UNSEEN_TAGS = frozenset({
    "head", "script", "style", "template", "noscript", "nav", "svg", "math", "iframe",
    "object", "select", "option", "textarea", "button", "dialog",
})  # fmt: skip
# The page's frame: left out unless inside an article or <main>, where they are content.
_FRAME_TAGS = frozenset({"header", "footer", "aside"})
_FRAME_ROLES = frozenset({"banner", "contentinfo", "navigation", "complementary", "dialog"})
_CONTENT_TAGS = frozenset({"article", "main"})
_HIDDEN_CLASSES = frozenset({"hidden", "d-none", "is-hidden", "hide", "sr-only",
                             "visually-hidden", "screen-reader-text", "invisible"})
_BANNER_WORDS = ("cookie", "consent", "gdpr")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCK_TAGS = _HEADINGS | frozenset({
    "p", "div", "section", "article", "main", "header", "footer", "aside", "li", "ul", "ol",
    "dl", "dt", "dd", "table", "tr", "td", "th", "blockquote", "pre", "form", "fieldset",
    "figure", "figcaption", "details", "summary", "address", "body", "html", "br", "hr",
})  # fmt: skip
_ALERT_ROLES = frozenset({"alert", "status"})
# A block holding the notice and at most this many more characters states it alone.
STANDALONE_SLACK = 40
_INLINE_FRAME_CHECK = lxml.etree.XPath("ancestor::*[self::article or self::main "
                                       "or @role='main']")


@dataclass(frozen=True)
class ClosedNotice:
    """A closed notice as the page shows it; `strong`: it stands alone (see module doc)."""

    text: str
    strong: bool


@dataclass(frozen=True)
class ClosedVerdict:
    """What a notice and a structured closing date say together.

    closed: the ad expires as `closed`; evidence: why, for jobs.expiry_evidence
    (None when not closed); overruled: a weak notice lost to a closing date today or later.
    """

    closed: bool
    evidence: str | None = None
    overruled: bool = False


def closed_notice(text: str) -> str | None:
    """The first closed-job notice in plain `text`, whitespace collapsed; None without one."""
    if not any(hint in text for hint in _HINTS):
        return None
    match = _NOTICE.search(text)
    return None if match is None else _words(match.group())


def _words(text: str) -> str:
    words = " ".join(text.split())
    return words[0].upper() + words[1:]


@dataclass(frozen=True)
class PageNotice:
    """A page's closed notice: in_source, its words appear somewhere in the HTML;
    notice, the one the visible main text shows (None when only hidden parts say it)."""

    in_source: bool = False
    notice: ClosedNotice | None = None


def page_closed_notice(response: TextResponse) -> PageNotice:
    """The closed notice in the visible main text of an HTML page.

    Pages whose source holds no notice anywhere (nearly all) are not walked.
    """
    if closed_notice(response.text) is None:
        return PageNotice()
    return PageNotice(in_source=True, notice=visible_closed_notice(page_tree(response)))


def visible_closed_notice(document: HtmlElement) -> ClosedNotice | None:
    """The first closed notice in the visible main text of a parsed page, or None."""
    for text, strong_block in _visible_blocks(document):
        match = _NOTICE.search(text)
        if match is None:
            continue
        if text.lstrip().startswith(("{", "[")) and _is_json(text):
            continue
        standalone = len(text) <= len(match.group()) + STANDALONE_SLACK
        return ClosedNotice(_words(match.group()), strong=strong_block or standalone)
    return None


def closed_verdict(notice: ClosedNotice | None, closing_date_raw: str | None, *,
                   today: date, dayfirst: bool = True) -> ClosedVerdict:
    """Whether an ad whose page shows `notice` is closed, given its structured closing
    date as written (validThrough: its own calendar date, as closing dates are read)."""
    if notice is None:
        return ClosedVerdict(closed=False)
    evidence = f"page says: '{notice.text}'"
    closes = parse_date(closing_date_raw, dayfirst=dayfirst) if closing_date_raw else None
    if closes is None:
        return ClosedVerdict(closed=True, evidence=evidence)
    if closes < today:
        return ClosedVerdict(closed=True, evidence=f"{evidence}; closing date {closes} passed")
    if notice.strong:
        return ClosedVerdict(closed=True,
                             evidence=f"{evidence}, over closing date {closes}")
    return ClosedVerdict(closed=False, overruled=True)


def _is_json(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict | list)
    except ValueError:
        return False


def _unseen(element: HtmlElement) -> bool:
    """An element whose subtree a reader never sees as the page's content."""
    tag = element.tag
    if not isinstance(tag, str) or tag in _UNSEEN_TAGS:
        return True
    attributes = element.attrib
    if not attributes:
        return tag in _FRAME_TAGS and not _INLINE_FRAME_CHECK(element)
    if "hidden" in attributes or attributes.get("aria-hidden", "").strip().lower() == "true":
        return True
    if tag == "input" or _HIDDEN_STYLE.search(attributes.get("style", "")):
        return True
    classes = attributes.get("class", "").lower().split()
    if _HIDDEN_CLASSES.intersection(classes):
        return True
    names = " ".join((attributes.get("id", ""), *classes)).lower()
    if any(word in names for word in _BANNER_WORDS):
        return True
    role = attributes.get("role", "").strip().lower()
    if tag in _FRAME_TAGS or role in _FRAME_ROLES:
        return not _INLINE_FRAME_CHECK(element)
    return False


def _strong_element(element: HtmlElement) -> bool:
    return element.tag in _HEADINGS or element.get("role", "").strip().lower() in _ALERT_ROLES


def _visible_blocks(document: HtmlElement) -> list[tuple[str, bool]]:
    """The visible text of the page, block by block: (text, inside a heading or alert)."""
    blocks: list[tuple[str, bool]] = []
    chunks: list[str] = []
    strong_depth = 0  # open headings / alerts around the current text

    def end_block() -> None:
        text = " ".join(" ".join(chunks).split())
        if text:
            blocks.append((text, strong_depth > 0))
        chunks.clear()

    skipped: set[HtmlElement] = set()
    walker = lxml.etree.iterwalk(document, events=("start", "end"))
    for event, element in walker:
        if event == "start":
            if _unseen(element):
                walker.skip_subtree()  # its "end" still comes: only its tail is read then
                skipped.add(element)
                continue
            if element.tag in _BLOCK_TAGS:
                end_block()
            if _strong_element(element):
                strong_depth += 1
            if element.text:
                chunks.append(element.text)
            continue
        if element in skipped:
            skipped.discard(element)
        else:
            if element.tag in _BLOCK_TAGS:
                end_block()
            if _strong_element(element):
                strong_depth -= 1
        if element.tail and element is not document:
            chunks.append(element.tail)
    end_block()
    return blocks
