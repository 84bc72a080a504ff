"""SOURCES.yaml parsing and validation (jobcrawl/schedule/sources.py), without a crawl."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jobcrawl.schedule.sources import (
    DEFAULT_TIMEOUT,
    Schedule,
    Source,
    SourcesError,
    load_sources,
    parse_duration,
    parse_sources,
)
from tests.utils.paths import ROOT

SPIDERS = ("greenhouse", "jobposting", "lever", "reed")


def parse(text: str) -> Schedule:
    return parse_sources(yaml.safe_load(text), SPIDERS)


def problems(text: str) -> list[str]:
    with pytest.raises(SourcesError) as raised:
        parse(text)
    return raised.value.errors


def test_a_full_file_becomes_sources_with_defaults_merged() -> None:
    schedule = parse("""
parallel: 3
defaults:
  timeout: 30m
  settings:
    AUTOTHROTTLE_ENABLED: false
    DOWNLOAD_DELAY: 0.5
sources:
  - name: acme
    spider: greenhouse
    args: {board: acme, max_items: 50}
    settings: {DOWNLOAD_DELAY: 2, ITEM_PIPELINES: {a.B: 1}, SPIDER_MODULES: [x, y]}
  - name: Zürich-board.2
    spider: jobposting
    args: {url: "https://jobs.example.ch/offres", dayfirst: true, since: 2024-01-31}
    timeout: 90
    enabled: false
""")
    assert schedule == Schedule(
        sources=(
            Source(
                name="acme", spider="greenhouse",
                args=(("board", "acme"), ("max_items", "50")),
                settings=(("AUTOTHROTTLE_ENABLED", "false"), ("DOWNLOAD_DELAY", "2"),
                          ("ITEM_PIPELINES", '{"a.B": 1}'), ("SPIDER_MODULES", "x,y")),
                timeout=1800.0, enabled=True,
            ),
            Source(
                name="Zürich-board.2", spider="jobposting",
                args=(("url", "https://jobs.example.ch/offres"), ("dayfirst", "true"),
                      ("since", "2024-01-31")),
                settings=(("AUTOTHROTTLE_ENABLED", "false"), ("DOWNLOAD_DELAY", "0.5")),
                timeout=90.0, enabled=False,
            ),
        ),
        parallel=3,
    )


def test_minimal_file_takes_the_built_in_defaults() -> None:
    schedule = parse("sources:\n  - {name: demo, spider: jobposting}\n")
    assert schedule == Schedule((Source("demo", "jobposting", (), (), DEFAULT_TIMEOUT, True),), 1)


def test_crawl_args_are_the_scrapy_command_line() -> None:
    source = Source("acme", "greenhouse", (("board", "acme"), ("max_items", "5")),
                    (("DOWNLOAD_TIMEOUT", "600"),))
    assert source.crawl_args() == ["crawl", "greenhouse", "-a", "board=acme",
                                   "-a", "max_items=5", "-s", "DOWNLOAD_TIMEOUT=600"]


def test_every_problem_is_listed_with_its_key_path() -> None:
    errors = problems("""
parallel: 0
paralel: 2
defaults:
  timeout: soon
  retries: 3
sources:
  - name: acme
    spider: greenhouse
    args: {board: [a, b], "bad-arg": 1}
  - name: acme
    spider: greenhose
    settings: {download_timeout: 5, JOBCRAWL_STATSFILE_PATH: x.json, LOG_FILE: null}
  - spider: lever
    timeout: -5
    enabled: "yes"
    setings: {}
  - just a string
  - name: ../escape
  - {name: off, spider: reed}
""")
    assert errors == [
        "paralel: unknown key, did you mean 'parallel'? (expected sources, defaults, parallel)",
        "parallel: must be a whole number of 1 or more, got 0",
        "defaults.retries: unknown key (expected settings, timeout)",
        "defaults.timeout: must be seconds or a duration like 30m or 2h, got 'soon'",
        "sources[0].args.board: must be a single value (string, number or true/false), "
        "got a list; join several values with commas",
        "sources[0].args.bad-arg: not a spider argument name",
        "sources[1].spider: unknown spider 'greenhose', did you mean 'greenhouse'? "
        "(this project has: greenhouse, jobposting, lever, reed)",
        "sources[1].settings.download_timeout: setting names are upper case, "
        "like DOWNLOAD_TIMEOUT",
        "sources[1].settings.JOBCRAWL_STATSFILE_PATH: set by crawlall for every source "
        "(its summary reads it)",
        "sources[1].settings.LOG_FILE: must be a string, number, true/false, list or mapping, "
        "got nothing",
        "sources[1].name: 'acme' is already used by sources[0]",
        "sources[2].setings: unknown key, did you mean 'settings'? "
        "(expected name, spider, args, settings, timeout, enabled)",
        "sources[2].name: missing",
        "sources[2].timeout: must be more than 0 seconds and finite, got -5",
        "sources[2].enabled: must be true or false, got 'yes'",
        "sources[3]: must be a mapping with name and spider, got a string",
        "sources[4].name: '../escape' is not a usable name (letters, digits, '.', '_', '-'; "
        "it names the source's log file)",
        "sources[4].spider: missing",
        "sources[5].name: False is not a usable name (letters, digits, '.', '_', '-'; it "
        "names the source's log file); quote it: YAML reads yes/no/on/off as true/false",
    ]


def test_a_name_used_twice_is_an_error_naming_the_first_use() -> None:
    errors = problems("""
