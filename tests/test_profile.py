"""Site profiles: YAML -> Profile, every error listed with its key; `scrapy siteprofile check`."""

from __future__ import annotations

import json
import pstats
import re
from pathlib import Path
from types import MappingProxyType

import pytest

from jobcrawl.config.profiles import (
    Profile,
    ProfileError,
    SelectorSpec,
    check_profile,
    load_profile,
    parse_profile,
)
from tests.utils.paths import FIXTURES, ROOT
from tests.utils.scrapy import run_scrapy

SHIPPED = [ROOT / "profiles" / "demo-html.yaml", ROOT / "profiles" / "demo-js.yaml"]

MINIMAL = {
    "name": "acme",
    "start_urls": ["https://jobs.acme.example/vacancies"],
    "listing": {"links": "css:a.vacancy"},
    "fields": {"title": "css:h1", "description": "css:.body"},
}

BROKEN_YAML = """\
name: acme careers
start_urls:
  - https://jobs.acme.example/vacancies
  - ftp://jobs.acme.example/old
  - 42
listing:
  links: {css: "a.vacancy", regex: "(unclosed"}
  nxt: "css:a.next"
fields:
  title: {css: "h1["}
  titel: "css:h1"
  date_posted: "xpath://time["
  closing_date: {css: ".closing", xpath: "//p"}
  company: "//p[@class='company']"
render: {listing: true, ad: maybe}
wait_for: "css:a.vacancy::attr(href)"
max_pages: 0
dayfirst: sometimes
colour: blue
"""

BROKEN_ERRORS = [
    "colour: unknown key; known: name, source, start_urls, listing, fields, dayfirst, render, "
    "wait_for, wait_timeout, max_pages",
    "name: must be letters, digits, '.', '_' or '-', got 'acme careers'",
    "start_urls[1]: not an http(s) URL: 'ftp://jobs.acme.example/old'",
    "start_urls[2]: not an http(s) URL: 42",
    "listing.nxt: unknown key; known: links, next",
    "listing.links.regex: does not compile: missing ), unterminated subpattern at position 0",
    "fields.title.css: invalid CSS selector 'h1[': Expected ident or '*', got <EOF at 3>",
    "fields.titel: unknown field; known: webindex, title, company, location, category, "
    "description, salary, closing_date, date_posted, contract_type, contract_time",
    "fields.date_posted: invalid XPath '//time[': XPath error: Invalid expression in //time[",
    "fields.closing_date: give exactly one of css or xpath",
    "fields.company: invalid CSS selector \"//p[@class='company']\": Expected selector, got "
    "<DELIM '/' at 0> (an XPath needs the prefix xpath:)",
    "fields.description: required",
    "dayfirst: must be true or false, got 'sometimes'",
    "render.ad: must be true or false, got 'maybe'",
    "wait_for: invalid CSS selector 'a.vacancy::attr(href)': ::text and ::attr() read fields; "
    "the browser waits for elements",
    "max_pages: must be a whole number of 1 or more, got 0",
]


def errors_of(data: object) -> list[str]:
    with pytest.raises(ProfileError) as caught:
        parse_profile(data)
    return caught.value.errors


def test_minimal_profile_gets_its_defaults() -> None:
    assert parse_profile(MINIMAL) == Profile(
        name="acme", source="site:acme", start_urls=("https://jobs.acme.example/vacancies",),
        links=SelectorSpec("css", "a.vacancy"), next_page=None,
        fields=MappingProxyType({"title": SelectorSpec("css", "h1"),
                                 "description": SelectorSpec("css", ".body")}),
        dayfirst=None, render=frozenset(), wait_for=MappingProxyType({}), wait_timeout=15.0,
        max_pages=None,
    )


def test_shipped_static_profile_reads_into_a_whole_profile() -> None:
    profile = load_profile(SHIPPED[0])
    assert (profile.name, profile.source, profile.start_urls, profile.dayfirst,
            profile.render, profile.max_pages) == (
        "demo-html", "site:demo-html", ("http://127.0.0.1:8765/html/jobs",), True,
        frozenset(), 100)
    assert profile.links == SelectorSpec("css", "ul.job-list a.job-link")
    assert profile.next_page == SelectorSpec("css", "a.next")
    assert profile.fields["closing_date"] == SelectorSpec(
        "css", ".closing", regex=re.compile(r"Closing date:\s*(.+)"))
    assert profile.fields["date_posted"] == SelectorSpec("css", ".posted time", attr="datetime")
    assert list(profile.fields) == ["webindex", "title", "company", "location", "category",
                                    "salary", "contract_type", "date_posted", "closing_date",
                                    "description"]


