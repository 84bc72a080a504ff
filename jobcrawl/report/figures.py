"""The report's charts: which figures of ReportData each one plots."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jobcrawl.report.charts import Series, bar_chart, line_chart
from jobcrawl.report.data import COVERAGE_FIELDS

if TYPE_CHECKING:
    from jobcrawl.report.data import ReportData, RunRow

# Sources beyond this many (the largest kept) are summed as one "other sources" series.
MAX_SOURCES = 7
OTHER = "other sources"
NO_RUNS = "No crawl runs recorded."


def all_charts(data: ReportData) -> list[str]:
    """Every chart of the page, in page order."""
    return [stored_by_source(data), effects(data), rates(data), field_coverage(data),
            new_and_active(data)]


def run_labels(runs: list[RunRow]) -> list[str]:
    return [run.started.strftime("%m-%d %H:%M") for run in runs]


def stored_by_source(data: ReportData) -> str:
    """Ads stored or touched by each run (crawl_runs.sources), stacked by source, oldest first."""
    runs = data.runs[::-1]
    totals: dict[str, int] = {}
    for run in runs:
        for source, count in run.sources.items():
            totals[source] = totals.get(source, 0) + count
    ranked = sorted(totals, key=lambda source: (-totals[source], source))
    kept, rest = ranked[:MAX_SOURCES], set(ranked[MAX_SOURCES:])
    series = [Series(source, tuple(float(run.sources.get(source, 0)) for run in runs))
              for source in kept]
    if rest:
        series.append(Series(OTHER, tuple(
            float(sum(count for source, count in run.sources.items() if source in rest))
            for run in runs)))
    empty = NO_RUNS if not runs else "No ads stored or touched by these runs."
    return bar_chart("chart-stored", "Ads stored or touched per run, by source",
                     run_labels(runs), series, stacked=True, empty=empty)


def effects(data: ReportData) -> str:
    """New, updated and touched (seen on a listing, not refetched) ads per run."""
    runs = data.runs[::-1]
    series = [
        Series("new", tuple(float(run.new) for run in runs)),
        Series("updated", tuple(float(run.updated) for run in runs)),
        Series("touched", tuple(float(run.touched) for run in runs)),
    ]
    return bar_chart("chart-effects", "New, updated and touched ads per run", run_labels(runs),
                     series if runs else [], stacked=True, empty=NO_RUNS)


def rates(data: ReportData) -> str:
    """Error rate (errors / requests) and drop rate (dropped / items) per run."""
    runs = data.runs[::-1]
    series = [
        Series("error rate (errors / requests)", tuple(run.error_rate for run in runs)),
        Series("drop rate (dropped / items)", tuple(run.drop_rate for run in runs)),
    ]
    return line_chart("chart-rates", "Error and drop rates per run", run_labels(runs),
                      series if runs else [], percent=True,
                      empty=NO_RUNS if not runs else "No requests or items in these runs.")


def field_coverage(data: ReportData) -> str:
    """Share of each source's ads with each field, for the largest sources."""
    shown = data.coverage[:MAX_SOURCES]
    series = [Series(row.source, tuple(row.filled[name] / row.ads for name in COVERAGE_FIELDS))
              for row in shown]
    title = "Field coverage by source"
    if len(data.coverage) > MAX_SOURCES:
        title += f" (the {MAX_SOURCES} largest sources; every source in the table below)"
    return bar_chart("chart-coverage", title, list(COVERAGE_FIELDS), series, stacked=False,
                     percent=True, empty="No ads stored.")


def new_and_active(data: ReportData) -> str:
    """New ads per period and the active snapshot at each period's end."""
    periods = data.periods
    unit = data.options.freq
    series = [Series(f"new in the {unit}", tuple(float(p.new) for p in periods)),
              Series(f"active at the {unit}'s end", tuple(float(p.active) for p in periods))]
    labels = [period.start.isoformat() for period in periods]
    return line_chart("chart-counts", f"New and active ads per {unit}", labels,
                      series if periods else [], empty="No ads stored.")