sources:
  - {name: acme, spider: greenhouse, args: {board: acme}}
  - {name: acme, spider: lever, args: {company: acme}}
""")
    assert errors == ["sources[1].name: 'acme' is already used by sources[0]"]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "the file must be a mapping with a 'sources:' list, got nothing"),
        ("- name: a\n", "the file must be a mapping with a 'sources:' list, got a list"),
        ("sources: []\n", "sources: must be a non-empty list of sources"),
        ("defaults: [1]\nsources: [{name: a, spider: reed}]\n",
         "defaults: must be a mapping, got a list"),
        ("parallel: true\nsources: [{name: a, spider: reed}]\n",
         "parallel: must be a whole number of 1 or more, got True"),
    ],
)
def test_file_shape_errors(text: str, error: str) -> None:
    assert problems(text) == [error]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(5, 5.0), (2.5, 2.5), ("90", 90.0), ("90s", 90.0), ("30m", 1800.0), ("1.5h", 5400.0),
     (" 2h ", 7200.0), ("2d", 172800.0), ("1w", 604800.0)],
)
def test_durations(value: object, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value", [0, "0m", "soon", True, None, "-1", float("inf"), "2y"])
def test_bad_durations(value: object) -> None:
    with pytest.raises(ValueError, match="must be"):
        parse_duration(value)


def test_a_timeout_reads_every_duration_the_recrawl_ttl_reads() -> None:
    from jobcrawl.recrawl.state import parse_ttl

    schedule = parse("defaults: {timeout: 1d}\nsources:\n  - {name: a, spider: reed}\n"
                     "  - {name: b, spider: reed, timeout: 2w}\n")
    assert [source.timeout for source in schedule.sources] == [86400.0, 14 * 86400.0]
    for text in ("1d", "2w", "12h", "30m", "45s", "3600", "1.5h"):
        assert parse_duration(text) == parse_ttl(text).total_seconds()


def test_select_runs_enabled_sources_or_exactly_the_named_ones() -> None:
    schedule = parse("""
sources:
  - {name: a, spider: reed}
  - {name: b, spider: reed, enabled: false}
  - {name: c, spider: reed}
""")
    assert [s.name for s in schedule.select()] == ["a", "c"]
    # Named explicitly, a disabled source runs; the file's order is kept.
    assert [s.name for s in schedule.select(["c", "b"])] == ["b", "c"]
    with pytest.raises(SourcesError) as raised:
        schedule.select(["a", "cc", "zzz"])
    assert raised.value.errors == ["--only: no source named 'cc', did you mean 'c'?",
                                   "--only: no source named 'zzz'"]


def test_load_names_the_file_in_the_message(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - {name: a, spider: nope}\n  - {name: b}\n")
    with pytest.raises(SourcesError) as raised:
        load_sources(path, SPIDERS)
    assert str(raised.value) == (
        f"{path}: 2 problems:\n"
        "  sources[0].spider: unknown spider 'nope' (this project has: greenhouse, "
        "jobposting, lever, reed)\n"
        "  sources[1].spider: missing"
    )


def test_load_reports_yaml_syntax_errors_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - name: a\n   spider: reed\n")
    with pytest.raises(SourcesError) as raised:
        load_sources(path, SPIDERS)
    assert raised.value.path == path
    [error] = raised.value.errors
    assert error.startswith("not valid YAML: ")
    assert "line 3" in error


def test_load_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourcesError) as raised:
        load_sources(tmp_path / "nope.yaml", SPIDERS)
    assert raised.value.errors == ["cannot read the file: No such file or directory"]


def test_the_shipped_example_is_valid_for_this_project() -> None:
    from scrapy.settings import Settings
    from scrapy.spiderloader import get_spider_loader

    settings = Settings()
    settings.setmodule("jobcrawl.settings")
    spiders = get_spider_loader(settings).list()
    schedule = load_sources(ROOT / "sources.example.yaml", spiders)
    enabled = schedule.select()
    assert [source.spider for source in enabled] == ["jobposting", "jobposting"]
    assert {source.spider for source in schedule.sources} >= {"greenhouse", "lever", "reed"}
