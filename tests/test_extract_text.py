"""html_to_text and clean_line: paragraphs kept, whitespace tidied, entities decoded."""

from __future__ import annotations

import html_text
import pytest

from jobcrawl.extract import text as text_module
from jobcrawl.extract.text import clean_line, html_to_text, looks_like_html


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("<p>Hello   <b>big</b>\n   world</p>", "Hello big world"),
        ("<ul><li>a</li><li>b</li></ul>", "a\nb"),
        ("<p>Intro</p><ul><li>a</li><li>b</li></ul><p>End</p>", "Intro\n\na\nb\n\nEnd"),
        ("First<br><br>Second<br>Third", "First\n\nSecond\nThird"),
        ("First<br/> <BR />Second", "First\n\nSecond"),
        ("First<Br><bR>Second", "First\n\nSecond"),
        ("<h2>Title</h2>Body text", "Title\n\nBody text"),
        ("<div>Block one</div><div>Block two</div>", "Block one\n\nBlock two"),
        ("<div><div><p>Deep</p></div></div><p>Next</p>", "Deep\n\nNext"),
        ("<p>Fish &amp; chips &eacute;t&eacute; &#163;5</p>", "Fish & chips été £5"),
        ("&lt;p&gt;Escaped&lt;/p&gt;&lt;p&gt;twice&lt;/p&gt;", "Escaped\n\ntwice"),
        ("<p>Keep</p><script>var x = 1;</script><style>p {}</style>", "Keep"),
        ("  <p>  padded  </p>  ", "padded"),
        ("<p>\u00a0non\u00a0breaking\u00a0</p>", "non breaking"),
        (
            "Plain text\n\n\n\nsecond   paragraph\nsame paragraph",
            "Plain text\n\nsecond paragraph\nsame paragraph",
        ),
        ("Plain\r\n\r\nWindows", "Plain\n\nWindows"),
        ("Caf&eacute; &amp; bar", "Café & bar"),
        ("Salary < 30k and > 20k", "Salary < 30k and > 20k"),
        ("", ""),
        (None, ""),
    ],
)
def test_html_to_text(html: str | None, expected: str) -> None:
    assert html_to_text(html) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Senior \t Data\nEngineer  ", "Senior Data Engineer"),
        ("\u00a0x\u00a0", "x"),
        ("", None),
        ("   \n ", None),
        (None, None),
    ],
)
def test_clean_line(value: str | None, expected: str | None) -> None:
    assert clean_line(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("<p>x</p>", True), ("a<br/>b", True), ("x < 3 and y > 2", False), ("no tags", False)],
)
def test_looks_like_html(value: str, expected: bool) -> None:
    assert looks_like_html(value) is expected


@pytest.mark.parametrize(
    "html",
    [
        "<p>One</p><p>Two</p>",
        "<p>Hello   <b>big</b>\n   world</p>",
        "<ul><li>a</li><li>b</li></ul><p>End</p>",
        "<div><div><p>Deep</p></div>tail</div>inline <i>x</i>, then (<b>y</b>) and <b>z</b>.",
        "<dl><dt>Term</dt><dd>Def</dd></dl><table><tr><td>a</td><td>b</td></tr></table>",
        "<h2>Title</h2>Body <span>text</span>!<br>Next<hr>Last",
        "<p>\u00a0non\u00a0breaking\u00a0</p><p> \t </p><blockquote>q</blockquote>",
    ],
)
def test_tree_text_reads_a_tree_as_html_text_does(html: str) -> None:
    expected = html_text.etree_to_text(
        html_text.parse_html(html),
        newline_tags=text_module._NEWLINE_TAGS,
        double_newline_tags=text_module._DOUBLE_NEWLINE_TAGS,
    )
    assert text_module.tree_text(text_module._parse(html)) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # The parser reads these as comments; the text after them stays.
        ("<p>Before <?php echo 1; ?>after</p>", "Before after"),
        ("<p>a</3>b</p>", "ab"),
        ("<p>a<!-- note -->b</p><!DOCTYPE x>c", "ab\n\nc"),
        # A stray <title> lands in a <head> the parser makes up: invisible.
        ("<title>Page</title><p>Body</p>", "Body"),
        ("<P>Upper</P><SCRIPT>x()</SCRIPT>", "Upper"),
    ],
)
def test_comments_and_head_markup_leave_only_the_visible_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected
