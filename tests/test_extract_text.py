"""html_to_text and clean_line: paragraphs kept, whitespace tidied, entities decoded."""

from __future__ import annotations

import pytest

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
