"""Plain text from HTML or messy text: paragraphs kept, whitespace tidied."""

from __future__ import annotations

import re
import threading

import html_text
import lxml.etree
from w3lib.html import replace_entities

# <div> blocks read as paragraphs in job ads far more often than as line wrappers,
# so they get a blank line like <p>; list items stay one per line.
_DOUBLE_NEWLINE_TAGS = html_text.DOUBLE_NEWLINE_TAGS | {
    "div", "article", "section", "header", "footer", "main", "aside", "table",
}
_NEWLINE_TAGS = html_text.NEWLINE_TAGS - _DOUBLE_NEWLINE_TAGS

_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
# html_text turns <br><br> into a single line break; an empty <p> makes it a paragraph.
_BR_RUN = re.compile(r"(?:<br\s*/?>\s*){2,}", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_INVISIBLE = "//script | //style | //noscript | //template | //head | //comment()"
# Markup that can put an invisible node in the tree: the parser files a stray <title>,
# <meta>, <link> or <base> under a <head> it makes up, and reads "<!...", "<?..." and
# "</3" as comments. Without any of it there is nothing to drop, and no search.
_INVISIBLE_HINT = re.compile(
    r"<(?:[!?]|/[^a-z]|script|style|noscript|template|head|title|meta|link|base)", re.IGNORECASE)
# Three or more line breaks in a row, once every line is stripped: blank lines.
_BLANK_RUN = re.compile(r"\n{3,}")


def clean_line(value: str | None) -> str | None:
    """One line of text: every whitespace run becomes one space; "" becomes None."""
    if value is None:
        return None
    cleaned = " ".join(str(value).split())
    return cleaned or None


# Elements that put markup, not words, into a one-line field ("<b>Evil</b> Corp",
# "<script>...</script>Data Analyst"). A closed list: "Engineer <Remote>" or
# "C++ <Senior>" are words in angle brackets, and stay.
_LINE_MARKUP = re.compile(
    r"</?(?:script|style|noscript|iframe|object|embed|svg|img|a|b|i|u|em|strong|span|font"
    r"|small|big|sup|sub|br|p|div|h[1-6])(?:\s[^<>]*)?/?>", re.IGNORECASE)


def clean_line_markup(value: str | None) -> str | None:
    """clean_line, with HTML markup removed first when the text holds real HTML elements.

    Scripts and styles go with their content; "<b>Evil</b> Corp" becomes "Evil Corp".
    """
    if value is not None and "<" in value and _LINE_MARKUP.search(value):
        value = html_to_text(value)
    return clean_line(value)


def looks_like_html(value: str) -> bool:
    """True when the text contains at least one HTML tag."""
    return bool(_TAG.search(value))


def html_to_text(value: str | None) -> str:
    """Plain text with paragraphs separated by one blank line.

    Accepts HTML, HTML that was escaped once more ("&lt;p&gt;..."), or plain text;
    entities are decoded and whitespace inside each line is collapsed.
    """
    if not value:
        return ""
    if "<" not in value or not looks_like_html(value):
        decoded = replace_entities(value) if "&" in value else value
        if "<" not in decoded or not looks_like_html(decoded):
            return tidy_paragraphs(decoded)
        value = decoded
    if _has_br(value):
        value = _BR_RUN.sub("<p></p>", value)
    tree = _parse(value)
    # html_text's own cleaner (lxml_html_clean) costs more than the rest of the
    # conversion; an ad's description only needs its invisible parts dropped.
    if _INVISIBLE_HINT.search(value):
        for invisible in tree.xpath(_INVISIBLE):
            _drop(invisible)
    # tree_text's lines are tidy already: no spaces at either end, single spaces,
    # at most one blank line in a row.
    return tree_text(tree)


# lxml parsers are not thread-safe; the importers convert descriptions in threads.
_PARSERS = threading.local()


def _parse(html: str) -> lxml.etree._Element:
    """html_text.parse_html, with a plain lxml tree: lxml.html's element classes are
    looked up in Python for every element touched, a fifth of the conversion."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = lxml.etree.HTMLParser(recover=True, encoding="utf-8")
    # A lone surrogate (JSON's "\ud800") cannot be encoded: it is dropped with the NULs.
    body = html.strip().replace("\x00", "").encode("utf-8", "ignore") or b"<html/>"
    root = lxml.etree.fromstring(body, parser=parser)
    return root if root is not None else lxml.etree.fromstring(b"<html/>", parser=parser)


def _drop(element: lxml.etree._Element) -> None:
    """Remove an element and its content, keeping the text after it (lxml.html's drop_tree)."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + element.tail
        else:
            previous.tail = (previous.tail or "") + element.tail
    parent.remove(element)


_PUNCT_AFTER = frozenset(',:;.!?")')
# Inline elements that can split a word's letters: "19<sup>th</sup>", "<b>3</b>rd".
_INLINE_TAGS = frozenset({"sup", "sub", "span", "b", "strong", "i", "em", "u", "small", "font",
                          "mark", "abbr"})
_ORDINAL_SUFFIX = re.compile(r"(?:st|nd|rd|th)\b", re.IGNORECASE)


def _ordinal_suffix(prev: str, raw: str, tag: object) -> bool:
    """True when `raw` goes on an ordinal's number with nothing between: "19" + "th"."""
    return (tag in _INLINE_TAGS and prev[-1:].isdigit() and not raw[0].isspace()
            and _ORDINAL_SUFFIX.match(raw) is not None)


def tree_text(
    tree: lxml.etree._Element,
    newline_tags: frozenset[str] = _NEWLINE_TAGS,
    double_newline_tags: frozenset[str] = _DOUBLE_NEWLINE_TAGS,
) -> str:
    """html_text.etree_to_text(tree, ...) with our block tags by default, in half the time.

    The same rules, chunk for chunk: a blank line around double_newline_tags, a line
    break around newline_tags, a space between inline texts unless punctuation follows
    or "(" precedes. Whitespace is collapsed with str.split, which splits on exactly
    the characters html_text's regex matches, instead of a regex per text node.
    One difference: an ordinal split by an inline element stays whole
    ("19<sup>th</sup> March" reads "19th March", not "19 th March") so that dates
    written that way are found.
    lxml's iterwalk skips comments and processing instructions, and their tails with
    them: drop them first (html_to_text does).
    """
    chunks: list[str] = []
    prev = ""  # the last text added, as written
    breaks = 2  # what was added last: 0 text, 1 a line break, 2 a blank line (or nothing)

    def add_newlines(tag: str) -> None:
        nonlocal breaks
        if breaks == 2:
            return
        if tag in double_newline_tags:
            chunks.append("\n" if breaks == 1 else "\n\n")
            breaks = 2
        elif tag in newline_tags:
            if breaks == 0:
                chunks.append("\n")
            breaks = 1

    def add_text(raw: str | None, tag: object) -> None:
        nonlocal prev, breaks
        text = " ".join(raw.split()) if raw else ""
        if not text:
            return
        assert raw is not None
        joined = breaks or not (prev[-1].isspace() or (text[0] not in _PUNCT_AFTER
                                                       and prev[-1] != "("))
        if joined or _ordinal_suffix(prev, raw, tag):
            chunks.append(text)
        else:
            chunks.extend((" ", text))
        prev, breaks = raw, 0

    for event, element in lxml.etree.iterwalk(tree, events=("start", "end")):
        add_newlines(element.tag)
        if event == "start":
            add_text(element.text, element.tag)
        elif element is not tree:
            add_text(element.tail, element.tag)
    return "".join(chunks).strip()


def _has_br(value: str) -> bool:
    # A few substring tests cost less than one case-insensitive regex pass over an ad.
    return "<br" in value or "<BR" in value or "<Br" in value or "<bR" in value


def tidy_paragraphs(text: str) -> str:
    """Collapse spaces inside lines, keep line breaks, at most one blank line in a row."""
    # str.split() splits on exactly what \s matches, at a fraction of a regex's cost.
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip()