def test_shipped_js_profile_renders_only_listing_pages() -> None:
    profile = load_profile(SHIPPED[1])
    assert profile.render == frozenset({"listing"})
    assert profile.renders("listing") and not profile.renders("ad")
    assert dict(profile.wait_for) == {"listing": SelectorSpec("css", "#job-list a.job-link")}
    assert profile.wait_for["listing"].browser_selector == "css=#job-list a.job-link"
    assert profile.wait_timeout == 20.0
    assert profile.next_page == SelectorSpec("xpath", "//nav[@id='pagination']/a[@rel='next']")
    assert profile.fields["description"] == SelectorSpec("css", ".description p", join="\n\n")


def test_every_error_is_reported_with_its_key(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN_YAML, encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert caught.value.errors == BROKEN_ERRORS
    # The spider raises this at start-up: the message lists every error too.
    message = str(caught.value)
    assert message.startswith(f"argument profile: {path} has {len(BROKEN_ERRORS)} error(s):\n")
    assert all(f"\n  {error}" in message for error in BROKEN_ERRORS)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"name": None}, ["name: required: a short name such as acme-careers"]),
        ({"start_urls": "https://jobs.acme.example/"},
         ["start_urls: required: a list of at least one listing page URL"]),
        ({"listing": {"next": "css:a.next"}},
         ["listing.links: required: the selector of ad links on a listing page"]),
        ({"fields": {"title": "css:h1", "description": None}},
         ["fields.description: needs a selector"]),
        ({"fields": {"title": {"xpath": "//h1", "attr": "", "join": 3, "regex": 7},
                     "description": "css:.body"}},
         ["fields.title.regex: must be a string, got 7",
          "fields.title.attr: must be a non-empty string, got ''",
          "fields.title.join: must be a string, got 3"]),
        ({"fields": {"title": {"css": "h1", "grab": "text"}, "description": "css:.body"}},
         ["fields.title.grab: unknown key; known: css, xpath, regex, attr, join"]),
        ({"fields": {"title": ["css:h1"], "description": "css:.body"}},
         ["fields.title: must be a selector string ('css:...' or 'xpath:...') or a mapping "
          "with css or xpath"]),
        ({"fields": {"title": "xpath:foo(1)", "description": "css:p::bogus"}},
         ["fields.title: invalid XPath 'foo(1)': XPath error: Unregistered function in foo(1)",
          "fields.description: invalid CSS selector 'p::bogus': The pseudo-element ::bogus is "
          "unknown"]),
        ({"render": True}, ["wait_for: required when pages are rendered: the selector of an "
                            "element that the page's scripts create"]),
        ({"render": {"listing": True}, "wait_for": {"ad": "css:h1"}},
         ["wait_for.listing: required because listing pages are rendered: the selector of an "
          "element that the page's scripts create",
          "wait_for.ad: ad pages are not rendered (render.ad is false)"]),
        ({"wait_for": "css:h1"}, ["wait_for: no page is rendered: set render, or remove wait_for"]),
        ({"render": "yes please"}, ["render: must be true, false or a mapping of listing/ad to "
                                    "true/false, got 'yes please'"]),
        ({"render": True, "wait_for": {"css": "h1", "regex": "x"}},
         ["wait_for: regex: not used when waiting for an element"]),
        ({"wait_timeout": 0, "max_pages": 2.5, "source": ""},
         ["source: must be a non-empty string, got ''",
          "wait_timeout: must be a number of seconds above 0, got 0",
          "max_pages: must be a whole number of 1 or more, got 2.5"]),
    ],
)
def test_each_kind_of_mistake_is_named(change: dict[str, object], expected: list[str]) -> None:
    data = {**MINIMAL, **change}
    assert errors_of({key: value for key, value in data.items() if value is not None}) == expected


def test_render_true_with_one_wait_selector_waits_on_both_page_kinds() -> None:
    profile = parse_profile({**MINIMAL, "render": True, "wait_for": "xpath://h1"})
    assert profile.render == frozenset({"listing", "ad"})
    assert dict(profile.wait_for) == {"listing": SelectorSpec("xpath", "//h1"),
                                      "ad": SelectorSpec("xpath", "//h1")}


