"""Plain text from HTML or messy text: paragraphs kept, whitespace tidied."""

from __future__ import annotations

import re

import html_text
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
# Three or more line breaks in a row, once every line is stripped: blank lines.
_BLANK_RUN = re.compile(r"\n{3,}")


def clean_line(value: str | None) -> str | None:
    """One line of text: every whitespace run becomes one space; "" becomes None."""
    if value is None:
        return None
    cleaned = " ".join(str(value).split())
    return cleaned or None


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
    tree = html_text.parse_html(value)
    # html_text's own cleaner (lxml_html_clean) costs more than the rest of the
    # conversion; an ad's description only needs its invisible parts dropped.
    for invisible in tree.xpath(_INVISIBLE):
        invisible.drop_tree()
    text = html_text.etree_to_text(
        tree, newline_tags=_NEWLINE_TAGS, double_newline_tags=_DOUBLE_NEWLINE_TAGS
    )
    return tidy_paragraphs(text)


def _has_br(value: str) -> bool:
    # A few substring tests cost less than one case-insensitive regex pass over an ad.
    return "<br" in value or "<BR" in value or "<Br" in value or "<bR" in value


def tidy_paragraphs(text: str) -> str:
    """Collapse spaces inside lines, keep line breaks, at most one blank line in a row."""
    # str.split() splits on exactly what \s matches, at a fraction of a regex's cost.
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip()