def test_not_a_mapping_and_unreadable_files_are_errors_too(tmp_path: Path) -> None:
    assert errors_of(["name: x"]) == [
        "(profile): must be a YAML mapping of keys such as name, start_urls, listing, fields"]
    missing = tmp_path / "missing.yaml"
    assert check_profile(missing) == [
        f"(file): cannot read {missing}: [Errno 2] No such file or directory: '{missing}'"]
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("name: acme\nlisting: [unclosed\n", encoding="utf-8")
    assert check_profile(bad_yaml) == [
        "(yaml): line 3, column 1: expected ',' or ']', but got '<stream end>'"]


def test_duplicate_keys_are_errors_not_silently_the_last(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    text = (SHIPPED[0].read_text(encoding="utf-8")
            .replace('  title: "css:article.vacancy h1"\n',
                     '  title: "css:article.vacancy h1"\n  title: "css:h2"\n'))
    path.write_text(text.replace("dayfirst: true", "dayfirst: 1"), encoding="utf-8")
    line = text.splitlines().index('  title: "css:h2"') + 1
    # Reported with the profile's other errors, not instead of them.
    assert check_profile(path) == [f"(yaml): line {line}: duplicate key 'title'",
                                   "dayfirst: must be true or false, got 1"]


# --- the command ------------------------------------------------------------------

def test_siteprofile_check_accepts_both_shipped_profiles() -> None:
    result = run_scrapy("siteprofile", "check", "profiles/demo-html.yaml", "profiles/demo-js.yaml")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "profiles/demo-html.yaml: OK\nprofiles/demo-js.yaml: OK\n"


def test_siteprofile_check_lists_every_error_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN_YAML, encoding="utf-8")
    result = run_scrapy("siteprofile", "check", str(path), "profiles/demo-html.yaml")
    assert result.returncode == 1
    expected = [f"{path}: {error}" for error in BROKEN_ERRORS]
    assert result.stdout.splitlines() == [*expected, "profiles/demo-html.yaml: OK"]


def test_siteprofile_check_json_for_scripts(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN_YAML, encoding="utf-8")
    nordwind = str(FIXTURES / "site" / "nordwind.yaml")
    result = run_scrapy("siteprofile", "check", "--json", nordwind, str(path))
    assert result.returncode == 1
    assert json.loads(result.stdout) == {nordwind: [], str(path): BROKEN_ERRORS}


@pytest.mark.parametrize("args", [[], ["check"], ["try"], ["lint", "profiles/demo-html.yaml"]])
def test_siteprofile_without_action_or_path_is_a_usage_error(args: list[str]) -> None:
    result = run_scrapy("siteprofile", *args)
    assert result.returncode == 2
    assert result.stderr.endswith("error: give an action and at least one profile: check "
                                  "PATH.yaml ... or try PATH.yaml [URL]\n")


def test_the_old_name_still_works_with_a_deprecation_note() -> None:
    result = run_scrapy("profile", "check", "profiles/demo-html.yaml")
    assert result.returncode == 0
    assert result.stdout == "profiles/demo-html.yaml: OK\n"
    assert result.stderr == (
        "scrapy profile is deprecated: use scrapy siteprofile (the same actions); the old "
        "name is easily mixed up with Scrapy's --profile option, which writes cProfile "
        "stats\n")


@pytest.mark.parametrize("command", [["crawl", "site"], ["siteprofile", "check", "x.yaml"],
                                     ["profile", "check", "x.yaml"]])
def test_scrapys_cprofile_option_never_overwrites_a_yaml_file(
        tmp_path: Path, command: list[str]) -> None:
    # Scrapy's --profile FILE writes cProfile stats to FILE: a site profile would be lost.
    path = tmp_path / "acme.yaml"
    path.write_text("name: acme\n", encoding="utf-8")
    result = run_scrapy(*command, "--profile", str(path),
                        "-s", f"JOBCRAWL_DATABASE_URL=sqlite:///{tmp_path / 'jobs.db'}")
    assert result.returncode == 2
    assert path.read_text(encoding="utf-8") == "name: acme\n"
    assert result.stderr.endswith(
        f"error: --profile {path}: Scrapy's --profile option writes cProfile stats to FILE "
        f"and would overwrite this YAML file; give a site profile as -a profile={path} "
        f"(scrapy crawl site) or as an argument (scrapy siteprofile try {path})\n")


def test_cprofile_still_profiles_a_siteprofile_check(tmp_path: Path) -> None:
    stats = tmp_path / "check.prof"
    result = run_scrapy("siteprofile", "check", "profiles/demo-html.yaml", "--profile",
                        str(stats))
    assert result.returncode == 0
    assert result.stderr == f"scrapy: writing cProfile stats to {str(stats)!r}\n"
    pstats.Stats(str(stats))  # a cProfile dump, readable
